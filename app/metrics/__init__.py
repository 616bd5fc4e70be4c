"""Metric formulas of METRICS.md: arrays or frames in, numbers out, no I/O."""
