"""The one place where the library's exceptions become the command line's error messages.

Every command runs inside `KgGroup.invoke`: an exception the library raises for the user to
read (a store that does not exist, a bad corrections file, a link the curator mistyped) leaves
as a `click.ClickException`, so click prints `Error: MESSAGE` and exits 1; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import click

# (module, exception class, message template): the library's exceptions whose message is
# written for the user. Modules are looked up in `sys.modules` rather than imported: an
# exception from a module that was never imported cannot have been raised, and importing them
# all would load spaCy, pySHACL and the web server for `kg stats`.
LIBRARY_ERRORS: tuple[tuple[str, str, str], ...] = (
    ("kg.api", "IngestAborted", "--strict: {}; nothing was written"),
    ("kg.store", "StoreError", "{}"),
    ("kg.resolve.corrections", "CorrectionsError", "{}"),
    ("kg.link", "LinkError", "{}"),
    ("kg.store.remote", "RemoteError", "{}"),
    ("kg.pipeline.cluster", "ClusterError", "{}"),
    ("kg.serve.app", "ServeError", "{}"),
)


def user_message(exc: BaseException) -> str | None:
    """The message to show for a library exception, or None when `exc` is not one."""
    for module, name, template in LIBRARY_ERRORS:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return template.format(exc)
    return None


class KgGroup(click.Group):
    """A command group that turns the library's exceptions into `click.ClickException`."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as exc:
            message = user_message(exc)
            if message is None:
                raise
            raise click.ClickException(message) from exc
