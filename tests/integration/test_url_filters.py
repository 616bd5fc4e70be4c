"""The filter bar in the URL, saved views, default filters, the overview's chosen cards, the dark
theme on figures, and the overview's stale-cache fallback — through the real page router and
callbacks (``/_dash-update-component``), the real PostgreSQL and Redis."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pandas as pd
import pytest
import redis
import sqlalchemy as sa
from dash._utils import split_callback_id
from flask import Flask
from flask.testing import FlaskClient
from page_data import ANALYST, add_analyst, clear_pages, empty_tables, fire, signed_in, updates
from plotly.io.json import to_json_plotly
from sqlalchemy.orm import Session

import callbacks.overview
from app import stale_cache
from app.audit import Actor
from app.config import Settings
from app.db.models.auth import User
from app.queries.exposure import NOW_COLUMNS
from app.stale_cache import PREFIX
from app.user_settings import UiPreferences, save_ui_preferences, saved_views
from callbacks.exposure import total_line
from pages.ids import exposure as exposure_ids
from pages.ids import overview as overview_ids
from pages.ids import risk as risk_ids
from pages.ids import routing as routing_ids
from pages.ids import settings as settings_ids
from tradedash.web import create_app

pytestmark = pytest.mark.integration

SETUP = Actor("test-setup", "system")
EXPOSURE_BAR = exposure_ids.FILTERS
AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
CLOSED = "127.0.0.1:1"
"""Nothing listens on port 1: connecting fails at once, as with a service that is down."""


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str, engine: sa.Engine) -> Iterator[Flask]:
    clear_pages()
    add_analyst(engine)
    app = create_app(base_settings.model_copy(update={"database_url": database_url}))
    yield app.server
    app.server.extensions["tradedash"].close()
    clear_pages()
    empty_tables(engine)


@pytest.fixture
def look(engine: sa.Engine) -> Iterator[Any]:
    """Set the analyst's stored look; put the default one back afterwards."""

    def set_look(preferences: UiPreferences) -> None:
        with Session(engine) as db, db.begin():
            user = db.scalar(sa.select(User).where(User.email == ANALYST))
            assert user is not None
            save_ui_preferences(db, SETUP, user, preferences)

    yield set_look
    set_look(UiPreferences())


def page(client: FlaskClient, path: str, search: str = "") -> Any:
    """The page's layout as the router callback renders it for ``path?search``."""
    values = {"_pages_location.pathname": path, "_pages_location.search": search}
    out = updates(fire(client, "_pages_content.children", values, "_pages_location.pathname"))
    return out["_pages_content.children"]


def find(tree: Any, component_id: Any) -> dict[str, Any]:
    """The component with ``component_id`` in a layout's JSON."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == component_id:
                props: dict[str, Any] = node["props"]
                return props
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise AssertionError(f"{component_id} not in the layout")


def fire_matched(
    client: FlaskClient, output_type: str, bar: str, values: dict[str, Any], trigger: str
) -> dict[str, Any]:
    """POST the pattern-matching callback whose outputs include ``output_type`` for ``bar``;
    ``values`` maps ``type.property`` to each input's and state's value."""
    dependencies = orjson.loads(client.get("/_dash-dependencies").get_data())
    [callback] = [dep for dep in dependencies if f'"type":"{output_type}"' in dep["output"]]

    def concrete(item: dict[str, Any]) -> dict[str, Any]:
        raw = item["id"]
        component = orjson.loads(raw) if isinstance(raw, str) and raw.startswith("{") else raw
        component = {k: bar if v == ["MATCH"] else v for k, v in component.items()}
        key = f"{component['type']}.{item['property']}"
        return {"id": component, "property": item["property"], "value": values.get(key)}

    outputs = split_callback_id(callback["output"])  # type: ignore[no-untyped-call]
    trigger_type, trigger_prop = trigger.split(".")
    changed = orjson.dumps({"bar": bar, "type": trigger_type}).decode() + f".{trigger_prop}"
    body = {
        "output": callback["output"],
        "outputs": [
            {k: v for k, v in concrete(o).items() if k != "value"}
            for o in (outputs if isinstance(outputs, list) else [outputs])
        ],
        "inputs": [concrete(i) for i in callback["inputs"]],
        "state": [concrete(s) for s in callback["state"]],
        "changedPropIds": [changed],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = orjson.loads(response.get_data())["response"]
    return {
        f"{orjson.loads(component)['type']}.{prop}": value
        for component, props in answer.items()
        for prop, value in props.items()
    }


def test_a_link_opens_the_page_with_its_filters_and_says_what_it_ignored(server: Flask) -> None:
    client = signed_in(server)
    layout = page(client, "/routing", "?window=1h&books=B,Z&bucket=5m&lps=LP_NOWHERE")
    assert find(layout, f"{routing_ids.FILTERS}-window")["value"] == "1h"
    assert find(layout, f"{routing_ids.FILTERS}-bucket")["value"] == "5m"
    assert find(layout, f"{routing_ids.FILTERS}-books")["value"] == ["B"]
    assert find(layout, f"{routing_ids.FILTERS}-lps")["value"] == []
    notice = find(layout, f"{routing_ids.FILTERS}-url-notice")
    assert notice["is_open"] is True
    texts = [line["props"]["children"] for line in notice["children"]]
    assert texts == [
        "Ignored books from the link: 'Z'.",
        "No data for lps LP_NOWHERE: left out of the filter.",
    ]

    plain = page(client, "/routing")
    assert find(plain, f"{routing_ids.FILTERS}-window")["value"] == "24h"
    assert find(plain, f"{routing_ids.FILTERS}-url-notice")["is_open"] is False


def test_default_filters_apply_only_when_the_link_sets_none(server: Flask, look: Any) -> None:
    look(UiPreferences(default_filters="window=7d&books=A"))
    client = signed_in(server)
    opened = page(client, "/risk")
    assert find(opened, f"{risk_ids.FILTERS}-window")["value"] == "7d"
    assert find(opened, f"{risk_ids.FILTERS}-books")["value"] == ["A"]
    linked = page(client, "/risk", "?window=1h")
    assert find(linked, f"{risk_ids.FILTERS}-window")["value"] == "1h"
    assert find(linked, f"{risk_ids.FILTERS}-books")["value"] == []  # the link says: both books


def test_a_view_is_saved_by_name_and_make_default_stores_its_filters(
    server: Flask, engine: sa.Engine, look: Any
) -> None:
    client = signed_in(server)
    page(client, "/exposure")
    url = "/exposure?window=1h&symbols=EURUSD&bucket=5m"
    values = {"td-view-name.value": "  EUR last hour ", "td-view-url.data": url}
    saved = fire_matched(client, "td-view-status", EXPOSURE_BAR, values, "td-view-save.n_clicks")
    assert saved["td-view-status.children"] == "Saved “EUR last hour”."
    assert saved["td-view-name.value"] == ""
    [link] = saved["td-view-menu.children"]
    assert link["props"]["children"] == "EUR last hour" and link["props"]["href"] == url

    unnamed = {"td-view-name.value": "", "td-view-url.data": url}
    refused = fire_matched(client, "td-view-status", EXPOSURE_BAR, unnamed, "td-view-save.n_clicks")
    assert refused["td-view-status.children"] == "Name the view."

    made = fire_matched(client, "td-view-status", EXPOSURE_BAR, values, "td-view-default.n_clicks")
    assert made["td-view-status.children"].startswith("Default filters saved")
    with Session(engine) as db:
        user = db.scalar(sa.select(User).where(User.email == ANALYST))
        assert user is not None
        assert user.ui_preferences["default_filters"] == "window=1h&symbols=EURUSD&bucket=5m"
        [view] = saved_views(db, user.id)
        assert (view.name, view.url) == ("EUR last hour", url)
        view_id = view.id

    listed = updates(fire(client, f"{settings_ids.VIEWS}.children", {}, "x"))
    assert (
        listed[f"{settings_ids.DEFAULT_FILTERS}.children"] == "window=1h&symbols=EURUSD&bucket=5m"
    )
    deleted = _delete_view(client, view_id)
    assert deleted[f"{settings_ids.VIEWS_STATUS}.children"] == "View deleted."
    with Session(engine) as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(sa.text("saved_views"))) == 0


def _delete_view(client: FlaskClient, view_id: int) -> dict[str, Any]:
    dependencies = orjson.loads(client.get("/_dash-dependencies").get_data())
    [callback] = [
        dep
        for dep in dependencies
        if any(settings_ids.DELETE_VIEW in str(i["id"]) for i in dep["inputs"])
    ]
    button = {"type": settings_ids.DELETE_VIEW, "view": view_id}
    body = {
        "output": callback["output"],
        "outputs": split_callback_id(callback["output"]),  # type: ignore[no-untyped-call]
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "state": [],
        "changedPropIds": [orjson.dumps(button).decode() + ".n_clicks"],
    }
    return updates(client.post("/_dash-update-component", json=body))


def test_the_overview_shows_the_chosen_cards_in_the_chosen_order(server: Flask, look: Any) -> None:
    look(UiPreferences(overview_cards=("pnl_today", "fill_ratio")))
    layout = page(signed_in(server), "/")
    styles = {name: find(layout, overview_ids.KPI_CARD[name])["style"] for name in ids_names()}
    assert styles["pnl_today"] == {"order": 0}
    assert styles["fill_ratio"] == {"order": 1}
    hidden = [name for name, style in styles.items() if style == {"display": "none"}]
    assert sorted(hidden) == sorted(set(ids_names()) - {"pnl_today", "fill_ratio"})


def ids_names() -> tuple[str, ...]:
    return overview_ids.KPI_NAMES


def _refresh(client: FlaskClient) -> dict[str, Any]:
    values = {f"{overview_ids.TICK}.n_intervals": 1, f"{overview_ids.WINDOW}.value": "1h"}
    return updates(
        fire(client, f"{overview_ids.VOLUME}.figure", values, f"{overview_ids.TICK}.n_intervals")
    )


def test_dark_theme_users_get_dark_figures_and_times_in_their_zone(
    server: Flask, look: Any, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callbacks.overview, "clock", lambda: AT)
    look(UiPreferences(theme="dark"))
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE users SET timezone = 'Asia/Tokyo' WHERE email = :e"), {"e": ANALYST}
        )
    try:
        client = signed_in(server)
        shell = orjson.loads(client.get("/_dash-layout").get_data())
        assert find(shell, "td-theme")["data"] == "dark"
        out = _refresh(client)
        template = out[f"{overview_ids.VOLUME}.figure"]["layout"]["template"]
        assert template["layout"]["paper_bgcolor"] == "#212529"
        assert out[f"{overview_ids.UPDATED}.children"] == "Updated 19:00:00 JST"
    finally:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE users SET timezone = 'UTC' WHERE email = :e"), {"e": ANALYST}
            )


def test_with_the_database_down_the_overview_shows_its_last_values_as_stale(
    server: Flask, base_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callbacks.overview, "clock", lambda: AT)
    resources = server.extensions["tradedash"]
    cache: redis.Redis = resources.redis
    cache.delete(*cache.keys(PREFIX + "*") or ["none"])
    client = signed_in(server)
    fresh = _refresh(client)
    assert fresh[f"{overview_ids.STALE}.is_open"] is False

    # The analytics reads go to a database that is down (sign-in still works).
    down = sa.create_engine(
        base_settings.database_url.rsplit("@", 1)[0] + f"@{CLOSED}/tradedash",
        connect_args={"connect_timeout": 1},
    )
    monkeypatch.setattr(resources, "engine", down)
    stale = _refresh(client)
    assert stale[f"{overview_ids.STALE}.is_open"] is True
    assert stale[f"{overview_ids.STALE}.children"].startswith("Stale since 2026-11-24 10:00:00 UTC")
    for name in overview_ids.KPI_NAMES:
        key = f"{overview_ids.KPI_VALUE[name]}.children"
        assert stale[key] == fresh[key]
    assert (
        stale[f"{overview_ids.VOLUME}.figure"]["layout"]["title"]
        == (fresh[f"{overview_ids.VOLUME}.figure"]["layout"]["title"])
    )

    cache.delete(*cache.keys(PREFIX + "*"))
    nothing = _refresh(client)
    assert nothing[f"{overview_ids.STALE}.children"].startswith(
        "The database cannot be reached and no earlier values are cached."
    )
    down.dispose()


def test_with_redis_down_the_overview_works_from_the_database(
    server: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callbacks.overview, "clock", lambda: AT)
    client = signed_in(server)
    resources = server.extensions["tradedash"]
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    monkeypatch.setattr(resources, "redis", dead)
    monkeypatch.setattr(stale_cache, "_paused_until", 0.0)  # put back afterwards
    out = _refresh(client)
    assert out[f"{overview_ids.STALE}.is_open"] is False
    assert out[f"{overview_ids.KPI_VALUE['orders_rate']}.children"] == "0.00"
    assert out[f"{overview_ids.UPDATED}.children"] == "Updated 10:00:00 UTC"
    # The client's retries were paid once; the next refreshes leave Redis alone for a while.
    began = time.perf_counter()
    _refresh(client)
    assert time.perf_counter() - began < 1.0


def test_the_exposure_total_reads_well_on_an_empty_book() -> None:
    empty = pd.DataFrame(columns=NOW_COLUMNS)
    line = to_json_plotly(total_line(empty, AT, "Europe/Berlin", "EUR"))
    assert "€0" in line and "2026-11-24 11:00 CET" in line and "No symbol is over" in line


@pytest.fixture
def in_tokyo(engine: sa.Engine) -> Iterator[None]:
    """The analyst reads and types times in Asia/Tokyo (UTC+9) during the test."""

    def set_zone(name: str) -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET timezone = :z WHERE email = :e"),
                         {"z": name, "e": ANALYST})  # fmt: skip

    set_zone("Asia/Tokyo")
    yield
    set_zone("UTC")


RANGE = "2026-11-19T23:00Z/2026-11-20T23:00Z"
"""20 Nov 08:00 – 21 Nov 08:00 in Tokyo."""


def _apply(client: FlaskClient, prefix: str, start: str, end: str) -> dict[str, Any]:
    values = {
        f"{prefix}-range-apply.n_clicks": 1,
        f"{prefix}-range-start.value": start,
        f"{prefix}-range-end.value": end,
    }
    return updates(
        fire(client, f"{prefix}-range-problem.children", values, f"{prefix}-range-apply.n_clicks")
    )


def test_a_custom_range_typed_in_the_users_zone_is_selected_as_the_window(
    server: Flask, in_tokyo: None
) -> None:
    client = signed_in(server)
    prefix = routing_ids.FILTERS
    applied = _apply(client, prefix, "2026-11-20T08:00", "2026-11-21T08:00")
    assert applied[f"{prefix}-window.value"] == RANGE
    assert applied[f"{prefix}-window.options"][-1] == {
        "label": "20 Nov 08:00 – 21 Nov 08:00 JST",
        "value": RANGE,
    }
    assert applied[f"{prefix}-range-problem.children"] == ""
    assert applied[f"{prefix}-range-start.invalid"] is False

    backwards = _apply(client, prefix, "2026-11-21T08:00", "2026-11-20T08:00")
    assert backwards[f"{prefix}-range-problem.children"] == "The start must be before the end."
    assert backwards[f"{prefix}-range-end.invalid"] is True
    assert f"{prefix}-window.value" not in backwards  # the window shown stays as it was
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    ahead = _apply(client, prefix, "2026-11-20T08:00", future.strftime("%Y-%m-%dT%H:%M"))
    assert ahead[f"{prefix}-range-problem.children"] == "The end cannot be in the future."
    long = _apply(client, prefix, "2026-01-01T00:00", "2026-11-20T08:00")
    assert long[f"{prefix}-range-problem.children"] == "A custom range spans at most 90 days."


def test_a_link_with_a_custom_range_opens_with_it_in_the_readers_zone(
    server: Flask, in_tokyo: None
) -> None:
    client = signed_in(server)
    layout = page(client, "/exposure", f"?window={RANGE}")
    prefix = EXPOSURE_BAR
    window = find(layout, f"{prefix}-window")
    assert window["value"] == RANGE
    assert {"label": "20 Nov 08:00 – 21 Nov 08:00 JST", "value": RANGE} in window["options"]
    assert find(layout, f"{prefix}-range-start")["value"] == "2026-11-20T08:00"
    assert find(layout, f"{prefix}-range-end")["value"] == "2026-11-21T08:00"
    assert find(layout, f"{prefix}-url-notice")["is_open"] is False

    backwards = page(client, "/exposure", "?window=2026-11-20T23:00Z/2026-11-19T23:00Z")
    assert find(backwards, f"{prefix}-window")["value"] == "24h"
    notice = find(backwards, f"{prefix}-url-notice")
    assert [line["props"]["children"] for line in notice["children"]] == [
        "Time range of the link not shown: The start must be before the end."
    ]
