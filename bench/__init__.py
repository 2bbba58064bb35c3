"""The performance benchmark (`make bench`): both scales into fresh databases, every figure
of issue 16 measured, the medians written to bench/results/latest.json (README, Performance)."""
