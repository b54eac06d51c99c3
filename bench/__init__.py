"""holdspace benchmarks: every figure is a ratio against a baseline measured in
the same run (see docs/PERFORMANCE.md). Run with ``make bench`` or
``python -m bench`` (``--quick`` for a tiny smoke configuration)."""
