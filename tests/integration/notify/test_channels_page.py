"""The Notification channels page through the real Flask app and Dash callbacks: field
messages, create, secrets never sent back, "Send test" to a local receiver, the log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from page_data import PASSWORD, assert_forbidden, dash_app, fire, signed_in, updates
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user
from app.config import Settings
from app.db.models.audit import AuditEntry
from pages.ids import admin_channels as ids

from .conftest import SIGNING_SECRET
from .receivers import HttpReceiver

pytestmark = pytest.mark.integration

ADMIN_EMAIL = "channels-admin@desk.example"
ANALYST_EMAIL = "channels-analyst@desk.example"


@pytest.fixture(scope="module")
def server(notify_settings: Settings) -> Iterator[Flask]:
    with dash_app(notify_settings) as app:
        yield app.server


@pytest.fixture
def people(committed_db: sa.Engine) -> None:
    with Session(committed_db) as db, db.begin():
        for email, role in ((ADMIN_EMAIL, "admin"), (ANALYST_EMAIL, "analyst")):
            create_user(db, Actor("test-setup", "system"), email=email, role=role,
                        password=PASSWORD, display_name=role.title())  # fmt: skip


def form(**values: Any) -> dict[str, Any]:
    fields = {f"{ids.field(name)}.value": value for name, value in values.items()}
    return {f"{ids.SAVE}.n_clicks": 1, f"{ids.ENABLED}.value": True,
            f"{ids.SELECTED}.data": None, f"{ids.CHANGES}.data": 0, **fields}  # fmt: skip


def test_an_analyst_cannot_open_the_page(server: Flask, people: None) -> None:
    assert_forbidden(signed_in(server, ANALYST_EMAIL), "/admin/channels")


def test_an_admin_sees_a_message_next_to_each_bad_field(server: Flask, people: None) -> None:
    admin = signed_in(server, ADMIN_EMAIL)
    values = form(url="http://hooks.example/x", signing_secret="short")
    values |= {f"{ids.KIND}.value": "webhook", f"{ids.NAME}.value": ""}
    out = updates(fire(admin, f"{ids.STATUS}.children", values, f"{ids.SAVE}.n_clicks"))
    assert out[f"{ids.STATUS}.color"] == "danger"
    assert out[f"{ids.NAME_FEEDBACK}.children"] == "Name is required."
    assert out[f"{ids.feedback('url')}.children"] == (
        "Use https:// (plain http is only allowed to this machine)."
    )
    assert out[f"{ids.feedback('signing_secret')}.children"] == "Use at least 16 characters."
    assert out[f"{ids.field('url')}.invalid"] is True
    assert out[f"{ids.field('recipients')}.invalid"] is False


def test_create_then_send_test_shows_the_result_and_logs_it(
    server: Flask, people: None, receiver: HttpReceiver, committed_db: sa.Engine
) -> None:
    admin = signed_in(server, ADMIN_EMAIL)
    values = form(url=f"{receiver.url}/hook", signing_secret=SIGNING_SECRET)
    values |= {f"{ids.KIND}.value": "webhook", f"{ids.NAME}.value": "Ops webhook"}
    saved = updates(fire(admin, f"{ids.STATUS}.children", values, f"{ids.SAVE}.n_clicks"))
    assert saved[f"{ids.STATUS}.children"] == "Channel 'Ops webhook' created."
    channel_id = saved[f"{ids.SELECTED}.data"]

    listed = updates(fire(admin, f"{ids.CHANNEL_GRID}.rowData", {f"{ids.CHANGES}.data": 1},
                          f"{ids.CHANGES}.data"))  # fmt: skip
    [row] = listed[f"{ids.CHANNEL_GRID}.rowData"]
    assert (row["name"], row["kind"], row["secrets"]) == (
        "Ops webhook",
        "webhook",
        "signing_secret",
    )
    assert SIGNING_SECRET not in str(listed)

    tested = updates(fire(admin, f"{ids.TEST_STATUS}.children",
                          {f"{ids.TEST}.n_clicks": 1, f"{ids.SELECTED}.data": channel_id},
                          f"{ids.TEST}.n_clicks"))  # fmt: skip
    assert tested[f"{ids.TEST_STATUS}.children"] == "Test message delivered (response 200)."
    [got] = receiver.requests
    assert b"Test message for channel 'Ops webhook'" in got.body

    log = updates(fire(admin, f"{ids.LOG_GRID}.rowData", {f"{ids.CHANGES}.data": 2},
                       f"{ids.CHANGES}.data"))[f"{ids.LOG_GRID}.rowData"]  # fmt: skip
    assert [(r["alert"], r["transition"], r["state"], r["attempts"], r["status"]) for r in log] == [
        ("test", "test", "delivered", 1, 200)
    ]
    with Session(committed_db) as db:
        actions = db.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["notification_channel.create", "notification_channel.test"]


def test_the_form_shows_only_the_fields_of_the_chosen_type(server: Flask, people: None) -> None:
    admin = signed_in(server, ADMIN_EMAIL)
    out = updates(fire(admin, f"{ids.wrapper('url')}.style", {f"{ids.KIND}.value": "sms"},
                       f"{ids.KIND}.value"))  # fmt: skip
    shown = sorted(key.split(".")[0] for key, style in out.items() if style == {})
    assert shown == sorted(
        ids.wrapper(name)
        for name in ("account_sid", "auth_token", "base_url", "from_number", "to_numbers")
    )
