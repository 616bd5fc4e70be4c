"""Each channel delivering for real to local receivers, retries, and the delivery log."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import parse_qs

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models.notifications import NotificationDelivery
from app.notify import dispatch
from app.notify.channels import webhook
from app.notify.delivery import deliver
from app.notify.outbox import enqueue_alert_notification

from .conftest import SIGNING_SECRET, ChannelFactory, store_alert_event
from .receivers import HttpReceiver, MailBox, Recorded, body_parts

pytestmark = pytest.mark.integration

ROUTING_KEY = "R0UT1NGKEY0123456789abcdef012345"


@pytest.fixture
def dispatched() -> Iterator[list[int]]:
    """The ids handed to the workers (this module calls ``deliver`` itself)."""
    sent: list[int] = []
    dispatch.set_dispatcher(sent.extend)
    yield sent
    dispatch.set_dispatcher(None)


def enqueue(engine: sa.Engine, event_id: int, channel_id: int, transition: str = "firing") -> int:
    with Session(engine) as session, session.begin():
        [delivery_id] = enqueue_alert_notification(session, event_id, [channel_id], transition)  # type: ignore[arg-type]
    return delivery_id


def logged(engine: sa.Engine, delivery_id: int) -> NotificationDelivery:
    with Session(engine, expire_on_commit=False) as session:
        return session.get_one(NotificationDelivery, delivery_id)


def signature_ok(got: Recorded) -> bool:
    return webhook.verify(
        SIGNING_SECRET,
        int(got.headers["X-Tradedash-Timestamp"]),
        got.body,
        got.headers["X-Tradedash-Signature"],
        now=got.at,
    )


def webhook_channel(make_channel: ChannelFactory, receiver: HttpReceiver) -> int:
    return make_channel("webhook", url=f"{receiver.url}/hook", signing_secret=SIGNING_SECRET)


def test_a_signed_webhook_is_delivered_once_and_logged(
    committed_db: sa.Engine, notify_settings: Settings, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    receiver.check = signature_ok
    delivery_id = enqueue(committed_db, alert_event, webhook_channel(make_channel, receiver))
    assert dispatched == [delivery_id]

    outcome = deliver(committed_db, notify_settings, delivery_id)
    again = deliver(committed_db, notify_settings, delivery_id)

    assert (outcome.state, outcome.status, again.state) == ("delivered", 200, "skipped")
    [got] = receiver.requests
    assert receiver.failures == []
    assert got.path == "/hook"
    assert got.headers["X-Tradedash-Delivery"] == str(delivery_id)
    body = orjson.loads(got.body)
    assert (body["transition"], body["alert"]["event_id"]) == ("firing", alert_event)
    assert body["alert"]["rule_name"] == "LP reject rate"
    assert body["alert"]["labels"] == {"lp": "LP-A", "instance_key": "r1-LPA"}
    row = logged(committed_db, delivery_id)
    assert (row.state, row.attempts, row.response_status, row.last_error) == (
        "delivered", 1, 200, None,
    )  # fmt: skip
    assert row.delivered_at is not None


def test_a_receiver_that_fails_twice_gets_the_third_attempt(
    committed_db: sa.Engine, notify_settings: Settings, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    receiver.fail_next, receiver.check = 2, signature_ok
    delivery_id = enqueue(committed_db, alert_event, webhook_channel(make_channel, receiver))

    outcomes = [deliver(committed_db, notify_settings, delivery_id) for _ in range(3)]

    assert [o.state for o in outcomes] == ["queued", "queued", "delivered"]
    # Backoff with base 0.2 s: attempt 1 waits 0.1–0.2 s, attempt 2 waits 0.2–0.4 s.
    assert 0.1 <= outcomes[0].retry_in_s <= 0.2  # type: ignore[operator]
    assert 0.2 <= outcomes[1].retry_in_s <= 0.4  # type: ignore[operator]
    assert outcomes[0].error == f"HTTP 500 from {receiver.url}/hook: failing on purpose"
    assert len(receiver.failures) == 2 and len(receiver.requests) == 1
    # Every retry carries the same delivery id, so the receiver can drop duplicates.
    ids = {r.headers["X-Tradedash-Delivery"] for r in receiver.failures + receiver.requests}
    assert ids == {str(delivery_id)}
    row = logged(committed_db, delivery_id)
    assert (row.state, row.attempts, row.last_error) == ("delivered", 3, None)


def test_timeouts_are_retried_until_the_last_attempt_then_failed(
    committed_db: sa.Engine, notify_settings: Settings, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    receiver.fail_next, receiver.hang_s = 2, 1.5
    channel = make_channel(
        "webhook", url=f"{receiver.url}/slow", signing_secret=SIGNING_SECRET, timeout_s="1"
    )
    delivery_id = enqueue(committed_db, alert_event, channel)

    outcomes = [deliver(committed_db, notify_settings, delivery_id, max_attempts=2)
                for _ in range(2)]  # fmt: skip

    assert [o.state for o in outcomes] == ["queued", "failed"]
    assert outcomes[1].error == f"no answer from {receiver.url}/slow within 1 s"
    row = logged(committed_db, delivery_id)
    assert (row.state, row.attempts) == ("failed", 2)


def test_a_client_error_fails_at_once_and_a_wrong_signature_is_refused(
    committed_db: sa.Engine, notify_settings: Settings, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    receiver.check = lambda got: webhook.verify(
        "another-secret-entirely", int(got.headers["X-Tradedash-Timestamp"]), got.body,
        got.headers["X-Tradedash-Signature"], now=got.at,
    )  # fmt: skip
    delivery_id = enqueue(committed_db, alert_event, webhook_channel(make_channel, receiver))

    outcome = deliver(committed_db, notify_settings, delivery_id)

    assert (outcome.state, outcome.status, outcome.retry_in_s) == ("failed", 401, None)
    assert len(receiver.failures) == 1 and receiver.requests == []
    assert logged(committed_db, delivery_id).last_error == (
        f"HTTP 401 from {receiver.url}/hook: bad signature"
    )


def test_slack_and_teams_receive_their_webhook_formats(
    committed_db: sa.Engine, notify_settings: Settings, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    slack = make_channel("slack", webhook_url=f"{receiver.url}/slack")
    teams = make_channel("teams", webhook_url=f"{receiver.url}/teams")
    for channel in (slack, teams):
        delivery_id = enqueue(committed_db, alert_event, channel)
        assert deliver(committed_db, notify_settings, delivery_id).state == "delivered"

    by_path = {got.path: orjson.loads(got.body) for got in receiver.requests}
    title = "[FIRING] CRITICAL LP reject rate"
    assert by_path["/slack"]["text"] == f"{title}: Reject rate 12.5% > 5% on LP-A"
    assert by_path["/slack"]["blocks"][0]["text"]["text"] == title
    card = by_path["/teams"]["attachments"][0]["content"]
    assert card["body"][0]["text"] == title
    assert card["actions"][0]["url"].endswith(f"/alerts?event={alert_event}")


def test_pagerduty_triggers_acknowledges_and_resolves_one_incident(
    committed_db: sa.Engine, notify_settings: Settings, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    receiver.answer_status, receiver.answer_body = 202, b'{"status":"success"}'
    channel = make_channel(
        "pagerduty", routing_key=ROUTING_KEY, events_url=f"{receiver.url}/v2/enqueue"
    )
    resolved = store_alert_event(committed_db, state="resolved")  # the same instance, resolved
    for event, transition in ((alert_event, "firing"), (alert_event, "acknowledged"),
                              (resolved, "resolved")):  # fmt: skip
        outcome = deliver(
            committed_db, notify_settings, enqueue(committed_db, event, channel, transition)
        )
        assert (outcome.state, outcome.status) == ("delivered", 202)

    bodies = [orjson.loads(got.body) for got in receiver.requests]
    assert [b["event_action"] for b in bodies] == ["trigger", "acknowledge", "resolve"]
    [dedup_key] = {b["dedup_key"] for b in bodies}
    assert dedup_key.startswith("tradedash-rule") and dedup_key.endswith("-r1-LPA")
    assert {b["routing_key"] for b in bodies} == {ROUTING_KEY}
    assert bodies[0]["payload"]["severity"] == "critical"
    assert bodies[0]["payload"]["timestamp"] == "2026-11-24T10:30:05+00:00"


def test_sms_voice_and_push_use_the_twilio_style_api(
    committed_db: sa.Engine, notify_settings: Settings, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    receiver.answer_status, receiver.answer_body = 201, b'{"sid":"SM1"}'
    common = {"account_sid": "AC123", "auth_token": "tok-en", "base_url": receiver.url}
    numbers = {"from_number": "+447700900000", "to_numbers": "+447700900123, +447700900124"}
    channels = [
        make_channel("sms", **common, **numbers),
        make_channel("voice", **common, **numbers),
        make_channel("push", **common, push_base_url=receiver.url, service_sid="IS9",
                     identities="trader-1"),
    ]  # fmt: skip
    for channel in channels:
        assert (
            deliver(
                committed_db, notify_settings, enqueue(committed_db, alert_event, channel)
            ).state
            == "delivered"
        )

    summary = "[FIRING] CRITICAL LP reject rate: Reject rate 12.5% > 5% on LP-A"
    got = [(r.path, parse_qs(r.body.decode())) for r in receiver.requests]
    assert got[:2] == [
        ("/2010-04-01/Accounts/AC123/Messages.json",
         {"To": [number], "From": ["+447700900000"], "Body": [summary]})
        for number in ("+447700900123", "+447700900124")
    ]  # fmt: skip
    assert got[2][0] == "/2010-04-01/Accounts/AC123/Calls.json"
    assert got[2][1]["Twiml"] == [
        f"<Response><Say>{summary.replace('>', '&gt;')}</Say>"
        f"<Say>{summary.replace('>', '&gt;')}</Say></Response>"
    ]
    assert got[4] == ("/v1/Services/IS9/Notifications",
                      {"Identity": ["trader-1"], "Title": ["[FIRING] CRITICAL LP reject rate"],
                       "Body": [summary]})  # fmt: skip
    auth = "Basic " + base64.b64encode(b"AC123:tok-en").decode()
    assert {r.headers["Authorization"] for r in receiver.requests} == {auth}
    form = "application/x-www-form-urlencoded"
    assert {r.headers["Content-Type"] for r in receiver.requests} == {form}


def test_an_email_channel_sends_text_and_html_to_every_recipient(
    committed_db: sa.Engine, notify_settings: Settings, mailbox: tuple[MailBox, int],
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    box, port = mailbox
    settings = notify_settings.model_copy(update={"smtp_port": port})
    channel = make_channel("email", recipients="desk@broker.example, risk@broker.example")

    outcome = deliver(committed_db, settings, enqueue(committed_db, alert_event, channel))

    assert (outcome.state, outcome.status) == ("delivered", 250)
    [message] = box.messages
    assert message["Subject"] == "[FIRING] CRITICAL LP reject rate"
    assert box.envelopes[0][1] == ["desk@broker.example", "risk@broker.example"]
    parts = body_parts(message)
    text, html = parts["text/plain"].decode(), parts["text/html"].decode()
    assert "Label lp: LP-A" in text and "<th align='left'>Label lp</th><td>LP-A</td>" in html


def test_nothing_is_sent_when_the_alert_transaction_rolls_back(
    committed_db: sa.Engine, make_channel: ChannelFactory, alert_event: int,
    dispatched: list[int],
) -> None:  # fmt: skip
    channel = make_channel("email", recipients="desk@broker.example")
    disabled = make_channel("email", name="disabled", recipients="x@broker.example")
    with Session(committed_db) as session, session.begin():
        session.execute(sa.text("UPDATE notification_channels SET enabled = false WHERE id = :id"),
                        {"id": disabled})  # fmt: skip
    with Session(committed_db) as session:
        with session.begin():
            enqueue_alert_notification(session, alert_event, [channel], "firing")
            session.rollback()
        assert dispatched == []
        with session.begin():
            ids = enqueue_alert_notification(
                session, alert_event, [channel, disabled, 999], "firing"
            )
    assert dispatched == ids and len(ids) == 1
    with Session(committed_db) as session:
        rows = session.scalars(sa.select(NotificationDelivery)).all()
    assert [(r.channel_id, r.state, r.attempts) for r in rows] == [(channel, "queued", 0)]


def test_editing_a_channel_keeps_a_secret_left_empty_and_never_returns_it(
    committed_db: sa.Engine, notify_settings: Settings, receiver: HttpReceiver,
    make_channel: ChannelFactory, alert_event: int, dispatched: list[int],
) -> None:  # fmt: skip
    from app.notify.store import list_channels, save_channel

    from .conftest import ADMIN

    channel = webhook_channel(make_channel, receiver)
    with Session(committed_db) as session, session.begin():
        view = save_channel(session, notify_settings, ADMIN, kind="webhook", name="renamed",
                            values={"url": f"{receiver.url}/moved", "signing_secret": ""},
                            channel_id=channel)  # fmt: skip
        stored = session.scalar(sa.text("SELECT secrets_encrypted FROM notification_channels"))
    assert (view.name, view.secrets_set) == ("renamed", ("signing_secret",))
    assert SIGNING_SECRET.encode() not in stored
    with Session(committed_db) as session:
        assert "signing_secret" not in str(list_channels(session, notify_settings)[0].config)

    receiver.check = signature_ok  # still signed with the secret entered at creation
    outcome = deliver(committed_db, notify_settings, enqueue(committed_db, alert_event, channel))
    assert outcome.state == "delivered" and receiver.requests[0].path == "/moved"


def test_the_sweep_finds_lost_and_abandoned_deliveries_only(
    committed_db: sa.Engine, make_channel: ChannelFactory, alert_event: int,
    dispatched: list[int],
) -> None:  # fmt: skip
    from app.notify.delivery import overdue_deliveries

    channel = make_channel("email", recipients="desk@broker.example")
    lost, fresh, abandoned, busy, done = (
        enqueue(committed_db, alert_event, channel) for _ in range(5)
    )
    with Session(committed_db) as session, session.begin():
        for delivery_id, state, age_s in (
            (lost, "queued", 61), (fresh, "queued", 30), (abandoned, "sending", 301),
            (busy, "sending", 100), (done, "delivered", 3600),
        ):  # fmt: skip
            session.execute(
                sa.text("UPDATE notification_deliveries SET state = :state, "
                        "next_attempt_at = now() - make_interval(secs => :age), "
                        "updated_at = now() - make_interval(secs => :age) WHERE id = :id"),
                {"state": state, "age": age_s, "id": delivery_id},
            )  # fmt: skip
    with Session(committed_db) as session:
        assert overdue_deliveries(session) == [lost, abandoned]
