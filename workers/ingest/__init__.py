"""The Kafka consumers that store the trading engine's events (`tradedash ingest`)."""
