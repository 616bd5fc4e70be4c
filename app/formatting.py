"""How numbers and times read on every page: pips to one decimal, money with thousands
separators and its currency, latencies in ms, times in the user's timezone.

Pure functions; a missing value is an en dash, never "nan" or "None".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
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


MILLISECONDS = "%Y-%m-%d %H:%M:%S.%3f"
"""A :func:`local_time` format to the millisecond (``%3f``: the first three digits of ``%f``)."""


def local_time(value: dt.datetime | None, timezone: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """``value`` (aware, or naive UTC) in ``timezone`` as ``fmt``, then the zone's abbreviation
    (``2026-11-24 11:30:00 CET``)."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    local = aware.astimezone(zone(timezone))
    text = local.strftime(fmt.replace("%3f", f"{local.microsecond // 1000:03d}"))
    return f"{text} {local.tzname()}"


@dataclass(frozen=True)
class Reporting:
    """Money as the user reads it: USD amounts divided by ``usd_per_unit`` (USD per one unit of
    the reporting ``currency``, ``app.queries.currency.report_rate``), or left in USD and
    flagged when that rate is unknown: never converted at 1.0."""

    currency: str = "USD"
    usd_per_unit: float | None = 1.0

    @property
    def converted(self) -> bool:
        """Whether amounts are shown in the reporting currency."""
        return (
            self.usd_per_unit is not None
            and math.isfinite(self.usd_per_unit)
            and (self.usd_per_unit > 0)
        )

    @property
    def shown_currency(self) -> str:
        """The currency amounts are shown in: the reporting one, else USD."""
        return self.currency if self.converted else "USD"

    @property
    def flag(self) -> str:
        """Empty, or why amounts are in USD (``in USD: no EUR rate``)."""
        return "" if self.converted else f"in USD: no {self.currency} rate"

    def amount(self, usd: float | None) -> float | None:
        """A USD amount in :attr:`shown_currency` (None stays None)."""
        if usd is None or _missing(usd):
            return None
        return usd / self.usd_per_unit if self.converted and self.usd_per_unit else usd

    def text(self, usd: float | None, *, decimals: int = 0) -> str:
        """A USD amount as text in :attr:`shown_currency` (``€1,234``)."""
        return money(self.amount(usd), self.shown_currency, decimals=decimals)

    def label(self, name: str) -> str:
        """A column or axis title with the currency: ``Net P/L (EUR)``, or
        ``Net P/L (USD, no EUR rate)``."""
        if self.converted:
            return f"{name} ({self.currency})"
        return f"{name} (USD, no {self.currency} rate)"
