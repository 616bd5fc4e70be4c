"""The alert engine: rule definitions, evaluation, states, preview (see docs/alerting.md)."""
