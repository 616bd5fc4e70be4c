"""Conversion rates from the stored composite mids, through the database's ``usd_rate``.

``usd_rate(currency, at)`` (migration ``1100_ingest_bookkeeping``) is the one implementation the
ingest and the read models share: the latest ``quote_mid_1s`` mid of ``CCYUSD`` at or before
``at`` (within 7 days), else ``1 / USDCCY``, else NULL. :mod:`app.metrics.currency` states the
same rule over mids held in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, text

from app.metrics.currency import USD

RATES_SQL = """
SELECT c, usd_rate(c, :at) FROM unnest(CAST(:currencies AS text[])) AS c
"""

QUOTE_CURRENCIES_SQL = """
SELECT s, quote_currency(s) FROM unnest(CAST(:symbols AS text[])) AS s
"""


def usd_rates(
    conn: Connection, currencies: Iterable[str], at: dt.datetime
) -> dict[str, float | None]:
    """USD per unit of each currency at ``at`` (None where no rate is known)."""
    wanted = sorted(set(currencies))
    if not wanted:
        return {}
    rows = conn.execute(text(RATES_SQL), {"currencies": wanted, "at": at}).all()
    return {str(c): (None if rate is None else float(rate)) for c, rate in rows}


def report_rate(conn: Connection, currency: str, at: dt.datetime) -> float | None:
    """USD per unit of the reporting currency at ``at`` (1.0 for USD; None when unknown):
    divide a USD amount by it to report it in ``currency``."""
    if currency == USD:
        return 1.0
    return usd_rates(conn, [currency], at)[currency]


def quote_currencies(conn: Connection, symbols: Iterable[str]) -> dict[str, str | None]:
    """The currency each symbol is priced in (configured, or a pair's last three letters)."""
    wanted = sorted(set(symbols))
    if not wanted:
        return {}
    rows = conn.execute(text(QUOTE_CURRENCIES_SQL), {"symbols": wanted}).all()
    return {str(s): (None if c is None else str(c)) for s, c in rows}
