"""Read models: SQL over the stored events and rollups, returning frames or plain values.

Every page, API endpoint, export and report reads through these functions with a
:class:`~app.queries.filters.Filter`, so the same filter gives the same number everywhere.
"""
