"""Benchmarks: each module is runnable with `python -m bench.<name>` and reports its own numbers."""
