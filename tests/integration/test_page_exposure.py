"""The Exposure page's callbacks through real ``/_dash-update-component`` requests, on a
database filled by the simulator's stream through Kafka and the ingest process: the figures
carry the numbers of ``app.queries.exposure``, a heatmap click lists the fills of that cell, and
only admins can set a limit from the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from page_data import empty_tables as truncate
from page_data import viewing_as
from sqlalchemy.orm import Session
from test_admin_pages import _clear_pages, _signed_in, _updates
from test_page_routing import CLOCK, figure, fire, ingest_stream, same_numbers

import callbacks.exposure
from app.audit import Actor
from app.charts.exposure import heatmap_cells
from app.config import Settings
from app.db.models.audit import AuditEntry
from app.db.models.limits import ExposureLimit
from app.limits import set_limit
from app.queries.exposure import (
    exposure_cell_orders,
    exposure_heatmap,
    exposure_now,
    exposure_over_time,
)
from app.queries.filters import Filter
from pages.ids import exposure as ids
from pages.live import live_id, shape_id
from tradedash.web import create_app
from workers.kafka_topics import delete_topics

pytestmark = pytest.mark.integration

LIMITS = {"EURUSD": 2_000_000, "USDJPY": 5_000_000, "XAUUSD": 1_000_000}
HOUR = Filter(start=CLOCK - dt.timedelta(hours=1), end=CLOCK)


@pytest.fixture(scope="module")
def exposure_server(
    base_settings: Settings, database_url: str, engine: sa.Engine
) -> Iterator[Flask]:
    settings = ingest_stream(
        base_settings.model_copy(update={"database_url": database_url}), engine, "exposure"
    )
    with Session(engine) as db, db.begin():
        for symbol, limit in LIMITS.items():
            set_limit(db, Actor("test-setup", "system"), symbol, limit)
    _clear_pages()
    app = create_app(settings)
    yield app.server
    app.server.extensions["tradedash"].close()
    _clear_pages()
    delete_topics(settings)
    truncate(engine)


@pytest.fixture(scope="module")
def clients(exposure_server: Flask) -> dict[str, FlaskClient]:
    return {
        role: _signed_in(exposure_server, f"{role}@exposure.example")
        for role in ("analyst", "admin")
    }


@pytest.fixture
def signed_in(
    clients: dict[str, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> dict[str, FlaskClient]:
    """An analyst's and an admin's session, looking at the page from ``CLOCK``."""
    monkeypatch.setattr(callbacks.exposure, "clock", lambda: CLOCK)
    return clients


def page(measure: str = "net", **more: Any) -> dict[str, Any]:
    return {
        f"{ids.WINDOW}.value": "1h",
        f"{ids.SYMBOLS}.value": None,
        f"{ids.BUCKET}.value": "5m",
        f"{ids.MEASURE}.value": measure,
        f"{ids.LIMITS_CHANGED}.data": 0,
        **more,
    }


@pytest.mark.parametrize("measure", ["net", "utilisation"])
def test_the_heatmap_is_the_read_models_matrix(
    signed_in: dict[str, FlaskClient], engine: sa.Engine, measure: str
) -> None:
    [heat] = figure(signed_in["analyst"], f"{ids.HEATMAP}.figure", page(measure))["data"]
    with engine.connect() as conn:
        expected = exposure_heatmap(conn, HOUR, "5m", measure)
    assert len(expected.columns) == 12 and len(expected) >= 3
    assert heat["y"] == list(expected.index)
    assert heat["z"] == heatmap_cells(expected)
    assert heat["x"][0] == f"{CLOCK - dt.timedelta(hours=1):%Y-%m-%d %H:%M}"
    if measure == "utilisation":
        limited = [
            row for symbol, row in zip(heat["y"], heat["z"], strict=True) if symbol in LIMITS
        ]
        assert any(v is not None and v > 0 for row in limited for v in row)


def cell_fills(client: FlaskClient, x: str, symbol: str) -> tuple[str, list[dict[str, Any]]]:
    """Click the cell and page through its fills; the title and every row."""
    click = {"points": [{"x": x, "y": symbol, "curveNumber": 0}]}
    values = page(**{f"{ids.HEATMAP}.clickData": click})
    first = _updates(fire(client, f"{ids.CELL_GRID}.rowData", values))
    rows = list(first[f"{ids.CELL_GRID}.rowData"])
    pager = f"{ids.CELL_PAGES}.active_page"
    for number in range(2, first[f"{ids.CELL_PAGES}.max_value"] + 1):
        turned = fire(client, f"{ids.CELL_GRID}.rowData", values | {pager: number}, pager)
        rows += _updates(turned)[f"{ids.CELL_GRID}.rowData"]
    return first[f"{ids.CELL_TITLE}.children"], rows


def test_clicking_a_cell_lists_the_b_book_fills_behind_it(
    signed_in: dict[str, FlaskClient], engine: sa.Engine
) -> None:
    with engine.connect() as conn:
        net = exposure_heatmap(conn, HOUR, "5m", "net")
    changes = net.diff(axis=1).iloc[:, 1:]
    symbol, bucket = changes.abs().stack().idxmax()
    x = f"{bucket:%Y-%m-%d %H:%M}"
    title, rows = cell_fills(signed_in["analyst"], x, str(symbol))

    with engine.connect() as conn:
        fills, total = exposure_cell_orders(
            conn, str(symbol), bucket.to_pydatetime(), dt.timedelta(minutes=5), 1, 500
        )
    assert total > 0 and len(rows) == total
    assert [row["order_id"] for row in rows] == fills["order_id"].tolist()
    assert sum(row["position_delta"] for row in rows) == pytest.approx(changes.at[symbol, bucket])
    assert f"{symbol}, {x}" in title and f"{total:,} B-book fill" in title


def test_a_cell_without_fills_says_the_position_was_carried(
    signed_in: dict[str, FlaskClient], engine: sa.Engine
) -> None:
    with engine.connect() as conn:
        net = exposure_heatmap(conn, HOUR, "5m", "net")
    # The stream ends at 14:00:10; the bucket from 14:00 holds at most a few fills, the one
    # before the stream began none.
    quiet = Filter(start=CLOCK - dt.timedelta(hours=2), end=CLOCK - dt.timedelta(minutes=80))
    with engine.connect() as conn:
        before = exposure_heatmap(conn, quiet, "5m", "net")
    assert (before == 0).all().all() and len(net)
    title, rows = cell_fills(signed_in["analyst"], f"{quiet.start:%Y-%m-%d %H:%M}", "EURUSD")
    assert rows == [] and "carried over" in title


def test_utilisation_concentration_and_total_are_exposure_now(
    signed_in: dict[str, FlaskClient], engine: sa.Engine
) -> None:
    answer = _updates(fire(signed_in["analyst"], f"{ids.UTILISATION}.figure", page()))
    with engine.connect() as conn:
        now = exposure_now(conn, HOUR)
    limited = now[now["limit_usd"].notna()].sort_values("symbol")
    [bars] = answer[f"{ids.UTILISATION}.figure"]["data"]
    assert bars["y"] == limited["symbol"].tolist() == sorted(LIMITS)
    assert same_numbers(bars["x"], limited["utilisation"].fillna(0.0).tolist())
    [pie] = answer[f"{ids.CONCENTRATION}.figure"]["data"]
    held = now[now["notional_usd"].fillna(0) > 0]
    assert pie["labels"] == held["symbol"].tolist()
    total = float(now["notional_usd"].sum(skipna=True))
    # Money reads as everywhere else (app.formatting.money): "$12,345,678".
    assert f"${total:,.0f}" in orjson.dumps(answer[f"{ids.TOTAL}.children"]).decode()


def test_exposure_over_time_is_the_read_models(
    signed_in: dict[str, FlaskClient], engine: sa.Engine
) -> None:
    notional, used = figure(signed_in["analyst"], f"{ids.OVER_TIME}.figure", page())["data"]
    with engine.connect() as conn:
        expected = exposure_over_time(conn, HOUR, "5m")
    assert same_numbers(notional["y"], expected["notional_usd"].tolist())
    assert same_numbers(used["y"], expected["max_utilisation"].tolist())


def test_a_window_too_fine_for_the_heatmap_is_explained(
    signed_in: dict[str, FlaskClient],
) -> None:
    month = page(**{f"{ids.WINDOW}.value": "30d", f"{ids.BUCKET}.value": "1m"})
    shown = figure(signed_in["analyst"], f"{ids.HEATMAP}.figure", month)
    assert "exceed 5000" in shown["layout"]["annotations"][0]["text"]


# ------------------------------------------------------------------ the limit form


def limit_form(symbol: str, limit: object, changes: int = 0) -> dict[str, Any]:
    return {
        f"{ids.LIMIT_SAVE}.n_clicks": 1,
        f"{ids.LIMIT_SYMBOL}.value": symbol,
        f"{ids.LIMIT_USD}.value": limit,
        f"{ids.LIMITS_CHANGED}.data": changes,
    }


def saved_limits(engine: sa.Engine) -> tuple[dict[str, Decimal], list[AuditEntry]]:
    with Session(engine) as db:
        limits = {row.symbol: row.limit_usd for row in db.scalars(sa.select(ExposureLimit))}
        audits = list(db.scalars(sa.select(AuditEntry).where(AuditEntry.action == "limit.set")))
    return limits, audits


def test_only_admins_see_the_limit_form(signed_in: dict[str, FlaskClient]) -> None:
    def page_layout(client: FlaskClient) -> str:
        route = {"_pages_location.pathname": "/exposure", "_pages_location.search": ""}
        answer = fire(client, "_pages_content.children", route)
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    assert ids.LIMIT_SAVE in page_layout(signed_in["admin"])
    analyst_view = page_layout(signed_in["analyst"])
    assert ids.HEATMAP in analyst_view and ids.LIMIT_SAVE not in analyst_view


def test_an_admin_sets_a_limit_from_the_page(
    signed_in: dict[str, FlaskClient], engine: sa.Engine
) -> None:
    admin = signed_in["admin"]
    saved = _updates(fire(admin, f"{ids.LIMITS_CHANGED}.data", limit_form(" gbpusd ", "3,000,000")))
    assert saved[f"{ids.LIMIT_STATUS}.color"] == "success"
    assert "GBPUSD" in saved[f"{ids.LIMIT_STATUS}.children"]
    assert saved[f"{ids.LIMIT_USD}.invalid"] is False
    assert saved[f"{ids.LIMITS_CHANGED}.data"] == 1
    limits, audits = saved_limits(engine)
    assert limits["GBPUSD"] == Decimal("3000000")
    assert [(a.target, a.actor, a.details["limit_usd"]) for a in audits][-1] == (
        "GBPUSD",
        "admin@exposure.example",
        "3000000.00",
    )
    # The charts reload on the counter and now show the new limit.
    [bars] = figure(admin, f"{ids.UTILISATION}.figure", page(**{f"{ids.LIMITS_CHANGED}.data": 1}))[
        "data"
    ]
    assert "GBPUSD" in bars["y"]


@pytest.mark.parametrize(
    ("symbol", "limit", "field", "message"),
    [
        ("EURUSD", "-5", ids.LIMIT_USD, "greater than zero"),
        ("EURUSD", "lots", ids.LIMIT_USD, "Enter a number"),
        ("EURUSD", "2e12", ids.LIMIT_USD, "at most 1,000,000,000,000"),
        ("", "1000", ids.LIMIT_SYMBOL, "Choose a symbol"),
    ],
)
def test_an_invalid_limit_is_explained_next_to_the_field_and_not_saved(
    signed_in: dict[str, FlaskClient], engine: sa.Engine, symbol: str, limit: str, field: str,
    message: str,
) -> None:  # fmt: skip
    before = saved_limits(engine)
    answer = _updates(
        fire(signed_in["admin"], f"{ids.LIMITS_CHANGED}.data", limit_form(symbol, limit))
    )
    assert answer[f"{field}.invalid"] is True
    assert message in answer[f"{field}-feedback.children"]
    assert answer[f"{ids.LIMIT_STATUS}.color"] == "danger"
    assert f"{ids.LIMITS_CHANGED}.data" not in answer
    after = saved_limits(engine)
    assert after[0] == before[0] and len(after[1]) == len(before[1])


def test_an_analyst_posting_the_limit_form_gets_nothing(
    signed_in: dict[str, FlaskClient], engine: sa.Engine
) -> None:
    before = saved_limits(engine)
    analyst = signed_in["analyst"]
    refused = fire(analyst, f"{ids.LIMITS_CHANGED}.data", limit_form("EURUSD", "1"))
    assert refused.status_code == 204 and refused.get_data() == b""
    assert fire(analyst, f"{ids.LIMIT_SYMBOL_OPTIONS}.children", {}).status_code == 204
    after = saved_limits(engine)
    assert after[0] == before[0] and len(after[1]) == len(before[1])


def test_a_pushed_delta_patches_the_charts_in_place(signed_in: dict[str, FlaskClient]) -> None:
    client = signed_in["analyst"]
    shown = _updates(fire(client, f"{ids.OVER_TIME}.figure", page(), f"{ids.WINDOW}.value"))
    whole = shown[f"{ids.OVER_TIME}.figure"]
    shape = shown[f"{shape_id(ids.OVER_TIME)}.data"]
    assert whole["layout"]["uirevision"] == "1h|None|5m"  # the user's zoom is kept under it
    delta = {f"{live_id(ids.LIVE)}.data": {"stored": {"orders": 1}, "received": 1}}
    pushed = page(**delta, **{f"{shape_id(ids.OVER_TIME)}.data": shape})
    patched = _updates(fire(client, f"{ids.OVER_TIME}.figure", pushed, f"{live_id(ids.LIVE)}.data"))
    patch = patched[f"{ids.OVER_TIME}.figure"]
    [operation] = patch["operations"]
    assert (operation["operation"], operation["location"]) == ("Assign", ["data"])
    assert [t["name"] for t in operation["params"]["value"]] == [t["name"] for t in whole["data"]]
    assert operation["params"]["value"][0]["y"] == whole["data"][0]["y"]

    # Another bucket is another view: the whole figure, with its own shape.
    rebucketed = page(**{f"{ids.BUCKET}.value": "15m", f"{shape_id(ids.OVER_TIME)}.data": shape})
    full = _updates(fire(client, f"{ids.OVER_TIME}.figure", rebucketed, f"{ids.BUCKET}.value"))
    assert "data" in full[f"{ids.OVER_TIME}.figure"]
    assert full[f"{shape_id(ids.OVER_TIME)}.data"] != shape


def test_a_tokyo_user_reads_local_buckets_and_clicks_them(
    signed_in: dict[str, FlaskClient], engine: sa.Engine
) -> None:
    with engine.connect() as conn:
        net = exposure_heatmap(conn, HOUR, "5m", "net")
    changes = net.diff(axis=1).iloc[:, 1:]
    symbol, bucket = changes.abs().stack().idxmax()
    with viewing_as(engine, "analyst@exposure.example", timezone="Asia/Tokyo"):
        [heat] = figure(signed_in["analyst"], f"{ids.HEATMAP}.figure", page())["data"]
        tokyo = f"{bucket + dt.timedelta(hours=9):%Y-%m-%d %H:%M}"
        assert heat["x"][0] == f"{CLOCK + dt.timedelta(hours=8):%Y-%m-%d %H:%M}"
        assert tokyo in heat["x"]
        title, rows = cell_fills(signed_in["analyst"], tokyo, str(symbol))
    with engine.connect() as conn:
        fills, total = exposure_cell_orders(
            conn, str(symbol), bucket.to_pydatetime(), dt.timedelta(minutes=5), 1, 500
        )
    assert total > 0 and [row["order_id"] for row in rows] == fills["order_id"].tolist()
    assert title.startswith(f"{symbol}, {tokyo} JST–")
