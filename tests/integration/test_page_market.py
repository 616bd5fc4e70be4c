"""The Market page's callbacks, fired through ``/_dash-update-component`` as the browser does,
on the simulated stream stored by the real ingest; candles, fills, volatility and P/L checked
against the raw rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask
from page_data import (
    STREAM_NOW,
    add_analyst,
    array,
    clear_pages,
    empty_tables,
    fire,
    ingest_stream,
    numbers,
    signed_in,
    updates,
)

import callbacks.market
from app.config import Settings
from pages.ids import market as ids
from tradedash.web import create_app

pytestmark = pytest.mark.integration

AT = STREAM_NOW + dt.timedelta(minutes=1)
START = AT - dt.timedelta(hours=24)


@pytest.fixture(scope="module")
def stored(base_settings: Settings, database_url: str, engine: sa.Engine) -> Iterator[sa.Engine]:
    ingest_stream(base_settings, database_url, engine)
    add_analyst(engine)
    yield engine
    empty_tables(engine)


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str, stored: sa.Engine) -> Iterator[Flask]:
    clear_pages()
    app = create_app(base_settings.model_copy(update={"database_url": database_url}))
    yield app.server
    app.server.extensions["tradedash"].close()
    clear_pages()


@pytest.fixture(autouse=True)
def at_stream_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbacks.market, "clock", lambda: AT)


def _price(server: Flask, symbol: str | None, timeframe: str = "5m") -> dict[str, Any]:
    values = {
        f"{ids.SYMBOL}.value": symbol,
        f"{ids.TIMEFRAME}.value": timeframe,
        f"{ids.WINDOW}.value": "24h",
    }
    client = signed_in(server)
    out = updates(fire(client, f"{ids.PRICE}.figure", values, f"{ids.SYMBOL}.value"))
    figure: dict[str, Any] = out[f"{ids.PRICE}.figure"]
    return figure


def test_the_symbol_list_defaults_to_eurusd(server: Flask) -> None:
    client = signed_in(server)
    out = updates(
        fire(client, f"{ids.SYMBOL}.options", {f"{ids.WINDOW}.id": ids.WINDOW}, f"{ids.WINDOW}.id")
    )
    assert "EURUSD" in out[f"{ids.SYMBOL}.options"]
    assert out[f"{ids.SYMBOL}.value"] == "EURUSD"


@pytest.mark.parametrize("timeframe, minutes", [("1m", 1), ("5m", 5), ("1h", 60)])
def test_candles_aggregate_the_per_second_mids(
    server: Flask, stored: sa.Engine, timeframe: str, minutes: int
) -> None:
    figure = _price(server, "EURUSD", timeframe)
    traces = {trace["name"]: trace for trace in figure["data"]}
    candle = traces["EURUSD"]
    assert candle["type"] == "candlestick"
    with stored.connect() as conn:
        mids = conn.execute(
            sa.text(
                "SELECT date_bin(CAST(:width AS interval), ts, TIMESTAMPTZ '2000-01-01Z') AS b, "
                "(array_agg(mid ORDER BY ts))[1], max(mid), min(mid), "
                "(array_agg(mid ORDER BY ts DESC))[1] FROM quote_mid_1s "
                "WHERE symbol = 'EURUSD' AND ts >= :start AND ts < :end GROUP BY 1 ORDER BY 1"
            ),
            {"width": dt.timedelta(minutes=minutes), "start": START, "end": AT},
        ).all()
    assert len(candle["x"]) == len(mids) > 0
    for key, column in (("open", 1), ("high", 2), ("low", 3), ("close", 4)):
        assert numbers(candle[key]) == pytest.approx([float(row[column]) for row in mids])
    for name in ("SMA 20", "SMA 50", "BB upper", "BB lower", "RSI 14", "Volume (USD)"):
        assert name in traces


def test_fills_are_drawn_as_buy_and_sell_markers(server: Flask, stored: sa.Engine) -> None:
    traces = {trace["name"]: trace for trace in _price(server, "EURUSD")["data"]}
    with stored.connect() as conn:
        sides = dict(
            conn.execute(
                sa.text(
                    "SELECT o.side, count(*) FROM executions e JOIN orders o USING (order_id) "
                    "WHERE o.symbol = 'EURUSD' AND e.status IN ('filled', 'partially_filled') "
                    "AND e.ts >= :start AND e.ts < :end GROUP BY 1"
                ),
                {"start": START, "end": AT},
            ).all()
        )
    assert sum(sides.values()) <= 2000  # the stream is small enough to show every fill
    for side, count in sides.items():
        markers = traces[f"Client {side}s"]
        assert len(markers["x"]) == count
        assert markers["marker"]["symbol"] == ("triangle-up" if side == "buy" else "triangle-down")


def test_volume_per_candle_is_the_filled_notional(server: Flask, stored: sa.Engine) -> None:
    traces = {trace["name"]: trace for trace in _price(server, "EURUSD", "1h")["data"]}
    with stored.connect() as conn:
        total = conn.execute(
            sa.text(
                "SELECT coalesce(sum(notional_usd), 0)::float8 FROM exec_rollup_1m "
                "WHERE symbol = 'EURUSD' AND bucket >= :start AND bucket < :end"
            ),
            {"start": START, "end": AT},
        ).scalar_one()
    assert sum(numbers(traces["Volume (USD)"]["y"])) == pytest.approx(total)


def test_the_volatility_heatmap_is_the_std_of_minute_log_returns(
    server: Flask, stored: sa.Engine
) -> None:
    window = {f"{ids.WINDOW}.value": "24h"}
    client = signed_in(server)
    out = updates(fire(client, f"{ids.VOLATILITY}.figure", window, f"{ids.WINDOW}.value"))
    heatmap = out[f"{ids.VOLATILITY}.figure"]["data"][0]
    values = array(heatmap["z"])[heatmap["y"].index("EURUSD")]
    with stored.connect() as conn:
        closes = conn.execute(
            sa.text(
                "SELECT bucket, close FROM ohlc_1m WHERE symbol = 'EURUSD' "
                "AND bucket >= :start AND bucket < :end ORDER BY bucket"
            ),
            {"start": START, "end": AT},
        ).all()
    by_hour: dict[int, list[float]] = {}
    for (t0, c0), (t1, c1) in zip(closes, closes[1:], strict=False):
        if t1 - t0 == dt.timedelta(minutes=1):
            by_hour.setdefault(t1.hour, []).append(float(np.log(c1 / c0)))
    expected = {h: float(np.std(r, ddof=1)) * 1e4 for h, r in by_hour.items() if len(r) > 1}
    assert expected
    for hour, vol in expected.items():
        assert values[hour] == pytest.approx(vol, rel=1e-6)


def test_cumulative_pnl_per_lp_ends_at_each_lps_total(server: Flask, stored: sa.Engine) -> None:
    client = signed_in(server)
    out = updates(
        fire(client, f"{ids.PNL}.figure", {f"{ids.WINDOW}.value": "24h"}, f"{ids.WINDOW}.value")
    )
    traces = {trace["name"]: trace for trace in out[f"{ids.PNL}.figure"]["data"]}
    with stored.connect() as conn:
        totals = dict(
            conn.execute(
                sa.text(
                    "SELECT coalesce(lp, 'INTERNAL'), coalesce(sum(broker_pnl_usd), 0)::float8 "
                    "FROM positions WHERE ts >= :start AND ts < :end GROUP BY 1"
                ),
                {"start": START, "end": AT},
            ).all()
        )
    assert set(traces) == set(totals) and totals
    for lp, total in totals.items():
        assert numbers(traces[lp]["y"])[-1] == pytest.approx(total)
        assert traces[lp]["fill"] == "tozeroy"


def test_no_symbol_or_no_data_shows_a_message_not_an_error(
    server: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _price(server, None)["layout"]["annotations"][0]["text"] == "Choose a symbol"
    monkeypatch.setattr(callbacks.market, "clock", lambda: dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    figure = _price(server, "EURUSD")
    assert figure["data"] == []
    assert figure["layout"]["annotations"][0]["text"] == "No data in this window"
