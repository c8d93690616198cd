"""Benchmarks behind `minirg bench` and scripts/bench_*.py (tables, not tests)."""
