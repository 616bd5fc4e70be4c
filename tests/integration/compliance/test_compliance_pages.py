"""The compliance, audit trail, client data and retention pages, driven through the Flask test
client with the requests dash-renderer sends, against the real PostgreSQL and Redis."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET

import orjson
import pytest
from compliance_rows import T0, execution, insert, order
from flask import Flask
from page_data import (
    add_people,
    assert_forbidden,
    dash_app,
    fire_input,
    forget_login_failures,
    signed_in,
    updates,
)
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.config import Settings
from app.db.models.audit import AuditEntry
from app.db.models.compliance import ClientIdentity
from pages.ids import admin_retention as retention_ids
from pages.ids import audit_trail as audit_ids
from pages.ids import compliance as ids
from pages.ids import compliance_clients as client_ids

pytestmark = pytest.mark.integration

SETUP = Actor("test-setup", "system")
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str) -> Iterator[Flask]:
    with dash_app(base_settings.model_copy(update={"database_url": database_url})) as app:
        yield app.server


@pytest.fixture
def accounts(server: Flask, committed_db: Engine) -> dict[str, str]:
    forget_login_failures(server)
    return add_people(committed_db, ("analyst", "compliance", "admin"))


def _actions(engine: Engine) -> list[str]:
    with Session(engine) as db:
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _period() -> dict[str, Any]:
    return {f"{ids.START}.value": str(TODAY - dt.timedelta(days=1)), f"{ids.END}.value": str(TODAY)}


def test_only_compliance_and_admins_reach_the_pages_and_callbacks(
    server: Flask, accounts: dict[str, str]
) -> None:
    analyst = signed_in(server, accounts["analyst"])
    assert_forbidden(
        analyst, "/compliance", "/compliance/audit", "/compliance/clients", "/admin/retention"
    )
    compliance = signed_in(server, accounts["compliance"])
    for path in ("/compliance", "/compliance/audit", "/compliance/clients"):
        assert compliance.get(path).status_code == 200
    assert_forbidden(compliance, "/admin/retention")
    # A refused callback answers 204 with no content (tradedash.auth.callbacks).
    for trigger, values in (
        (f"{ids.START}.value", _period()),
        (f"{audit_ids.VERIFY}.n_clicks", {f"{audit_ids.VERIFY}.n_clicks": 1}),
        (f"{client_ids.ACCESS}.n_clicks", {f"{client_ids.CLIENT}.value": "x"}),
        (f"{retention_ids.SAVE}.n_clicks", {f"{retention_ids.DATA_CLASS}.value": "orders"}),
    ):
        refused = fire_input(analyst, trigger, values)
        assert refused.status_code == 204 and refused.get_data() == b""


def test_reports_run_and_download_with_an_audit_record(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        insert(conn, [order(order_id="o1", client_ref="c" * 32)], [execution(order_id="o1")])
    compliance = signed_in(server, accounts["compliance"])
    shown = updates(fire_input(compliance, f"{ids.START}.value", _period()))
    [top] = shown[f"{ids.TOP_GRID}.rowData"]
    assert (top["venue"], top["volume_share_pct"], top["orders"]) == ("LP1", 100.0, 1)
    assert shown[f"{ids.TX_COUNT}.children"].startswith("1 transactions")
    xml = updates(
        fire_input(compliance, f"{ids.TX_XML}.n_clicks", {**_period(), f"{ids.TX_XML}.n_clicks": 1})
    )
    download = xml[f"{ids.DOWNLOAD}.data"]
    assert download["filename"].startswith("transactions_") and download["filename"].endswith(
        ".xml"
    )
    root = ET.fromstring(base64.b64decode(download["content"]))
    assert len(root) == 1 and "c" * 32 in base64.b64decode(download["content"]).decode()
    pdf = updates(
        fire_input(
            compliance, f"{ids.BEST_PDF}.n_clicks", {**_period(), f"{ids.BEST_PDF}.n_clicks": 1}
        )
    )
    assert base64.b64decode(pdf[f"{ids.DOWNLOAD}.data"]["content"]).startswith(b"%PDF-")
    quarter = f"{T0.year}Q{(T0.month - 1) // 3 + 1}"
    sections = updates(
        fire_input(compliance, f"{ids.QUARTER}.value", {f"{ids.QUARTER}.value": quarter})
    )
    assert "LP1" in orjson.dumps(sections).decode()
    assert _actions(committed_db)[-4:] == [
        "report.run",
        "report.export",
        "report.export",
        "report.run",
    ]  # noqa: E501


def test_the_audit_trail_searches_pages_exports_and_verifies(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    with Session(committed_db) as db, db.begin():
        for i in range(60):
            record(db, SETUP, "export.download", f"file-{i}", {"i": i})
        record(db, SETUP, "alert_rule.update", "100%_rule", {})
    compliance = signed_in(server, accounts["compliance"])
    search = {f"{audit_ids.SEARCH}.value": "export", f"{audit_ids.PAGE}.data": 0}
    first = updates(fire_input(compliance, f"{audit_ids.SEARCH}.value", search))
    assert len(first[f"{audit_ids.GRID}.rowData"]) == 50
    assert first[f"{audit_ids.PAGE_LABEL}.children"] == "Page 1 of 2 (60 records)"
    second = updates(
        fire_input(
            compliance, f"{audit_ids.NEXT}.n_clicks", {**search, f"{audit_ids.NEXT}.n_clicks": 1}
        )
    )
    assert [r["target"] for r in second[f"{audit_ids.GRID}.rowData"]] == [
        f"file-{i}" for i in range(9, -1, -1)
    ]  # noqa: E501
    # "%" and "_" are matched literally, and a quote cannot break out of the parameter.
    literal = {f"{audit_ids.SEARCH}.value": "100%_", f"{audit_ids.PAGE}.data": 0}
    [rule] = updates(fire_input(compliance, f"{audit_ids.SEARCH}.value", literal))[
        f"{audit_ids.GRID}.rowData"
    ]  # noqa: E501
    assert rule["target"] == "100%_rule"
    hostile = {f"{audit_ids.SEARCH}.value": "x' OR '1'='1", f"{audit_ids.PAGE}.data": 0}
    assert (
        updates(fire_input(compliance, f"{audit_ids.SEARCH}.value", hostile))[
            f"{audit_ids.GRID}.rowData"
        ]
        == []
    )
    exported = updates(
        fire_input(
            compliance,
            f"{audit_ids.EXPORT}.n_clicks",
            {**search, f"{audit_ids.EXPORT}.n_clicks": 1},
        )
    )
    csv = base64.b64decode(exported[f"{audit_ids.DOWNLOAD}.data"]["content"]).decode().splitlines()
    assert csv[0] == "id,ts,actor,role,ip,action,target,details" and len(csv) == 61
    verified = updates(
        fire_input(compliance, f"{audit_ids.VERIFY}.n_clicks", {f"{audit_ids.VERIFY}.n_clicks": 1})
    )
    assert verified[f"{audit_ids.VERIFY_STATUS}.color"] == "success"
    with committed_db.begin() as conn:
        conn.execute(text("UPDATE audit_log SET target = 'forged' WHERE target = 'file-3'"))
    broken = updates(
        fire_input(compliance, f"{audit_ids.VERIFY}.n_clicks", {f"{audit_ids.VERIFY}.n_clicks": 2})
    )
    assert broken[f"{audit_ids.VERIFY_STATUS}.color"] == "danger"
    assert "broken at record" in broken[f"{audit_ids.VERIFY_STATUS}.children"]


def test_subject_access_and_erasure_with_confirmation(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        conn.execute(
            text("INSERT INTO client_identities VALUES (:p, 'CL-7', :t, :t)"),
            {"p": "e" * 32, "t": T0},
        )
        insert(conn, [order(order_id="c7", client_ref="e" * 32)], [])
    compliance = signed_in(server, accounts["compliance"])
    client = {f"{client_ids.CLIENT}.value": "CL-7", f"{client_ids.ACCESS}.n_clicks": 1}
    access = updates(fire_input(compliance, f"{client_ids.ACCESS}.n_clicks", client))
    document = orjson.loads(base64.b64decode(access[f"{client_ids.DOWNLOAD}.data"]["content"]))
    assert document["client_id"] == "CL-7" and [o["order_id"] for o in document["orders"]] == ["c7"]  # noqa: E501
    asked = updates(
        fire_input(
            compliance,
            f"{client_ids.ERASE}.n_clicks",
            {**client, f"{client_ids.ERASE}.n_clicks": 1},
        )
    )
    assert asked[f"{client_ids.CONFIRM}.is_open"] is True
    with Session(committed_db) as db:
        assert db.get(ClientIdentity, "e" * 32) is not None  # nothing erased before "Erase"
    done = updates(
        fire_input(
            compliance,
            f"{client_ids.CONFIRM_YES}.n_clicks",
            {**client, f"{client_ids.CONFIRM_YES}.n_clicks": 1},
        )
    )
    assert done[f"{client_ids.STATUS}.color"] == "success"
    with Session(committed_db) as db:
        assert db.get(ClientIdentity, "e" * 32) is None
    again = updates(fire_input(compliance, f"{client_ids.ACCESS}.n_clicks", client))
    assert again[f"{client_ids.CLIENT}.invalid"] is True
    assert _actions(committed_db)[-2:] == ["client.subject_access", "client.erase"]


def test_admins_edit_retention_with_validation_next_to_the_field(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    admin = signed_in(server, accounts["admin"])

    def save(data_class: str, days: str) -> dict[str, Any]:
        values = {
            f"{retention_ids.SAVE}.n_clicks": 1,
            f"{retention_ids.DATA_CLASS}.value": data_class,
            f"{retention_ids.KEEP_DAYS}.value": days,
            f"{retention_ids.CHANGES}.data": 0,
        }
        return updates(fire_input(admin, f"{retention_ids.SAVE}.n_clicks", values))

    refused = save("orders", "30")
    assert refused[f"{retention_ids.KEEP_DAYS}.invalid"] is True
    assert "at least 1826 days" in refused[f"{retention_ids.KEEP_DAYS_FEEDBACK}.children"]
    saved = save("quote_mids", "45")
    assert saved[f"{retention_ids.STATUS}.color"] == "success"
    listed = updates(
        fire_input(admin, f"{retention_ids.CHANGES}.data", {f"{retention_ids.CHANGES}.data": 1})
    )
    rows = {r["data_class"]: r for r in listed[f"{retention_ids.GRID}.rowData"]}
    assert (
        rows["quote_mids"]["keep_days"] == 45
        and rows["quote_mids"]["updated_by"] == "admin@desk.example"
    )
    assert _actions(committed_db)[-1] == "retention.update"
