"""Exposure limits per symbol (USD): read them, and set one with validation and an audit row.

Setting a limit is an admin action (``Permission.MANAGE_LIMITS``); callers check the role.
The audit row is ``limit.set`` with the symbol as target and the new and previous amounts.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.db.models.limits import ExposureLimit

MAX_LIMIT_USD = Decimal("1e12")
"""Above any real desk's exposure: a larger figure is a typo."""

_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9._/\-]{0,31}$")


class LimitError(ValueError):
    """A limit that cannot be set as asked; the message says why."""


def validate_symbol(symbol: str) -> str:
    """``symbol`` if it looks like an instrument symbol (``EURUSD``, ``US500``); else raises."""
    if not _SYMBOL.match(symbol):
        raise LimitError(f"not a symbol: {symbol!r} (upper-case letters and digits, e.g. EURUSD)")
    return symbol


def validate_limit(value: object) -> Decimal:
    """A limit from a JSON number: finite, positive, at most ``MAX_LIMIT_USD``; else raises.

    Strings and booleans are refused: the API takes ``{"limit_usd": 2500000}``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise LimitError("limit_usd must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise LimitError("limit_usd must be a finite number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise LimitError("limit_usd must be a number") from None
    if not amount.is_finite():
        raise LimitError("limit_usd must be a finite number")
    if amount <= 0:
        raise LimitError("limit_usd must be greater than zero")
    if amount > MAX_LIMIT_USD:
        raise LimitError(f"limit_usd must be at most {MAX_LIMIT_USD:,.0f}")
    return amount.quantize(Decimal("0.01"))


def get_limits(session: Session) -> dict[str, Decimal]:
    """Every configured limit, by symbol."""
    rows = session.execute(select(ExposureLimit.symbol, ExposureLimit.limit_usd)).all()
    return {symbol: limit for symbol, limit in rows}


def get_limit(session: Session, symbol: str) -> ExposureLimit | None:
    """One symbol's limit row, or None when no limit is set."""
    return session.get(ExposureLimit, symbol)


def set_limit(
    session: Session,
    actor: Actor,
    symbol: str,
    limit_usd: object,
    *,
    updated_by: int | None = None,
) -> ExposureLimit:
    """Create or change ``symbol``'s limit (the caller commits), audited as ``limit.set``.

    ``updated_by`` is the user's id when a person made the change (None for an API token).
    """
    symbol = validate_symbol(symbol)
    amount = validate_limit(limit_usd)
    limit = session.get(ExposureLimit, symbol, with_for_update=True)
    previous = None if limit is None else limit.limit_usd
    if limit is None:
        limit = ExposureLimit(symbol=symbol, limit_usd=amount)
        session.add(limit)
    limit.limit_usd = amount
    limit.updated_by = updated_by
    limit.updated_at = func.now()  # the database's clock, not the app server's
    session.flush()
    session.refresh(limit)
    details = {
        "limit_usd": str(amount),
        "previous_usd": None if previous is None else str(previous),
    }
    record(session, actor, "limit.set", symbol, details)
    return limit
