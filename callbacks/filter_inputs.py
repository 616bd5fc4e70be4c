"""Filter-bar values (see ``pages/filter_bar.py``) turned into a read-model Filter."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import Engine, text

from app.queries.filters import Filter

WINDOW_LENGTHS = {
    "15m": dt.timedelta(minutes=15),
    "1h": dt.timedelta(hours=1),
    "24h": dt.timedelta(hours=24),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
}


def filter_from_inputs(
    window: str | None,
    symbols: list[str] | None = None,
    lps: list[str] | None = None,
    books: list[str] | None = None,
    rules: list[str] | None = None,
    *,
    now: dt.datetime | None = None,
) -> Filter:
    """The Filter of the window ending now (an unknown window falls back to 24 h)."""
    length = WINDOW_LENGTHS.get(window or "24h", WINDOW_LENGTHS["24h"])
    end = now or dt.datetime.now(dt.UTC)
    return Filter(
        start=end - length,
        end=end,
        symbols=tuple(symbols or ()),
        lps=tuple(lps or ()),
        books=tuple(books or ()),
        rule_ids=tuple(rules or ()),
    )


def engine() -> Engine:
    """The web process's database engine."""
    resources = current_app.extensions["tradedash"]
    db: Engine = resources.engine
    return db


def dimension_values(days: int = 30) -> dict[str, list[str]]:
    """Symbols, LPs and rule ids seen recently, for the filter bars' options."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with engine().connect() as conn:

        def distinct(sql: str) -> list[str]:
            return [row[0] for row in conn.execute(text(sql), {"since": since})]

        return {
            "symbols": distinct(
                "SELECT DISTINCT symbol FROM exec_rollup_1m WHERE bucket >= :since ORDER BY 1"
            ),
            "lps": distinct(
                "SELECT DISTINCT lp FROM exec_rollup_1m WHERE bucket >= :since ORDER BY 1"
            ),
            "rules": distinct("SELECT DISTINCT rule_id FROM rules ORDER BY 1"),
        }
