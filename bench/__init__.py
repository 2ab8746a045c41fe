"""Benchmarks: `make bench` runs every bench/bench_*.py; figures are printed next to a
baseline measured in the same run, so ratios compare like with like on any machine."""
