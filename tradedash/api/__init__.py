"""The REST API (version 1) for integrations: a Flask blueprint under /api/v1."""
