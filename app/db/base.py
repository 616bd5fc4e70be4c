"""The declarative base and the one ``MetaData`` every model and migration shares.

Storage choices, applied to every table (see docs/database.md):

- time is ``timestamptz`` and always UTC;
- prices, quantities (base units), pips and analytic sums are ``double precision``: the engine
  sends JSON numbers, the metrics are float arithmetic, and 15-16 significant digits hold any
  quote or lot size exactly enough;
- money that is summed into accounts or reports (commission, PFOF, P/L, balances, limits) is
  ``numeric(24, 8)``, so totals add up to the cent however many rows are summed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Double, MetaData, Numeric, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

MONEY = Numeric(24, 8)
"""Type of money amounts that are summed into accounts and reports."""


class Base(DeclarativeBase):
    """Base class of every mapped table."""

    metadata = metadata
    type_annotation_map = {
        str: Text(),
        dt.datetime: DateTime(timezone=True),
        float: Double(),
        Decimal: MONEY,
        dict[str, Any]: JSONB(),
        list[str]: JSONB(),
    }


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``values``, named ``ck_<table>_<column>``."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)
