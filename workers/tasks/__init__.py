"""Celery tasks: each parses its arguments and calls one function of app/."""
