"""What autogenerate and the model/migration comparison look at.

Partition children (``orders_p2026_11_24``, ``orders_default``) and TimescaleDB's internal
objects are created by pg_partman and TimescaleDB, not by the models, so they are ignored.
"""

from __future__ import annotations

import re
from typing import Any

from app.db.models import metadata

_PARTITION_CHILD = re.compile(r"^(?P<parent>.+)_(p\d{4}(_\d{2}){0,2}|p\d{4}w\d{2}|default)$")


def is_partition_child(table_name: str) -> bool:
    """Whether ``table_name`` is a pg_partman partition of one of the model tables."""
    match = _PARTITION_CHILD.match(table_name)
    return bool(match and match.group("parent") in metadata.tables)


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Alembic ``include_name`` hook: skip partition children and foreign schemas."""
    if type_ == "schema":
        return name in (None, "public")
    if type_ == "table" and name is not None:
        return name in metadata.tables or not is_partition_child(name)
    return True
