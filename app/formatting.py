"""How numbers and times read on every page: pips to one decimal, money with thousands
separators and its currency, latencies in ms, times in the user's timezone.

Pure functions; a missing value is an en dash, never "nan" or "None".
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MISSING = "–"
MINUS = "−"
"""A real minus sign: it lines up with the digits, unlike a hyphen."""
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
"""Currencies written with a symbol; the others are written with their code after the amount."""


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def pips(value: float | None) -> str:
    """``1.2 pips`` (one decimal)."""
    return MISSING if _missing(value) else f"{value:,.1f} pips".replace("-", MINUS)


def money(value: float | None, currency: str = "USD", *, decimals: int = 0) -> str:
    """``−$1,234`` or ``1,234 CHF``: thousands separators, the currency's symbol or code."""
    if value is None or _missing(value):
        return MISSING
    sign = MINUS if value < 0 else ""
    amount = f"{abs(value):,.{decimals}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def latency_ms(value: float | None) -> str:
    """``12.3 ms``."""
    return MISSING if _missing(value) else f"{value:,.1f} ms"


def percent(value: float | None, decimals: int = 1) -> str:
    """``12.3%``."""
    return MISSING if _missing(value) else f"{value:.{decimals}%}"


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when empty or unknown)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(value: dt.datetime | None, timezone: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """``value`` (aware, or naive UTC) in ``timezone`` as ``fmt``, then the zone's abbreviation
    (``2026-11-24 11:30:00 CET``)."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    local = aware.astimezone(zone(timezone))
    return f"{local.strftime(fmt)} {local.tzname()}"
