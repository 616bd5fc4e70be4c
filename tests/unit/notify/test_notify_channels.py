"""Channel payloads, signatures, validation messages, error classes and the retry backoff."""

from __future__ import annotations

import datetime as dt
import random

import orjson
import pytest

from app.config import load_settings
from app.notify.channels import pagerduty, slack, teams, webhook
from app.notify.channels.http import is_retryable_status
from app.notify.delivery import backoff_s
from app.notify.message import AlertNotification, render
from app.notify.registry import adapter_for, adapters
from app.notify.secrets import SecretsUnreadableError, seal, unseal

pytestmark = pytest.mark.unit

FIRED = dt.datetime(2026, 11, 24, 10, 30, 5, tzinfo=dt.UTC)
ALERT = AlertNotification(
    alert_event_id=41,
    rule_id=7,
    rule_name="LP reject rate",
    rule_version=3,
    transition="firing",
    state="firing",
    severity="critical",
    fired_at=FIRED,
    resolved_at=None,
    value=0.125,
    message="Reject rate high",
    labels={"lp": "LP-A"},
    instance_key="LP-A",
)


def test_the_registry_has_one_adapter_per_kind() -> None:
    kinds = [adapter.kind for adapter in adapters()]
    assert sorted(kinds) == sorted(
        ["email", "webhook", "slack", "teams", "pagerduty", "sms", "voice", "push"]
    )


def test_the_webhook_signature_is_hmac_sha256_of_timestamp_and_raw_body() -> None:
    # printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'k'
    expected = "sha256=1b6ad1bc9bf48c52ce01939866d5877c6cc4e87ddad27e16673cb8c4964394a3"
    assert webhook.sign("k", 1_700_000_000, b'{"a":1}') == expected


def test_a_receiver_refuses_a_changed_body_a_wrong_key_and_an_old_timestamp() -> None:
    body, ts = b'{"a":1}', 1_700_000_000
    good = webhook.sign("k", ts, body)
    assert webhook.verify("k", ts, body, good, now=ts + 10)
    assert not webhook.verify("k", ts, b'{"a":2}', good, now=ts + 10)
    assert not webhook.verify("other", ts, body, good, now=ts + 10)
    assert not webhook.verify("k", ts, body, good, now=ts + 301)


def test_the_webhook_body_carries_the_alert_and_the_delivery_id() -> None:
    body = orjson.loads(webhook.payload(5, ALERT, render(ALERT)))
    assert body["delivery_id"] == 5
    assert body["dedup_key"] == "tradedash-rule7-LP-A"
    assert body["alert"] == {
        "event_id": 41,
        "rule_id": 7,
        "rule_name": "LP reject rate",
        "rule_version": 3,
        "state": "firing",
        "severity": "critical",
        "fired_at": "2026-11-24T10:30:05+00:00",
        "resolved_at": None,
        "value": 0.125,
        "message": "Reject rate high",
        "instance_key": "LP-A",
        "labels": {"lp": "LP-A"},
        "link": None,
    }


def test_slack_gets_text_and_blocks() -> None:
    body = slack.payload(ALERT, render(ALERT))
    assert body["text"] == "[FIRING] CRITICAL LP reject rate: Reject rate high"
    assert body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "[FIRING] CRITICAL LP reject rate"},
    }
    assert body["blocks"][2]["fields"][0] == {
        "type": "mrkdwn",
        "text": "*Rule*\nLP reject rate (v3)",
    }


def test_teams_gets_an_adaptive_card() -> None:
    body = teams.payload(ALERT, render(ALERT))
    attachment = body["attachments"][0]
    assert body["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["color"] == "Attention"
    assert card["body"][2]["facts"][1] == {"title": "Severity", "value": "critical"}


@pytest.mark.parametrize(
    ("transition", "action"),
    [("firing", "trigger"), ("escalated", "trigger"), ("acknowledged", "acknowledge"),
     ("resolved", "resolve")],
)  # fmt: skip
def test_pagerduty_events_share_the_instance_dedup_key(transition: str, action: str) -> None:
    alert = AlertNotification(**{**ALERT.__dict__, "transition": transition})
    body = pagerduty.payload("R" * 32, alert, render(alert))
    assert body["event_action"] == action
    assert body["dedup_key"] == "tradedash-rule7-LP-A"
    assert ("payload" in body) == (action == "trigger")


def test_a_pagerduty_trigger_has_the_required_payload() -> None:
    body = pagerduty.payload("R" * 32, ALERT, render(ALERT))
    assert body["payload"]["summary"] == "[FIRING] CRITICAL LP reject rate: Reject rate high"
    assert body["payload"]["source"] == "tradedash"
    assert body["payload"]["severity"] == "critical"
    assert body["payload"]["timestamp"] == "2026-11-24T10:30:05+00:00"


@pytest.mark.parametrize(
    ("kind", "config", "secrets", "problems"),
    [
        ("email", {"recipients": "a@b.example, nope"}, {}, {"recipients": "Not an e-mail address: nope."}),  # noqa: E501
        ("email", {}, {}, {"recipients": "Recipients is required."}),
        ("webhook", {"url": "http://hooks.example/x", "timeout_s": "90"}, {"signing_secret": "short"},  # noqa: E501
         {"url": "Use https:// (plain http is only allowed to this machine).",
          "signing_secret": "Use at least 16 characters.",
          "timeout_s": "Enter a number of seconds between 1 and 60."}),
        ("webhook", {"url": "http://127.0.0.1:9/x"}, {"signing_secret": "s" * 16}, {}),
        ("slack", {}, {"webhook_url": "ftp://x"}, {"webhook_url": "Enter a full URL starting with https://."}),
        ("pagerduty", {}, {"routing_key": "abc"}, {"routing_key": "An integration key has 32 characters."}),  # noqa: E501
        ("sms", {"account_sid": "AC1", "from_number": "0770", "to_numbers": "+447700900123, 12"},
         {"auth_token": "t"},
         {"from_number": "Use the international format, e.g. +447700900123.",
          "to_numbers": "Not in the international format: 12."}),
        ("push", {"account_sid": "AC1", "service_sid": "IS1"}, {},
         {"auth_token": "Auth token is required.", "identities": "Identities is required."}),
    ],
)  # fmt: skip
def test_validation_names_each_bad_field(
    kind: str, config: dict[str, str], secrets: dict[str, str], problems: dict[str, str]
) -> None:
    assert adapter_for(kind).validate(config, secrets) == problems


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(400, False), (401, False), (404, False), (408, True), (410, False), (429, True),
     (500, True), (503, True), (599, True)],
)  # fmt: skip
def test_which_http_answers_are_retried(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable


def test_backoff_doubles_from_two_seconds_up_to_five_minutes_with_jitter() -> None:
    class Fixed(random.Random):
        def __init__(self, fraction: float) -> None:
            super().__init__()
            self.fraction = fraction

        def uniform(self, a: float, b: float) -> float:
            return a + (b - a) * self.fraction

    low, high = Fixed(0.0), Fixed(1.0)
    assert [backoff_s(n, low) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert [backoff_s(n, high) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_s(9, low) == 150.0 and backoff_s(20, high) == 300.0


def test_secrets_are_encrypted_and_come_back_only_under_the_same_key() -> None:
    settings = load_settings(secret_key="a" * 40)
    sealed = seal(settings, {"signing_secret": "top-secret-value", "empty": ""})
    assert sealed is not None and b"top-secret-value" not in sealed
    assert unseal(settings, sealed) == {"signing_secret": "top-secret-value"}
    assert seal(settings, {"x": ""}) is None
    with pytest.raises(SecretsUnreadableError):
        unseal(load_settings(secret_key="b" * 40), sealed)
