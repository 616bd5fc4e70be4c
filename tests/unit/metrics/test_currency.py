"""Currency conversion: direct and inverted pairs, USD itself, unknown rates, report currency."""

from __future__ import annotations

import math

import pytest

from app.metrics.currency import (
    conversion_pairs,
    convert,
    from_usd,
    in_report_currency,
    quote_currency,
    to_usd,
    usd_rate,
)

pytestmark = pytest.mark.unit

MIDS = {"EURUSD": 1.25, "USDJPY": 160.0, "GBPUSD": 1.28}


@pytest.mark.parametrize(
    ("currency", "rate"),
    [("USD", 1.0), ("EUR", 1.25), ("JPY", 1 / 160.0), ("GBP", 1.28), ("CHF", None)],
)
def test_usd_rate_uses_the_direct_pair_or_inverts_the_usd_pair(
    currency: str, rate: float | None
) -> None:
    assert usd_rate(currency, MIDS) == (None if rate is None else pytest.approx(rate))


def test_eur_amount_in_usd_multiplies_by_eurusd() -> None:
    assert to_usd(1_000.0, "EUR", MIDS) == pytest.approx(1_250.0)


def test_jpy_amount_in_usd_divides_by_usdjpy() -> None:
    assert to_usd(16_000.0, "JPY", MIDS) == pytest.approx(100.0)


@pytest.mark.parametrize("mids", [{}, {"USDCHF": 0.0}, {"CHFUSD": math.nan}, {"USDCHF": None}])
def test_unknown_rate_is_none_never_one(mids: dict[str, float | None]) -> None:
    assert usd_rate("CHF", mids) is None
    assert to_usd(100.0, "CHF", mids) is None


def test_direct_pair_wins_over_the_inverse_one() -> None:
    assert usd_rate("EUR", {"EURUSD": 1.25, "USDEUR": 0.5}) == 1.25


def test_usd_amounts_reported_in_eur_and_jpy() -> None:
    assert from_usd(1_250.0, "EUR", MIDS) == pytest.approx(1_000.0)
    assert from_usd(100.0, "JPY", MIDS) == pytest.approx(16_000.0)
    assert from_usd(100.0, "USD", MIDS) == 100.0
    assert from_usd(100.0, "CHF", MIDS) is None


def test_cross_conversion_goes_through_usd() -> None:
    # 1 EUR = 1.25 USD = 200 JPY
    assert convert(1.0, "EUR", "JPY", MIDS) == pytest.approx(200.0)
    assert convert(5.0, "CHF", "CHF", {}) == 5.0
    assert convert(5.0, "CHF", "USD", MIDS) is None


def test_in_report_currency_divides_by_the_reporting_currency_rate() -> None:
    assert in_report_currency(1_250.0, 1.25) == pytest.approx(1_000.0)
    assert in_report_currency(None, 1.25) is None
    assert in_report_currency(1.0, None) is None


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [("EURUSD", "USD"), ("USDJPY", "JPY"), ("GER40", "EUR"), ("US500", None), ("eurusd", None)],
)
def test_quote_currency(symbol: str, expected: str | None) -> None:
    assert quote_currency(symbol, {"GER40": "EUR"}) == expected


def test_conversion_pairs() -> None:
    assert conversion_pairs("JPY") == ("JPYUSD", "USDJPY")
    assert conversion_pairs("USD") == ()
