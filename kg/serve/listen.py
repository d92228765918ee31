"""One listening socket per serving process, on one address (SO_REUSEPORT).

With a single socket shared by the serving processes, the process that wakes first accepts
every connection waiting: measured with 8 keep-alive clients and two processes, all 8
connections went to one process while the other idled, so the second core served nothing.
With a socket of its own in each process, all bound with SO_REUSEPORT, the kernel spreads new
connections over the processes (by a hash of the connection's addresses), as nginx's
`reuseport` and gunicorn's `--reuse-port` do.

The supervisor holds a `PerProcessListener`: bound, so that the address is taken (and port 0
gets a port), but never listening, so it takes no connection itself. Each serving process
receives it pickled and gets, in its place, a new socket listening on the same address.
"""

from __future__ import annotations

import socket

BACKLOG = 128
# Linux and the BSDs; elsewhere the processes share the supervisor's socket.
AVAILABLE = hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(family: int, address: tuple, *, listen: bool,
                      kind: type[socket.socket] = socket.socket) -> socket.socket:
    """A TCP socket (of class `kind`) bound to `address` with SO_REUSEPORT, listening if
    asked."""
    sock = kind(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if listen:
            sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def _listener_in_process(family: int, address: tuple) -> socket.socket:
    return reuse_port_socket(family, address, listen=True)


class PerProcessListener(socket.socket):
    """The supervisor's bound, non-listening socket; pickled, a new listening socket on the
    same address (multiprocessing would otherwise pass the same socket to every process)."""

    def __reduce_ex__(self, protocol):
        return _listener_in_process, (self.family, self.getsockname())


def per_process_listener(family: int, address: tuple) -> PerProcessListener:
    """Bind the address for the serving processes (see the module's docstring)."""
    sock = reuse_port_socket(family, address, listen=False, kind=PerProcessListener)
    assert isinstance(sock, PerProcessListener)
    return sock
