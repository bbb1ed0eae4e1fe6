"""Benchmarks of newscrawl: see bench/README.md."""
