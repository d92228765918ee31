"""Benchmarks: a seeded generator of realistic catalogue corpora (`bench.generate`) and the
harness behind `make bench` (`bench.run`), which writes BENCHMARKS.md."""
