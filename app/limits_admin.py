"""Exposure limits as the admin page shows them: every traded symbol with its limit in USD, and
the text typed into the page's form turned into what :func:`app.limits.set_limit` takes.

Symbols come from the orders seen (read with a loose index scan of ``orders (symbol, ts)``, so
the cost follows the number of symbols, not of orders) and from the limits already set.
Setting a limit (validation, ``updated_by``, the ``limit.set`` audit row) is :mod:`app.limits`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db.models.auth import User
from app.db.models.limits import ExposureLimit
from app.limits import MAX_LIMIT_USD, LimitError, validate_limit, validate_symbol

_SYMBOLS_TRADED = text(
    """
    WITH RECURSIVE seen(symbol) AS (
        (SELECT symbol FROM orders ORDER BY symbol LIMIT 1)
        UNION ALL
        SELECT (SELECT o.symbol FROM orders o WHERE o.symbol > seen.symbol
                ORDER BY o.symbol LIMIT 1)
        FROM seen WHERE seen.symbol IS NOT NULL
    )
    SELECT symbol FROM seen WHERE symbol IS NOT NULL
    """
)


@dataclass(frozen=True)
class SymbolLimit:
    """One symbol's row on the limits page; ``limit_usd`` is None when no limit is set."""

    symbol: str
    limit_usd: Decimal | None
    updated_at: dt.datetime | None
    updated_by: str | None


def parse_limit(value: object) -> Decimal:
    """``value`` (a number, or the text typed in, commas allowed) as a valid limit.

    Raises :class:`app.limits.LimitError` with a message for the person at the form.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise LimitError("Enter the limit in USD.")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise LimitError("Enter a number, like 2500000.") from None
    if not amount.is_finite():
        raise LimitError("Enter a number, like 2500000.")
    if amount <= 0:
        raise LimitError("The limit must be greater than zero.")
    if amount > MAX_LIMIT_USD:
        raise LimitError(f"The limit must be at most {MAX_LIMIT_USD:,.0f} USD.")
    return validate_limit(amount)


def normalise_symbol(symbol: str) -> str:
    """``symbol`` trimmed and upper-cased; raises :class:`app.limits.LimitError` if invalid."""
    try:
        return validate_symbol(symbol.strip().upper())
    except LimitError:
        raise LimitError("Choose a symbol, like EURUSD.") from None


def symbol_limits(session: Session) -> list[SymbolLimit]:
    """Every symbol traded or limited, alphabetically, with its limit and who last set it."""
    rows = session.execute(
        select(ExposureLimit, User.email)
        .outerjoin(User, User.id == ExposureLimit.updated_by)
        .order_by(ExposureLimit.symbol)
    ).all()
    limits = {
        limit.symbol: SymbolLimit(limit.symbol, limit.limit_usd, limit.updated_at, email)
        for limit, email in rows
    }
    for symbol in session.scalars(_SYMBOLS_TRADED):
        limits.setdefault(symbol, SymbolLimit(symbol, None, None, None))
    return [limits[symbol] for symbol in sorted(limits)]
