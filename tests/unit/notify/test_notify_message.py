"""The notification content: built once, rendered into title, summary, text and HTML."""

from __future__ import annotations

import datetime as dt

import pytest

from app.notify.message import AlertNotification, render

pytestmark = pytest.mark.unit

FIRED = dt.datetime(2026, 11, 24, 10, 30, 5, tzinfo=dt.UTC)


def notification(**overrides: object) -> AlertNotification:
    values: dict[str, object] = {
        "alert_event_id": 41,
        "rule_id": 7,
        "rule_name": "LP reject rate",
        "rule_version": 3,
        "transition": "firing",
        "state": "firing",
        "severity": "critical",
        "fired_at": FIRED,
        "resolved_at": None,
        "value": 0.125,
        "message": "Reject rate 12.5% > 5% on LP-A",
        "labels": {"lp": "LP-A", "symbol": "EURUSD"},
        "link": "http://dash.example/alerts?event=41",
    }
    values.update(overrides)
    return AlertNotification(**values)  # type: ignore[arg-type]


def test_the_title_and_summary_name_the_transition_severity_and_rule() -> None:
    rendered = render(notification())
    assert rendered.title == "[FIRING] CRITICAL LP reject rate"
    assert rendered.summary == "[FIRING] CRITICAL LP reject rate: Reject rate 12.5% > 5% on LP-A"


def test_the_text_body_lists_the_facts_in_order() -> None:
    assert render(notification()).text == (
        "[FIRING] CRITICAL LP reject rate\n"
        "\n"
        "Reject rate 12.5% > 5% on LP-A\n"
        "\n"
        "Rule: LP reject rate (v3)\n"
        "Severity: critical\n"
        "State: firing\n"
        "Value: 0.125\n"
        "Fired at: 2026-11-24 10:30:05 UTC\n"
        "Label lp: LP-A\n"
        "Label symbol: EURUSD\n"
        "\n"
        "Open in TradeDash: http://dash.example/alerts?event=41\n"
    )


def test_a_resolution_shows_when_it_resolved_and_the_escalation_level() -> None:
    resolved = FIRED + dt.timedelta(minutes=4)
    text = render(
        notification(
            transition="resolved",
            state="resolved",
            resolved_at=resolved,
            escalation_level=2,
            value=None,
        )  # fmt: skip
    ).text
    assert text.startswith("[RESOLVED] CRITICAL LP reject rate\n")
    assert "Value: n/a\n" in text
    assert "Resolved at: 2026-11-24 10:34:05 UTC\nEscalation level: 2\n" in text


def test_the_html_body_escapes_what_the_rule_author_wrote() -> None:
    html = render(notification(message="<script>x</script> & more")).html
    assert "&lt;script&gt;x&lt;/script&gt; &amp; more" in html
    assert "<script>" not in html
    assert "<a href='http://dash.example/alerts?event=41'>Open in TradeDash</a>" in html


def test_the_dedup_key_is_the_same_for_every_event_of_an_instance() -> None:
    firing = notification()
    resolved = notification(alert_event_id=99, transition="resolved", state="resolved")
    other_symbol = notification(labels={"lp": "LP-A", "symbol": "GBPUSD"})
    assert firing.dedup_key == resolved.dedup_key
    assert firing.dedup_key.startswith("tradedash-rule7-")
    assert other_symbol.dedup_key != firing.dedup_key
    assert notification(instance_key="LP-A").dedup_key == "tradedash-rule7-LP-A"
    assert notification(labels={"instance_key": "LP-B"}).dedup_key == "tradedash-rule7-LP-B"
