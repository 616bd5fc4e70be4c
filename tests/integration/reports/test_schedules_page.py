"""The Report schedules page through real ``/_dash-update-component`` requests: saving with
validation messages, ownership enforced in the callbacks (403 for someone else's schedule),
the run log, and "Send test now" through a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import page_data
import pytest
import sqlalchemy as sa
from conftest import PASSWORD, add_users, free_port
from flask import Flask
from flask.testing import FlaskClient
from page_data import dash_app, fire_input, updates
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models.reports import ExportRun, ExportSchedule, ReportS3Target
from app.mail.catcher import MailCatcher, caught_messages
from app.reports.s3_secret import open_secret
from pages.ids import reports_schedules as ids

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def catcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailCatcher]:
    data_dir = Path(tmp_path_factory.mktemp("data"))
    mail = MailCatcher(data_dir / "mail", port=free_port()).start()
    yield mail
    mail.stop()


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str, catcher: MailCatcher) -> Iterator[Flask]:
    settings = base_settings.model_copy(
        update={
            "database_url": database_url,
            "smtp_port": catcher.port,
            "data_dir": catcher.directory.parent,
        }
    )
    with dash_app(settings) as app:
        yield app.server


@pytest.fixture
def users(server: Flask, committed_db: sa.Engine) -> dict[str, int]:
    return add_users(committed_db, "analyst", "manager", "admin")


def signed_in(server: Flask, role: str) -> FlaskClient:
    return page_data.signed_in(server, f"{role}@desk.example", PASSWORD)


FORM = {
    f"{ids.NAME}.value": "Morning pack",
    f"{ids.KIND}.value": "daily_desk",
    f"{ids.FORMAT}.value": "csv",
    f"{ids.PRESET}.value": "daily",
    f"{ids.TIME}.value": "07:00",
    f"{ids.WEEKDAY}.value": "mon",
    f"{ids.DAY}.value": 1,
    f"{ids.CRON}.value": "",
    f"{ids.TIMEZONE}.value": "Europe/London",
    f"{ids.RECIPIENTS}.value": "desk@broker.example",
    f"{ids.SYMBOLS}.value": "eurusd",
    f"{ids.LPS}.value": "",
    f"{ids.BOOKS}.value": ["A"],
    f"{ids.RULES}.value": "",
    f"{ids.CURRENCY}.value": "USD",
    f"{ids.TIMEOUT}.value": "900",
    f"{ids.ENABLED}.value": True,
}


def save(
    client: FlaskClient, selected: int | None = None, changes: dict[str, Any] | None = None
) -> Any:
    values = {**FORM, **(changes or {}), f"{ids.SELECTED}.data": selected, f"{ids.CHANGES}.data": 0}
    return fire_input(client, f"{ids.SAVE}.n_clicks", {f"{ids.SAVE}.n_clicks": 1, **values})


def tables(client: FlaskClient) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out = updates(fire_input(client, f"{ids.CHANGES}.data", {f"{ids.CHANGES}.data": 1}))
    return out[f"{ids.GRID}.rowData"], out[f"{ids.RUNS}.rowData"]


def test_a_manager_saves_and_sees_only_their_own_schedules(
    server: Flask, users: dict[str, int], committed_db: sa.Engine
) -> None:
    manager = signed_in(server, "manager")
    out = updates(save(manager))
    assert out[f"{ids.STATUS}.color"] == "success"
    assert out[f"{ids.STATUS}.children"].startswith("Saved 'Morning pack': next run ")
    mine = out[f"{ids.SELECTED}.data"]

    admin = signed_in(server, "admin")
    theirs = updates(save(admin, changes={f"{ids.NAME}.value": "Admin pack"}))[
        f"{ids.SELECTED}.data"
    ]
    with Session(committed_db) as db:
        owners = dict(db.execute(sa.select(ExportSchedule.id, ExportSchedule.owner_id)).all())
        schedule = db.get_one(ExportSchedule, mine)
        assert (schedule.filters, schedule.cron) == (
            {"symbols": ["EURUSD"], "books": ["A"]},
            "0 7 * * *",
        )
    assert owners == {mine: users["manager"], theirs: users["admin"]}

    rows, _ = tables(manager)
    assert [(r["id"], r["owner"], r["when"]) for r in rows] == [
        (mine, "manager@desk.example", "daily 07:00 Europe/London")
    ]
    assert {r["id"] for r in tables(admin)[0]} == {mine, theirs}

    # Someone else's schedule, posted by hand: refused by the callback itself.
    assert (
        save(manager, selected=theirs, changes={f"{ids.NAME}.value": "Hijacked"}).status_code == 403
    )
    pick = {f"{ids.GRID}.selectedRows": [{"id": theirs}], f"{ids.NEW}.n_clicks": None}
    assert fire_input(manager, f"{ids.GRID}.selectedRows", pick).status_code == 403
    delete = {f"{ids.DELETE}.n_clicks": 1, f"{ids.SELECTED}.data": theirs}
    assert fire_input(manager, f"{ids.DELETE}.n_clicks", delete).status_code == 403
    with Session(committed_db) as db:
        assert db.get_one(ExportSchedule, theirs).name == "Admin pack"

    # An admin edits anyone's; the owner stays.
    renamed = save(admin, selected=mine, changes={f"{ids.NAME}.value": "Renamed by admin"})
    assert updates(renamed)[f"{ids.STATUS}.color"] == "success"
    with Session(committed_db) as db:
        schedule = db.get_one(ExportSchedule, mine)
        assert (schedule.name, schedule.owner_id) == ("Renamed by admin", users["manager"])

    # An analyst has no schedules at all (the callback refuses: no update).
    analyst = signed_in(server, "analyst")
    assert fire_input(analyst, f"{ids.CHANGES}.data", {f"{ids.CHANGES}.data": 1}).status_code == 204


def test_bad_fields_get_messages_next_to_them(server: Flask, users: dict[str, int]) -> None:
    manager = signed_in(server, "manager")
    out = updates(
        save(
            manager,
            changes={
                f"{ids.RECIPIENTS}.value": "desk@broker.example, nobody",
                f"{ids.TIME}.value": "7pm",
                f"{ids.TIMEZONE}.value": "London",
                f"{ids.KIND}.value": "best_execution",
            },
        )
    )
    assert out[f"{ids.feedback('recipients')}.children"] == "'nobody' is not an e-mail address"
    assert out[f"{ids.RECIPIENTS}.invalid"] is True
    assert out[f"{ids.feedback('time')}.children"].startswith("'7pm' is not a time of day")
    assert out[f"{ids.feedback('timezone')}.children"] == (
        "'London' is not an IANA timezone such as Europe/London"
    )
    # Regulatory reports are for compliance and up.
    assert out[f"{ids.feedback('kind')}.children"] == (
        "choose a kind: daily_desk, weekly_lp, monthly_rules"
    )
    assert out[f"{ids.NAME}.invalid"] is False and out[f"{ids.feedback('name')}.children"] == ""
    assert out[f"{ids.STATUS}.children"] == "Nothing was saved: correct the marked fields."


def test_send_test_now_mails_the_requester_and_logs_the_run(
    server: Flask, users: dict[str, int], catcher: MailCatcher, committed_db: sa.Engine
) -> None:
    manager = signed_in(server, "manager")
    mine = updates(save(manager))[f"{ids.SELECTED}.data"]
    before = len(caught_messages(catcher.directory))
    out = updates(
        fire_input(
            manager,
            f"{ids.TEST}.n_clicks",
            {f"{ids.TEST}.n_clicks": 1, f"{ids.SELECTED}.data": mine, f"{ids.CHANGES}.data": 3},
        )
    )
    assert out[f"{ids.STATUS}.color"] == "success", out
    assert out[f"{ids.STATUS}.children"].startswith("Test report sent to manager@desk.example")
    caught = caught_messages(catcher.directory)
    assert len(caught) == before + 1
    assert caught[0].to == "manager@desk.example"
    assert caught[0].subject.startswith("[TEST] Morning pack: Daily desk summary, ")
    _, runs = tables(manager)
    [run] = runs
    assert (run["trigger"], run["status"], run["recipients"]) == (
        "test", "succeeded", "manager@desk.example"
    )  # fmt: skip
    with Session(committed_db) as db:
        stored = db.scalars(sa.select(ExportRun)).one()
        assert stored.attachment_sha256 == run["sha256"] and len(run["sha256"]) == 64


def test_the_mailbox_page_shows_and_downloads_caught_mail(
    server: Flask, users: dict[str, int], catcher: MailCatcher
) -> None:
    from pages.ids import admin_mailbox as mailbox

    manager = signed_in(server, "manager")
    mine = updates(save(manager))[f"{ids.SELECTED}.data"]
    test = {f"{ids.TEST}.n_clicks": 1, f"{ids.SELECTED}.data": mine, f"{ids.CHANGES}.data": 1}
    assert (
        updates(fire_input(manager, f"{ids.TEST}.n_clicks", test))[f"{ids.STATUS}.color"]
        == "success"
    )

    admin = signed_in(server, "admin")
    listed = updates(fire_input(admin, f"{mailbox.REFRESH}.n_clicks", {}))
    newest = listed[f"{mailbox.GRID}.rowData"][0]
    assert newest["to"] == "manager@desk.example" and newest["attachments"].endswith(".csv")
    shown = updates(
        fire_input(
            admin, f"{mailbox.GRID}.selectedRows", {f"{mailbox.GRID}.selectedRows": [newest]}
        )
    )
    assert "Schedule: Morning pack" in shown[f"{mailbox.BODY}.children"]
    [attachment] = shown[f"{mailbox.ATTACHMENT}.options"]
    values = {
        f"{mailbox.DOWNLOAD_ATTACHMENT}.n_clicks": 1,
        f"{mailbox.GRID}.selectedRows": [newest],
        f"{mailbox.ATTACHMENT}.value": attachment,
    }
    download = updates(fire_input(admin, f"{mailbox.DOWNLOAD_ATTACHMENT}.n_clicks", values))
    assert download[f"{mailbox.DOWNLOAD}.data"]["filename"] == attachment
    # A manager may not read the desk's mail.
    assert fire_input(manager, f"{mailbox.REFRESH}.n_clicks", {}).status_code == 204


S3_FORM = {
    f"{ids.S3_ENABLED}.value": True,
    f"{ids.S3_ENDPOINT}.value": "https://minio.desk.example:9000",
    f"{ids.S3_REGION}.value": "eu-west-2",
    f"{ids.S3_BUCKET}.value": "desk-reports",
    f"{ids.S3_PREFIX}.value": "packs/{schedule}/{date:%Y/%m}/",
    f"{ids.S3_ACCESS_KEY}.value": "AKIADESK",
    f"{ids.S3_SECRET}.value": "first-secret",
}


def test_bad_s3_fields_get_messages_next_to_them(server: Flask, users: dict[str, int]) -> None:
    manager = signed_in(server, "manager")
    bad = {
        **S3_FORM,
        f"{ids.S3_ENDPOINT}.value": "ftp://files.example",
        f"{ids.S3_REGION}.value": "EU WEST",
        f"{ids.S3_BUCKET}.value": "Desk_Reports",
        f"{ids.S3_PREFIX}.value": "packs/{schedule.__class__}/",
        f"{ids.S3_ACCESS_KEY}.value": "",
        f"{ids.S3_SECRET}.value": "",
    }
    out = updates(save(manager, changes=bad))
    messages = {name: out[f"{ids.feedback(name)}.children"] for name in ids.FIELDS}
    assert messages["s3_endpoint_url"] == "an http:// or https:// URL"
    assert messages["s3_region"] == "a region such as eu-west-2 (letters, digits and hyphens)"
    assert messages["s3_bucket"].startswith("lower-case letters, digits, dots and hyphens")
    assert messages["s3_prefix"].startswith("unknown placeholder {schedule.__class__}")
    assert messages["s3_access_key_id"] == "the access key id is needed"
    assert messages["s3_secret_access_key"] == "the secret access key is needed"
    assert out[f"{ids.S3_BUCKET}.invalid"] is True and out[f"{ids.NAME}.invalid"] is False
    assert out[f"{ids.STATUS}.children"] == "Nothing was saved: correct the marked fields."


def test_the_s3_secret_is_stored_sealed_and_never_shown_again(
    server: Flask, users: dict[str, int], committed_db: sa.Engine
) -> None:
    manager = signed_in(server, "manager")
    out = updates(save(manager, changes=S3_FORM))
    mine = out[f"{ids.SELECTED}.data"]
    assert out[f"{ids.S3_SECRET}.value"] == "" and out[f"{ids.S3_SECRET_STATE}.children"] == (
        "Secret access key: set. Leave the field empty to keep it, or type one to replace it."
    )
    settings = server.extensions["tradedash"].settings
    with Session(committed_db) as db:
        first = db.get_one(ReportS3Target, mine)
        assert b"first-secret" not in first.secret_encrypted
        assert open_secret(settings, first.secret_encrypted) == "first-secret"
        assert (first.bucket, first.key_prefix) == (
            "desk-reports",
            "packs/{schedule}/{date:%Y/%m}/",
        )

    pick = {f"{ids.GRID}.selectedRows": [{"id": mine}], f"{ids.NEW}.n_clicks": None}
    picked = fire_input(manager, f"{ids.GRID}.selectedRows", pick)
    assert b"first-secret" not in picked.get_data()
    form = updates(picked)
    assert form[f"{ids.S3_SECRET}.value"] == "" and form[f"{ids.S3_BUCKET}.value"] == "desk-reports"
    assert form[f"{ids.S3_SECRET_STATE}.children"].startswith("Secret access key: set.")

    # Saved again with the secret left empty: the stored one is kept; a new one replaces it.
    kept = {**S3_FORM, f"{ids.S3_SECRET}.value": "", f"{ids.S3_BUCKET}.value": "desk-archive"}
    assert updates(save(manager, selected=mine, changes=kept))[f"{ids.STATUS}.color"] == "success"
    with Session(committed_db) as db:
        target = db.get_one(ReportS3Target, mine)
        assert target.bucket == "desk-archive"
        assert open_secret(settings, target.secret_encrypted) == "first-secret"
    replaced = {**S3_FORM, f"{ids.S3_SECRET}.value": "second-secret"}
    updates(save(manager, selected=mine, changes=replaced))
    with Session(committed_db) as db:
        target = db.get_one(ReportS3Target, mine)
        assert open_secret(settings, target.secret_encrypted) == "second-secret"

    # Someone else's schedule cannot get a bucket; switching S3 off removes the target.
    admin = signed_in(server, "admin")
    theirs = updates(save(admin, changes={f"{ids.NAME}.value": "Admin pack"}))[
        f"{ids.SELECTED}.data"
    ]
    assert save(manager, selected=theirs, changes=S3_FORM).status_code == 403
    off = {**S3_FORM, f"{ids.S3_ENABLED}.value": False}
    assert updates(save(manager, selected=mine, changes=off))[f"{ids.STATUS}.color"] == "success"
    with Session(committed_db) as db:
        assert db.get(ReportS3Target, mine) is None
        assert db.get(ReportS3Target, theirs) is None


def test_the_page_lays_out_the_s3_fields_with_a_write_only_secret(
    server: Flask, users: dict[str, int]
) -> None:
    manager = signed_in(server, "manager")
    values = {"_pages_location.pathname": "/reports/schedules", "_pages_location.search": ""}
    routed = page_data.fire(manager, "_pages_content.children", values, "_pages_location.pathname")
    layout = updates(routed)["_pages_content.children"]
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props, dict) and isinstance(props.get("id"), str):
                found[props["id"]] = props
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(layout)
    for control in (ids.S3_ENABLED, ids.S3_ENDPOINT, ids.S3_REGION, ids.S3_BUCKET, ids.S3_PREFIX,
                    ids.S3_ACCESS_KEY, ids.S3_SECRET, ids.S3_SECRET_STATE):  # fmt: skip
        assert control in found, control
    assert found[ids.S3_SECRET]["type"] == "password" and "value" not in found[ids.S3_SECRET]
    assert found[ids.S3_ENABLED]["value"] is False
    assert {ids.feedback(name) for name in ids.FIELDS} <= set(found)
