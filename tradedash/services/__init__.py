"""Start, check and stop the local services the project runs on (PostgreSQL, Redis, Kafka)."""
