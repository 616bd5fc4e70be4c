"""The LP scorecards page's callbacks, fired through ``/_dash-update-component`` as the browser
does, on the simulated stream stored by the real ingest; numbers checked against the read
models and against the raw rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from flask import Flask
from page_data import (
    ANALYST,
    STREAM_NOW,
    add_analyst,
    clear_pages,
    empty_tables,
    fire,
    ingest_stream,
    numbers,
    signed_in,
    updates,
    viewing_as,
)

import callbacks.lp_scorecards
from app.config import Settings
from app.db.models.events import INTERNAL_LP
from app.queries.execution import lp_scorecard
from app.queries.filters import Filter
from app.queries.lp_detail import latency_distribution
from app.queries.results import results_by
from pages.ids import lp_scorecards as ids
from pages.live import shape_id
from tradedash.web import create_app

pytestmark = pytest.mark.integration

AT = STREAM_NOW + dt.timedelta(minutes=1)
WINDOW = Filter(start=AT - dt.timedelta(hours=24), end=AT)


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
    monkeypatch.setattr(callbacks.lp_scorecards, "clock", lambda: AT)


def _filters(window: str = "24h", **chosen: list[str]) -> dict[str, Any]:
    return {
        f"{ids.WINDOW}.value": window,
        f"{ids.SYMBOLS}.value": chosen.get("symbols"),
        f"{ids.LPS}.value": chosen.get("lps"),
        f"{ids.BOOKS}.value": chosen.get("books"),
        f"{ids.RULES}.value": chosen.get("rules"),
    }


def _show(server: Flask, output: str, **chosen: list[str]) -> dict[str, Any]:
    client = signed_in(server)
    return updates(fire(client, output, _filters(**chosen), f"{ids.WINDOW}.value"))


def test_the_scorecard_grid_has_every_lp_with_the_read_models_numbers(
    server: Flask, stored: sa.Engine
) -> None:
    # The heatmap (the main figure) comes alone; the grid and markouts after it is drawn.
    heatmap_answer = _show(server, f"{ids.HEATMAP}.figure")
    assert set(heatmap_answer) == {f"{ids.HEATMAP}.figure", f"{shape_id(ids.HEATMAP)}.data"}
    out = _show(server, f"{ids.GRID}.rowData") | heatmap_answer
    rows = {row["lp"]: row for row in out[f"{ids.GRID}.rowData"]}
    with stored.connect() as conn:
        expected = {row["lp"]: row for row in lp_scorecard(conn, WINDOW)}
        raw = dict(
            conn.execute(
                sa.text(
                    "SELECT e.lp, count(*) FROM executions e WHERE e.ts >= :start AND e.ts < :end "
                    "AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id) GROUP BY 1"
                ),
                WINDOW.sql_params(),
            ).all()
        )
    assert set(rows) == set(expected) and INTERNAL_LP in rows and len(rows) > 3
    for lp, row in rows.items():
        assert row["attempts"] == expected[lp]["attempts"] == raw.get(lp, 0)
        assert row["fill_ratio"] == pytest.approx(expected[lp]["fill_ratio"])
        assert row["latency_p99_ms"] == pytest.approx(expected[lp]["latency_ms"]["p99"])
        assert row["markout_5s_pips"] == pytest.approx(expected[lp]["markout_pips"]["5"])

    lps = [row for lp, row in rows.items() if lp != INTERNAL_LP and row["attempts"]]
    best = max(lps, key=lambda row: row["fill_ratio"])
    worst = max(lps, key=lambda row: row["reject_rate"])
    assert best["_rank"]["fill_ratio"] == "best"
    assert worst["_rank"]["reject_rate"] == "worst"
    assert rows[INTERNAL_LP]["_rank"] == {}

    heatmap = out[f"{ids.HEATMAP}.figure"]["data"][0]
    assert heatmap["type"] == "heatmap"
    assert sorted(heatmap["y"]) == sorted(lp for lp in rows if lp != INTERNAL_LP)
    markouts = {trace["name"]: trace for trace in out[f"{ids.MARKOUTS}.figure"]["data"]}
    some_lp = next(lp for lp in markouts)
    assert numbers(markouts[some_lp]["x"]) == [0, 1, 5, 30, 60]
    assert numbers(markouts[some_lp]["y"])[2] == pytest.approx(
        expected[some_lp]["markout_pips"]["5"]
    )


def test_new_data_for_the_view_on_screen_patches_the_markouts_and_keeps_the_columns(
    server: Flask, stored: sa.Engine
) -> None:
    client = signed_in(server)
    first = updates(fire(client, f"{ids.GRID}.rowData", _filters(), f"{ids.READY}.data"))
    assert first[f"{ids.GRID}.columnDefs"]
    assert first[f"{ids.MARKOUTS}.figure"]["data"]
    on_screen = {
        **_filters(),
        f"{shape_id(ids.MARKOUTS)}.data": first[f"{shape_id(ids.MARKOUTS)}.data"],
    }
    again = orjson.loads(
        fire(client, f"{ids.GRID}.rowData", on_screen, f"{ids.READY}.data").get_data()
    )["response"]
    # The user's column widths stay; the curves come as a Patch of their traces.
    assert "columnDefs" not in again[ids.GRID]
    assert again[ids.GRID]["rowData"] == first[f"{ids.GRID}.rowData"]
    patch = again[ids.MARKOUTS]["figure"]
    assert patch["__dash_patch_update"] == "__dash_patch_update"
    assert patch["operations"][0]["location"] == ["data"]
    # Another view (a 1 h window) gets its columns again.
    other = {**on_screen, f"{ids.WINDOW}.value": "1h"}
    assert updates(fire(client, f"{ids.GRID}.rowData", other, f"{ids.WINDOW}.value"))[
        f"{ids.GRID}.columnDefs"
    ]


def test_latency_boxes_come_from_the_histogram_percentiles(
    server: Flask, stored: sa.Engine
) -> None:
    out = _show(server, f"{ids.LATENCY}.figure")
    boxes = {t["name"]: t for t in out[f"{ids.LATENCY}.figure"]["data"] if t["type"] == "box"}
    with stored.connect() as conn:
        expected = latency_distribution(conn, WINDOW).set_index("lp")
    assert set(boxes) == set(expected.index)
    for lp, box in boxes.items():
        assert numbers(box["median"]) == pytest.approx([expected.at[lp, "p50"]])
        assert numbers(box["q1"]) == pytest.approx([expected.at[lp, "p25"]])
        assert numbers(box["upperfence"]) == pytest.approx([expected.at[lp, "p95"]])
    assert "from histograms" in out[f"{ids.LATENCY}.figure"]["layout"]["title"]["subtitle"]["text"]
    slippage = _show(server, f"{ids.SLIPPAGE}.figure")[f"{ids.SLIPPAGE}.figure"]["data"]
    assert {t["type"] for t in slippage} == {"bar"} and len(slippage) > 3
    for trace in slippage:
        assert sum(numbers(trace["y"])) == pytest.approx(1.0)


def test_a_gauge_per_lp_with_a_profit_factor(server: Flask, stored: sa.Engine) -> None:
    out = _show(server, f"{ids.GAUGES}.figure")
    gauges = out[f"{ids.GAUGES}.figure"]["data"]
    with stored.connect() as conn:
        expected = [r for r in results_by(conn, WINDOW, "lp") if r["profit_factor"] is not None]
    assert len(gauges) == len(expected) > 0
    for gauge, row in zip(gauges, expected, strict=True):
        assert gauge["type"] == "indicator"
        assert gauge["title"]["text"].startswith(row["lp"])
        assert gauge["value"] == pytest.approx(min(row["profit_factor"], 3.0))


def test_quote_quality_lists_spread_and_staleness_per_lp_and_symbol(server: Flask) -> None:
    rows = _show(server, f"{ids.QUOTES_GRID}.rowData")[f"{ids.QUOTES_GRID}.rowData"]
    assert len(rows) > 10
    # The stream's last quotes came in its final seconds, up to a minute before the page's now.
    assert all(0 < row["staleness_ms"] <= 24 * 3_600_000 for row in rows)
    assert any(row["spread_pips"] for row in rows)


def test_clicking_an_lp_lists_its_rejected_executions_a_page_at_a_time(
    server: Flask, stored: sa.Engine
) -> None:
    with stored.connect() as conn:
        lp, rejected = conn.execute(
            sa.text(
                "SELECT e.lp, count(*) FROM executions e WHERE e.status = 'rejected' "
                "AND e.ts >= :start AND e.ts < :end "
                "AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id) "
                "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            ),
            WINDOW.sql_params(),
        ).one()
    client = signed_in(server)
    values = {
        **_filters(),
        f"{ids.GRID}.selectedRows": [{"lp": lp}],
        f"{ids.REJECTS_PAGES}.active_page": 4,
    }
    out = updates(fire(client, f"{ids.REJECTS_GRID}.rowData", values, f"{ids.GRID}.selectedRows"))
    rows = out[f"{ids.REJECTS_GRID}.rowData"]
    assert out[f"{ids.REJECTS_TITLE}.children"] == f"Rejected executions of {lp}"
    assert out[f"{ids.REJECTS_PAGES}.active_page"] == 1  # a new LP starts on the first page
    assert out[f"{ids.REJECTS_PAGES}.max_value"] == -(-rejected // 50)
    assert len(rows) == min(rejected, 50)
    assert out[f"{ids.REJECTS_COUNT}.children"].endswith(f"of {rejected:,}")
    assert all(row["reject_reason"] for row in rows)
    assert [row["time"] for row in rows] == sorted((row["time"] for row in rows), reverse=True)

    if rejected > 50:
        values[f"{ids.REJECTS_PAGES}.active_page"] = 2
        second = updates(
            fire(client, f"{ids.REJECTS_GRID}.rowData", values, f"{ids.REJECTS_PAGES}.active_page")
        )
        assert second[f"{ids.REJECTS_PAGES}.active_page"] == 2
        page_two = second[f"{ids.REJECTS_GRID}.rowData"]
        assert not {r["exec_id"] for r in page_two} & {r["exec_id"] for r in rows}


def test_a_tokyo_euro_user_reads_euros_and_local_reject_times(
    server: Flask, stored: sa.Engine
) -> None:
    with stored.connect() as conn:
        expected = {row["lp"]: row for row in lp_scorecard(conn, WINDOW)}
        eur_usd = conn.execute(
            sa.text(
                "SELECT mid FROM quote_mid_1s WHERE symbol = 'EURUSD' AND ts <= :at "
                "ORDER BY ts DESC LIMIT 1"
            ),
            {"at": AT},
        ).scalar_one()
        lp, newest = conn.execute(
            sa.text(
                "SELECT e.lp, max(e.ts) FROM executions e WHERE e.status = 'rejected' "
                "AND e.ts >= :start AND e.ts < :end "
                "AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id) "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            WINDOW.sql_params(),
        ).one()
    with viewing_as(stored, ANALYST, timezone="Asia/Tokyo", currency="EUR"):
        out = _show(server, f"{ids.GRID}.rowData")
        values = {**_filters(), f"{ids.GRID}.selectedRows": [{"lp": lp}]}
        client = signed_in(server)
        rejects = updates(
            fire(client, f"{ids.REJECTS_GRID}.rowData", values, f"{ids.GRID}.selectedRows")
        )
    rows = {row["lp"]: row for row in out[f"{ids.GRID}.rowData"]}
    busy = [name for name, row in expected.items() if row["notional_usd"]]
    assert busy
    for name in busy:
        assert rows[name]["notional_usd"] == pytest.approx(expected[name]["notional_usd"] / eur_usd)
        assert rows[name]["pfof_usd"] == pytest.approx(expected[name]["pfof_usd"] / eur_usd)
    headers = {c["field"]: c["headerName"] for c in out[f"{ids.GRID}.columnDefs"]}
    assert headers["notional_usd"] == "Notional (EUR)"
    assert headers["commission_per_million"] == "Commission / M (EUR)"
    assert headers["fill_ratio"] == "Fill ratio"
    # The newest rejection first, in Tokyo time (UTC+9) to the millisecond.
    first = rejects[f"{ids.REJECTS_GRID}.rowData"][0]["time"]
    tokyo = newest.astimezone(dt.UTC) + dt.timedelta(hours=9)
    assert first == f"{tokyo:%Y-%m-%d %H:%M:%S}.{tokyo.microsecond // 1000:03d} JST"


def test_an_empty_window_gives_no_data_figures_not_errors(
    server: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        callbacks.lp_scorecards, "clock", lambda: dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    for output in (f"{ids.GRID}.rowData", f"{ids.LATENCY}.figure", f"{ids.GAUGES}.figure"):
        out = _show(server, output, lps=["LP_NOBODY"])
        for key, value in out.items():
            if key.endswith(".figure"):
                assert value["data"] == []
                assert value["layout"]["annotations"][0]["text"] == "No data in this window"
            elif key.endswith(".rowData"):
                assert value == []
