"""Exports of the datasets (orders, executions, positions, LP scorecard, rule report, exposure,
audit log) as CSV, Excel, JSON, Parquet or PDF: see docs/exports.md."""
