"""The Routing page's callbacks through real ``/_dash-update-component`` requests, on a database
filled by the simulator's stream through Kafka and the ingest process; each figure must carry
the numbers of the read model it draws (``app.queries.routing``, ``reject_rate_series``)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson
import pytest
import sqlalchemy as sa
from dash._utils import split_callback_id
from flask import Flask
from flask.testing import FlaskClient
from ingest.conftest import NOW, STREAM, produce, run_ingest_process
from page_data import empty_tables
from sqlalchemy.orm import Session
from test_admin_pages import PASSWORD, _clear_pages, _signed_in, _updates

import callbacks.routing
from app.audit import Actor
from app.auth.users import create_user
from app.config import Settings
from app.queries.execution import reject_rate_series
from app.queries.filters import Filter
from app.queries.routing import routing_decisions, routing_shares_over_time, routing_summary
from pages.ids import routing as ids
from tradedash.web import create_app
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator.messages import generate_messages

pytestmark = pytest.mark.integration

CLOCK = NOW + dt.timedelta(minutes=5)
"""The page's "now": just after the stream (which may lie in the machine clock's future)."""


def ingest_stream(settings: Settings, engine: sa.Engine, prefix: str) -> Settings:
    """The simulated stream through private Kafka topics and the real ingest process, with
    one user per role (``<role>@<prefix>.example``); the caller deletes the topics."""
    empty_tables(engine)
    run = uuid.uuid4().hex[:8]
    private = settings.model_copy(
        update={"topic_prefix": f"{prefix}{run}.", "consumer_group": f"{prefix}-{run}"}
    )
    private.__dict__.pop("topics", None)  # cached_property computed from the old prefix
    ensure_topics(private)
    produce(private, list(generate_messages(STREAM, NOW.timestamp())))
    run_ingest_process(private)
    with Session(engine) as db, db.begin():
        for role in ("analyst", "admin"):
            create_user(
                db,
                Actor("test-setup", "system"),
                email=f"{role}@{prefix}.example",
                role=role,
                password=PASSWORD,
            )
    return private


def fire(
    client: FlaskClient, output: str, values: dict[str, Any], trigger: str | None = None
) -> Any:
    """POST the callback that has ``output`` (``id.property``) as dash-renderer would, fired
    by ``trigger`` (default: its first input); ``values`` maps ``id.property`` to values.

    The callback's shape comes from ``/_dash-dependencies``, so the test follows the wiring.
    """
    dependencies = orjson.loads(client.get("/_dash-dependencies").get_data())

    def outputs(dep: dict[str, Any]) -> list[dict[str, str]]:
        split = split_callback_id(dep["output"])
        return split if isinstance(split, list) else [split]

    def name(item: dict[str, str]) -> str:
        return f"{item['id']}.{item['property'].split('@')[0]}"

    [callback] = [dep for dep in dependencies if output in map(name, outputs(dep))]

    def current(items: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [{**item, "value": values.get(name(item))} for item in items]

    body = {
        "output": callback["output"],
        "outputs": split_callback_id(callback["output"]),
        "inputs": current(callback["inputs"]),
        "state": current(callback["state"]),
        "changedPropIds": [trigger or name(callback["inputs"][0])],
    }
    return client.post("/_dash-update-component", json=body)


def figure(client: FlaskClient, output: str, values: dict[str, Any]) -> Any:
    """The figure a callback answers for ``output``."""
    return _updates(fire(client, output, values))[output]


def values(array: Any) -> list[Any]:
    """A figure's array, also when Plotly sent numbers as a base64 typed array."""
    if isinstance(array, dict) and "bdata" in array:
        decoded = np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
        return decoded.tolist()
    return list(array)


def same_numbers(left: Any, right: Any) -> bool:
    a = np.array([np.nan if v is None else v for v in values(left)], dtype="float64")
    b = np.array([np.nan if v is None else v for v in right], dtype="float64")
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, equal_nan=True))


@pytest.fixture(scope="module")
def routing_server(
    base_settings: Settings, database_url: str, engine: sa.Engine
) -> Iterator[Flask]:
    settings = ingest_stream(
        base_settings.model_copy(update={"database_url": database_url}), engine, "routing"
    )
    _clear_pages()
    app = create_app(settings)
    yield app.server
    app.server.extensions["tradedash"].close()
    _clear_pages()
    delete_topics(settings)
    empty_tables(engine)


@pytest.fixture(scope="module")
def analyst_session(routing_server: Flask) -> FlaskClient:
    return _signed_in(routing_server, "analyst@routing.example")


@pytest.fixture
def analyst(analyst_session: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    """An analyst's session, looking at the page from ``CLOCK``."""
    monkeypatch.setattr(callbacks.routing, "clock", lambda: CLOCK)
    return analyst_session


def page_filter(window: str = "24h", **dimensions: tuple[str, ...]) -> Filter:
    length = {"1h": dt.timedelta(hours=1), "24h": dt.timedelta(hours=24)}[window]
    return Filter(start=CLOCK - length, end=CLOCK, **dimensions)  # type: ignore[arg-type]


def filters(window: str = "24h", **more: Any) -> dict[str, Any]:
    return {
        f"{ids.WINDOW}.value": window,
        f"{ids.SYMBOLS}.value": None,
        f"{ids.LPS}.value": None,
        f"{ids.BOOKS}.value": None,
        f"{ids.RULES}.value": None,
        f"{ids.BUCKET}.value": "5m",
        **more,
    }


def test_the_sankey_links_are_the_routing_summarys_flow(
    analyst: FlaskClient, engine: sa.Engine
) -> None:
    answer = _updates(fire(analyst, f"{ids.FLOW}.figure", filters()))
    [sankey] = answer[f"{ids.FLOW}.figure"]["data"]
    with engine.connect() as conn:
        summary = routing_summary(conn, page_filter())
    flow = summary.flow.as_dict()
    assert summary.orders > 100
    assert values(sankey["link"]["value"]) == [link["value"] for link in flow["links"]]
    assert values(sankey["link"]["source"]) == [link["source"] for link in flow["links"]]
    assert values(sankey["link"]["target"]) == [link["target"] for link in flow["links"]]
    assert len(sankey["node"]["label"]) == len(flow["nodes"])
    assert {"A-book", "B-book", "INTERNAL", "filled"} <= set(sankey["node"]["label"])
    tiles = orjson.dumps(answer[f"{ids.SUMMARY}.children"]).decode()
    assert f"{summary.orders:,}" in tiles
    assert summary.share_by_count is not None
    assert f"{summary.share_by_count['A']:.1%}" in tiles


def test_a_custom_range_reaches_the_pages_callbacks(
    analyst: FlaskClient, engine: sa.Engine
) -> None:
    # Half an hour inside the stream (12:48–14:00 UTC), however far "now" is.
    start = dt.datetime(2026, 11, 24, 13, 0, tzinfo=dt.UTC)
    window = "2026-11-24T13:00Z/2026-11-24T13:30Z"
    answer = _updates(fire(analyst, f"{ids.FLOW}.figure", filters(window)))
    [sankey] = answer[f"{ids.FLOW}.figure"]["data"]
    with engine.connect() as conn:
        custom = routing_summary(conn, Filter(start=start, end=start + dt.timedelta(minutes=30)))
        orders = conn.execute(
            sa.text("SELECT count(*) FROM orders WHERE ts >= :s AND ts < :e"),
            {"s": start, "e": start + dt.timedelta(minutes=30)},
        ).scalar_one()
        last_hour = routing_summary(conn, page_filter("1h"))
    assert 0 < custom.orders == orders < last_hour.orders
    assert values(sankey["link"]["value"]) == [k["value"] for k in custom.flow.as_dict()["links"]]
    assert f"{orders:,}" in orjson.dumps(answer[f"{ids.SUMMARY}.children"]).decode()


def test_a_filter_narrows_the_flow(analyst: FlaskClient, engine: sa.Engine) -> None:
    narrowed = filters("1h", **{f"{ids.BOOKS}.value": ["B"], f"{ids.SYMBOLS}.value": ["EURUSD"]})
    [sankey] = figure(analyst, f"{ids.FLOW}.figure", narrowed)["data"]
    with engine.connect() as conn:
        summary = routing_summary(conn, page_filter("1h", books=("B",), symbols=("EURUSD",)))
    assert summary.orders_by_book["A"] == 0 < summary.orders_by_book["B"]
    assert values(sankey["link"]["value"]) == [k["value"] for k in summary.flow.as_dict()["links"]]


def test_shares_over_time_by_count_and_by_notional(analyst: FlaskClient, engine: sa.Engine) -> None:
    with engine.connect() as conn:
        expected = routing_shares_over_time(conn, page_filter("1h"), "5m")
    assert len(expected) >= 10
    for measure in ("count", "notional"):
        chosen = filters("1h", **{f"{ids.SHARE_MEASURE}.value": measure})
        a_book, b_book = figure(analyst, f"{ids.SHARES}.figure", chosen)["data"]
        assert (a_book["name"], b_book["name"]) == ("A-book", "B-book")
        assert same_numbers(a_book["y"], expected[f"a_share_{measure}"].tolist())
        assert same_numbers(b_book["y"], expected[f"b_share_{measure}"].tolist())


def test_reject_rates_per_lp(analyst: FlaskClient, engine: sa.Engine) -> None:
    traces = figure(analyst, f"{ids.REJECTS}.figure", filters("1h"))["data"]
    by_lp = {trace["name"]: trace for trace in traces}
    with engine.connect() as conn:
        series = reject_rate_series(conn, page_filter("1h"), "5m")
    lps = sorted(set(series["lp"]) - {"INTERNAL"})
    assert lps and sorted(by_lp) == lps
    for lp in lps:
        assert same_numbers(by_lp[lp]["y"], series[series["lp"] == lp]["reject_rate"].tolist())


def decisions(client: FlaskClient, trigger: str | None = None, **more: Any) -> dict[str, Any]:
    answer = fire(client, f"{ids.DECISIONS_GRID}.rowData", filters("1h", **more), trigger)
    return _updates(answer)


def detail(client: FlaskClient, row: dict[str, Any]) -> list[dict[str, Any]]:
    selected = {f"{ids.DECISIONS_GRID}.selectedRows": [row]}
    shown: list[dict[str, Any]] = _updates(
        fire(client, f"{ids.DECISION_DETAIL}.children", selected)
    )[f"{ids.DECISION_DETAIL}.children"]
    return shown


def test_the_decision_explorer_pages_filters_by_rule_and_explains(
    analyst: FlaskClient, engine: sa.Engine
) -> None:
    first = decisions(analyst)
    with engine.connect() as conn:
        page_1, total = routing_decisions(conn, page_filter("1h"), 1, 25)
        page_2, _ = routing_decisions(conn, page_filter("1h"), 2, 25)
    rows = first[f"{ids.DECISIONS_GRID}.rowData"]
    assert [row["order_id"] for row in rows] == page_1["order_id"].tolist()
    assert first[f"{ids.DECISIONS_PAGES}.max_value"] == -(-total // 25) > 1
    assert f"of {total:,}" in first[f"{ids.DECISIONS_COUNT}.children"]

    pager = f"{ids.DECISIONS_PAGES}.active_page"
    turned = decisions(analyst, pager, **{pager: 2})
    assert [r["order_id"] for r in turned[f"{ids.DECISIONS_GRID}.rowData"]] == (
        page_2["order_id"].tolist()
    )
    assert turned[pager] == 2

    rule = rows[0]["rule_id"]
    by_rule = decisions(analyst, f"{ids.DECISIONS_RULE}.value", **{
        f"{ids.DECISIONS_RULE}.value": rule, pager: 3
    })  # fmt: skip
    ruled = by_rule[f"{ids.DECISIONS_GRID}.rowData"]
    assert ruled and {row["rule_id"] for row in ruled} == {rule}
    assert by_rule[pager] == 1  # a new filter starts at the first page

    chosen = ruled[0]
    shown = detail(analyst, chosen)
    with engine.connect() as conn:
        conditions = conn.execute(
            sa.text("SELECT conditions FROM rules WHERE rule_id = :r AND rule_version = :v"),
            {"r": rule, "v": chosen["rule_version"]},
        ).scalar_one()
    [pre] = [part for part in shown if part["type"] == "Pre"]
    assert orjson.loads(pre["props"]["children"]["props"]["children"]) == conditions
    assert chosen["order_id"] in orjson.dumps(shown).decode()


def test_the_detail_panel_shows_conditions_as_text(analyst: FlaskClient) -> None:
    hostile = {"order_id": "o-1", "rule": "R v1", "conditions": '{"name": "<script>x</script>"}'}
    [pre] = [part for part in detail(analyst, hostile) if part["type"] == "Pre"]
    code = pre["props"]["children"]
    # A string child of a component is rendered by React as text, never as markup.
    assert code["type"] == "Code" and code["props"]["children"] == hostile["conditions"]


def test_an_empty_window_says_so(analyst: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbacks.routing, "clock", lambda: CLOCK - dt.timedelta(days=30))
    [annotation] = figure(analyst, f"{ids.FLOW}.figure", filters("1h"))["layout"]["annotations"]
    assert "No orders" in annotation["text"]
    listed = decisions(analyst)
    assert listed[f"{ids.DECISIONS_GRID}.rowData"] == []
    assert listed[f"{ids.DECISIONS_COUNT}.children"] == "No orders in this window."


def test_the_filter_options_come_from_the_data(analyst: FlaskClient) -> None:
    options = _updates(fire(analyst, f"{ids.SYMBOLS}.options", {}, f"{ids.WINDOW}.id"))
    assert "EURUSD" in options[f"{ids.SYMBOLS}.options"]
    assert options[f"{ids.LPS}.options"] and "INTERNAL" not in options[f"{ids.LPS}.options"]
    assert options[f"{ids.RULES}.options"] == options[f"{ids.DECISIONS_RULE}.options"]
