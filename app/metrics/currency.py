"""Currency conversion as METRICS.md defines it, over mids already looked up.

An amount is converted with the composite mid of its currency's USD pair at the amount's time:
``EUR`` through ``EURUSD`` (multiply), ``JPY`` through ``USDJPY`` (divide, the pair is quoted
the other way round). A currency with neither pair known has no rate: the result is ``None``
and callers flag it, never treating the rate as 1.0. Reporting in another currency than USD
(``EUR`` for a European desk) divides a USD amount by that currency's own USD rate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

USD = "USD"
_CURRENCY_PAIR = re.compile(r"^[A-Z]{6}$")


def quote_currency(symbol: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The currency a symbol is priced in: its configured one, else the last three letters of a
    six-letter currency pair (``USDJPY`` -> ``JPY``); None when unknown."""
    if overrides and symbol in overrides:
        return overrides[symbol]
    return symbol[3:] if _CURRENCY_PAIR.match(symbol) else None


def _usable(mid: float | None) -> float | None:
    return mid if mid is not None and math.isfinite(mid) and mid > 0 else None


def usd_rate(currency: str, mids: Mapping[str, float | None]) -> float | None:
    """USD per one unit of ``currency`` from the mids of its USD pair (``CCYUSD`` direct,
    ``USDCCY`` inverted); 1.0 for USD itself; None when neither pair has a usable mid."""
    if currency == USD:
        return 1.0
    direct = _usable(mids.get(currency + USD))
    if direct is not None:
        return direct
    inverse = _usable(mids.get(USD + currency))
    return None if inverse is None else 1.0 / inverse


def to_usd(amount: float, currency: str, mids: Mapping[str, float | None]) -> float | None:
    """``amount`` of ``currency`` in USD, or None when the rate is unknown."""
    rate = usd_rate(currency, mids)
    return None if rate is None else amount * rate


def from_usd(amount_usd: float, currency: str, mids: Mapping[str, float | None]) -> float | None:
    """A USD amount expressed in ``currency`` (the reporting currency), or None when unknown."""
    rate = usd_rate(currency, mids)
    return None if rate is None else amount_usd / rate


def convert(
    amount: float, from_currency: str, to_currency: str, mids: Mapping[str, float | None]
) -> float | None:
    """``amount`` of ``from_currency`` in ``to_currency`` through USD; None if either rate is
    unknown."""
    if from_currency == to_currency:
        return amount
    usd = to_usd(amount, from_currency, mids)
    return None if usd is None else from_usd(usd, to_currency, mids)


def conversion_pairs(currency: str) -> tuple[str, ...]:
    """The symbols whose mids decide ``currency``'s USD rate, preferred first."""
    return () if currency == USD else (currency + USD, USD + currency)


def in_report_currency(amount_usd: float | None, report_usd_rate: float | None) -> float | None:
    """A USD amount in the reporting currency, given USD per unit of that currency; None when
    the amount or the rate is unknown."""
    if amount_usd is None or report_usd_rate is None or not report_usd_rate > 0:
        return None
    return amount_usd / report_usd_rate
