"""Database layer: the schema (models), engine and session factory, migrations and partitions."""
