"""Ingestion: from decoded contract events to stored rows, rollups and live counters.

Pure parts (``quotes``, ``rows``, ``batch``) turn events into rows; ``store`` writes one batch
in one PostgreSQL transaction, together with the consumer offsets it covers.
"""
