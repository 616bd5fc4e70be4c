"""Number and time formats shared by the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from app.formatting import MILLISECONDS, Reporting, latency_ms, local_time, money, percent, pips

pytestmark = pytest.mark.unit


def test_numbers() -> None:
    assert pips(1.25) == "1.2 pips"  # round half to even, one decimal
    assert pips(-0.36) == "−0.4 pips"
    assert money(-1234567.4) == "−$1,234,567"
    assert money(1234.5, "EUR", decimals=2) == "€1,234.50"
    assert money(1000, "CHF") == "1,000 CHF"
    assert latency_ms(1234.56) == "1,234.6 ms"
    assert percent(0.12345) == "12.3%"
    assert percent(0.12345, 2) == "12.35%"
    for fmt in (pips, money, latency_ms, percent):
        assert fmt(None) == "–"
        assert fmt(float("nan")) == "–"


def test_times_in_the_users_zone() -> None:
    winter = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 1, 10, 30)  # naive: UTC
    assert local_time(winter, "Europe/Berlin") == "2026-11-24 11:30:00 CET"
    assert local_time(summer, "Europe/Berlin", "%H:%M") == "12:30 CEST"
    assert local_time(winter, "Asia/Tokyo", "%H:%M") == "19:30 JST"
    assert local_time(winter, "Not/AZone", "%H:%M") == "10:30 UTC"
    assert local_time(None, "UTC") == ""
    micro = dt.datetime(2026, 11, 24, 10, 30, 1, 987654, tzinfo=dt.UTC)
    assert local_time(micro, "Asia/Tokyo", MILLISECONDS) == "2026-11-24 19:30:01.987 JST"


def test_usd_amounts_in_the_reporting_currency() -> None:
    # 1 EUR = 1.25 USD: $1,000 reads as €800; −$10 as −€8.
    eur = Reporting("EUR", 1.25)
    assert eur.converted and eur.shown_currency == "EUR" and eur.flag == ""
    assert eur.amount(1000.0) == 800.0
    assert eur.text(1000.0) == "€800"
    assert eur.text(-10.0, decimals=2) == "−€8.00"
    assert eur.label("Net P/L") == "Net P/L (EUR)"
    assert eur.amount(None) is None and eur.text(float("nan")) == "–"
    assert Reporting().text(1234.0) == "$1,234"


@pytest.mark.parametrize("rate", [None, 0.0, float("nan")])
def test_without_a_rate_amounts_stay_in_usd_and_say_so(rate: float | None) -> None:
    chf = Reporting("CHF", rate)
    assert not chf.converted
    assert chf.amount(1000.0) == 1000.0  # never divided by a made-up rate
    assert chf.text(1000.0) == "$1,000"
    assert chf.flag == "in USD: no CHF rate"
    assert chf.label("VaR 95") == "VaR 95 (USD, no CHF rate)"
