"""The Alerts page and the bell, driven through the Flask test client with the requests
dash-renderer sends, against the real PostgreSQL: who may save a rule, the messages next to
the fields, versions and audit records, the preview, the alert actions and the bell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient
from page_data import add_people, dash_app, fire, fire_input, signed_in, updates
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.alerts.definitions import parse_rule
from app.alerts.engine import evaluate_all
from app.alerts.store import create_rule, list_alerts, list_rules
from app.audit import Actor
from app.config import Settings
from app.db.models.alerts import AlertRule, AlertRuleVersion
from app.db.models.audit import AuditEntry
from callbacks.alert_form import form_values
from pages.ids import alert_bell as bell_ids
from pages.ids import alerts as ids

pytestmark = pytest.mark.integration

SETUP = Actor("test-setup", "system")


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str) -> Iterator[Flask]:
    with dash_app(base_settings.model_copy(update={"database_url": database_url})) as app:
        yield app.server


@pytest.fixture
def people(server: Flask, committed_db: Engine) -> dict[str, str]:
    """An analyst and an admin (``<role>@alerts.example``)."""
    return add_people(committed_db, ("analyst", "admin"), domain="alerts.example", suffix=" Alerts")


def _page(client: FlaskClient) -> str:
    """The Alerts page's layout as the router callback sends it."""
    route = {"_pages_location.pathname": "/alerts", "_pages_location.search": ""}
    answer = fire(client, "_pages_content.children", route, "_pages_location.pathname")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return orjson.dumps(orjson.loads(answer.get_data())).decode()


def _form(button: str, editing: int | None = None, **fields: Any) -> dict[str, Any]:
    """The form's values as the browser holds them: a blank form changed by ``fields``
    (keys with ``__`` for ``.``: ``spec__value``)."""
    values = form_values({}) | {name.replace("__", "."): v for name, v in fields.items()}
    return {
        f"{button}.n_clicks": 1,
        **{f"{ids.FIELD[name]}.value": value for name, value in values.items()},
        f"{ids.EDITING}.data": editing,
        f"{ids.RULE_CHANGES}.data": 0,
    }


def _feedback(answer: dict[str, Any]) -> dict[str, str]:
    """Field → message of the inputs the answer marks invalid (and the others' messages)."""
    return {
        name: answer[f"{ids.FEEDBACK[name]}.children"]
        for name in ids.FEEDBACK
        if answer[f"{ids.FEEDBACK[name]}.children"]
    }


def _audit(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


VALID: dict[str, Any] = {
    "name": "Reject rate above 10%",
    "scope": "lp",
    "spec__metric": "reject_rate",
    "spec__value": 10,
    "spec__recovery_value": 8,
    "pending_s": 30,
    "severity": "critical",
    "owner": "dealing-desk",
    "labels": "team=dealing, desk=fx",
    "runbook_url": "https://wiki.example/runbooks/rejects",
}


def test_an_analyst_reads_the_page_but_cannot_fire_the_save_callback(
    server: Flask, people: dict[str, str], committed_db: Engine
) -> None:
    analyst = signed_in(server, people["analyst"])
    assert analyst.get("/alerts").status_code == 200
    layout = orjson.dumps(orjson.loads(analyst.get("/_dash-layout").get_data())).decode()
    assert '"/alerts"' in layout and bell_ids.BELL in layout

    # The page for them: the lists, no form, no toggles.
    page = _page(analyst)
    assert ids.ALERT_GRID in page and ids.RULE_GRID in page
    assert ids.SAVE not in page and ids.FIELD["name"] not in page
    assert '"editable":false' in page
    admin_page = _page(signed_in(server, people["admin"]))
    assert ids.SAVE in admin_page and ids.FIELD["spec.conditions.3.weight"] in admin_page
    assert '"editable":true' in admin_page

    refused = fire_input(analyst, f"{ids.SAVE}.n_clicks", _form(ids.SAVE, **VALID))
    # require_permission answers "no update" (204) with an empty body: nothing ran.
    assert refused.status_code == 204 and refused.get_data() == b""
    toggle = {
        f"{ids.RULE_GRID}.cellValueChanged": [
            {"colId": "enabled", "value": False, "data": {"id": 1}}
        ],
        f"{ids.RULE_CHANGES}.data": 0,
    }
    assert fire_input(analyst, f"{ids.RULE_GRID}.cellValueChanged", toggle).status_code == 204
    with Session(committed_db) as db:
        assert db.scalar(select(AlertRule.id)) is None
    assert _audit(committed_db, "alert_rule.create") == []


def test_an_admin_saving_an_invalid_threshold_sees_messages_next_to_the_fields(
    server: Flask, people: dict[str, str], committed_db: Engine
) -> None:
    admin = signed_in(server, people["admin"])
    invalid = VALID | {"name": "", "spec__value": None, "spec__window_s": 5, "labels": "team"}
    answer = updates(fire_input(admin, f"{ids.SAVE}.n_clicks", _form(ids.SAVE, **invalid)))
    assert _feedback(answer) == {
        "name": "is required",
        "spec.value": "is required",
        "spec.window_s": "must be between 10 and 86400",
        "labels": "'team': write labels as name=value pairs separated by commas",
    }
    for name in ("name", "spec.value", "spec.window_s", "labels"):
        assert answer[f"{ids.FIELD[name]}.invalid"] is True
    assert answer[f"{ids.FIELD['spec.metric']}.invalid"] is False
    assert answer[f"{ids.FORM_STATUS}.color"] == "danger"
    assert f"{ids.RULE_CHANGES}.data" not in answer
    with Session(committed_db) as db:
        assert db.scalar(select(AlertRule.id)) is None
        assert db.scalar(select(AlertRuleVersion.rule_id)) is None


def test_a_valid_save_stores_version_1_with_an_audit_record_then_version_2(
    server: Flask, people: dict[str, str], committed_db: Engine
) -> None:
    admin = signed_in(server, people["admin"])
    answer = updates(fire_input(admin, f"{ids.SAVE}.n_clicks", _form(ids.SAVE, **VALID)))
    assert answer[f"{ids.FORM_STATUS}.color"] == "success"
    assert answer[f"{ids.FORM_STATUS}.children"] == "Saved 'Reject rate above 10%', version 1."
    assert _feedback(answer) == {}
    rule_id = answer[f"{ids.EDITING}.data"]
    assert answer[f"{ids.RULE_CHANGES}.data"] == 1

    with Session(committed_db) as db:
        [rule] = list_rules(db)
    assert (rule.id, rule.version, rule.name) == (rule_id, 1, VALID["name"])
    assert rule.definition.scope == "lp" and rule.definition.pending_s == 30
    assert rule.definition.spec.recovery_value == 8  # type: ignore[union-attr]
    assert dict(rule.definition.labels) == {"team": "dealing", "desk": "fx"}
    [created] = _audit(committed_db, "alert_rule.create")
    assert created.actor == people["admin"] and created.target == f"alert_rule:{rule_id}"

    # The rules table shows it; saving the edited form writes version 2.
    rows = updates(fire_input(admin, f"{ids.RULE_CHANGES}.data", {f"{ids.RULE_CHANGES}.data": 1}))
    [row] = rows[f"{ids.RULE_GRID}.rowData"]
    assert row | {"id": 0} == {
        "id": 0, "name": VALID["name"], "enabled": True, "type": "threshold",
        "severity": "critical", "owner": "dealing-desk", "labels": "desk=fx, team=dealing",
        "version": 1, "false_positive_rate": "", "status": "ok", "status_note": "",
    }  # fmt: skip
    edited = _form(ids.SAVE, editing=rule_id, **(VALID | {"spec__value": 12}))
    answer = updates(fire_input(admin, f"{ids.SAVE}.n_clicks", edited))
    assert answer[f"{ids.FORM_STATUS}.children"].endswith("version 2.")
    with Session(committed_db) as db:
        [rule] = list_rules(db)
    assert rule.version == 2 and rule.definition.spec.value == 12  # type: ignore[union-attr]
    assert len(_audit(committed_db, "alert_rule.update")) == 1


def test_the_admin_toggles_a_rule_off_and_the_form_follows_the_type_and_templates(
    server: Flask, people: dict[str, str], committed_db: Engine
) -> None:
    with Session(committed_db) as db, db.begin():
        rule = create_rule(db, SETUP, parse_rule({"name": "r", "type": "threshold", "spec": {
            "metric": "rejects", "operator": ">", "value": 3}}))  # fmt: skip
    admin = signed_in(server, people["admin"])
    toggle = {
        f"{ids.RULE_GRID}.cellValueChanged": [
            {"colId": "enabled", "value": False, "data": {"id": rule.id}}
        ],
        f"{ids.RULE_CHANGES}.data": 3,
    }
    answer = updates(fire_input(admin, f"{ids.RULE_GRID}.cellValueChanged", toggle))
    assert answer[f"{ids.RULE_STATUS}.children"] == "'r' disabled."
    assert answer[f"{ids.RULE_CHANGES}.data"] == 4
    with Session(committed_db) as db:
        assert list_rules(db)[0].enabled is False
    assert len(_audit(committed_db, "alert_rule.disable")) == 1

    shown = updates(
        fire_input(admin, f"{ids.FIELD['type']}.value", {f"{ids.FIELD['type']}.value": "composite"})
    )
    visible = {name for name in ids.WRAP if shown[f"{ids.WRAP[name]}.hidden"] is False}
    assert visible == {"spec.conditions", "spec.score_threshold"}

    filled = updates(
        fire_input(admin, f"{ids.TEMPLATE}.value", {f"{ids.TEMPLATE}.value": "margin_level_low"})
    )
    assert filled[f"{ids.FIELD['spec.metric']}.value"] == "margin_level"
    assert filled[f"{ids.FIELD['spec.operator']}.value"] == "<"
    assert filled[f"{ids.FIELD['scope']}.value"] == "account"
    assert filled[f"{ids.EDITING}.data"] is None


def test_the_preview_counts_nothing_on_an_empty_history(
    server: Flask, people: dict[str, str], committed_db: Engine
) -> None:
    admin = signed_in(server, people["admin"])
    answer = updates(fire_input(admin, f"{ids.PREVIEW}.n_clicks", _form(ids.PREVIEW, **VALID)))
    assert answer[f"{ids.PREVIEW_RESULT}.children"] == (
        "Would have fired 0 times in the last 7 days."
    )
    with Session(committed_db) as db:
        assert db.scalar(select(AlertRule.id)) is None


def _raise_alert(engine: Engine, name: str, severity: str, at: dt.datetime) -> int:
    """A rule that always holds, then one engine pass at ``at``: it fires one alert."""
    with Session(engine) as db, db.begin():
        create_rule(db, SETUP, parse_rule({"name": name, "type": "expression",
            "severity": severity, "labels": {"team": "dealing"},
            "spec": {"expression": "1 > 0"}}))  # fmt: skip
    with Session(engine) as db, db.begin():
        [change] = [c for c in evaluate_all(db, at).changes if c.rule_name == name]
    assert change.to_state == "firing" and change.alert_id is not None
    return change.alert_id


def test_the_bell_counts_and_toasts_new_alerts_and_the_desk_acknowledges_them(
    server: Flask, people: dict[str, str], committed_db: Engine
) -> None:
    analyst = signed_in(server, people["analyst"])
    tick = f"{bell_ids.TICK}.n_intervals"

    def poll(seen: int | None, shown: Any = None) -> Any:
        state = {tick: 1, f"{bell_ids.SEEN}.data": seen, f"{bell_ids.SHOWN}.data": shown}
        return fire_input(analyst, tick, state)

    quiet = updates(poll(None))
    assert quiet[f"{bell_ids.BELL_COUNT}.hidden"] is True
    assert quiet[f"{bell_ids.SEEN}.data"] == 0
    assert poll(0, {"count": 0, "top": None}).status_code == 204  # unchanged: no re-render

    now = dt.datetime.now(dt.UTC)
    one = _raise_alert(committed_db, "Rejects", "warning", now - dt.timedelta(seconds=20))
    two = _raise_alert(committed_db, "Latency", "critical", now)
    rung = updates(poll(0, {"count": 0, "top": None}))
    assert rung[f"{bell_ids.BELL_COUNT}.children"] == "2"
    assert rung[f"{bell_ids.BELL_COUNT}.hidden"] is False
    assert rung[f"{bell_ids.BELL_COUNT}.className"].endswith("alert-bell-critical")
    assert rung[f"{bell_ids.TOAST}.is_open"] is True
    assert rung[f"{bell_ids.TOAST}.header"] == "2 new alerts"
    assert rung[f"{bell_ids.TOAST}.icon"] == "danger"
    assert rung[f"{bell_ids.SEEN}.data"] == two

    # The list groups the two (fired 20 s apart, different rules) as one incident.
    listed = updates(fire_input(analyst, f"{ids.ALERT_TICK}.n_intervals", {
        f"{ids.ALERT_TICK}.n_intervals": 1, f"{ids.ALERT_FILTER}.value": "open"}))  # fmt: skip
    rows = listed[f"{ids.ALERT_GRID}.rowData"]
    assert [(r["id"], r["group"], r["state"]) for r in rows] == [
        (two, f"incident #{one}", "firing"),
        (one, f"incident #{one}", "firing"),
    ]
    assert rows[0]["rule"] == "Latency" and rows[0]["value"] == "1"
    assert rows[0]["labels"] == "team=dealing" and rows[0]["severity"] == "critical"

    action = {
        f"{ids.ALERT_GRID}.selectedRows": [{"id": one}],
        f"{ids.SNOOZE_MINUTES}.value": "15",
        f"{ids.ALERT_CHANGES}.data": 0,
    }
    acked = updates(fire_input(analyst, f"{ids.ACKNOWLEDGE}.n_clicks", action))
    assert acked[f"{ids.ALERT_STATUS}.children"] == f"Acknowledged #{one}."
    snoozed = updates(fire_input(analyst, f"{ids.SNOOZE}.n_clicks", action | {
        f"{ids.ALERT_GRID}.selectedRows": [{"id": two}]}))  # fmt: skip
    assert snoozed[f"{ids.ALERT_STATUS}.children"] == f"Snoozed for 15 min: #{two}."
    too_long = action | {f"{ids.SNOOZE_MINUTES}.value": "90"}
    refused = updates(fire_input(analyst, f"{ids.SNOOZE}.n_clicks", too_long))
    assert refused[f"{ids.ALERT_STATUS}.color"] == "danger"
    rated = updates(fire_input(analyst, f"{ids.FALSE_POSITIVE}.n_clicks", action))
    assert rated[f"{ids.ALERT_STATUS}.children"] == f"Marked as false positives: #{one}."
    with Session(committed_db) as db:
        views = {view.id: view for view in list_alerts(db)}
    assert views[one].feedback == "false_positive"
    assert views[one].acknowledged_by == people["analyst"]
    assert views[two].snoozed_until is not None
    assert len(_audit(committed_db, "alert.acknowledge")) == 1

    after = updates(poll(two, {"count": 2, "top": "critical"}))
    assert after[f"{bell_ids.BELL_COUNT}.children"] == "1"
    assert f"{bell_ids.TOAST}.is_open" not in after
