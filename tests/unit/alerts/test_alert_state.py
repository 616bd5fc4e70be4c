"""The alert instance state machine, with hand-computed timelines."""

from __future__ import annotations

import datetime as dt

import pytest

from app.alerts.state import InstanceState, Timings, Verdict, advance

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
B, H, C, N, E = Verdict.BREACH, Verdict.HOLD, Verdict.CLEAR, Verdict.NODATA, Verdict.ERROR


def run(timeline: list[tuple[float, Verdict]], timings: Timings) -> list[tuple[str, str]]:
    """(state, event) after each (seconds after T0, verdict); event: fired/resolved/''."""
    state = InstanceState()
    out = []
    for seconds, verdict in timeline:
        step = advance(state, verdict, T0 + dt.timedelta(seconds=seconds), timings)
        state = step.state
        out.append((state.state, "fired" if step.fired else "resolved" if step.resolved else ""))
    return out


def test_a_breach_for_29_s_does_not_fire_30_s_does() -> None:
    timings = Timings(pending_s=30)
    assert run([(0, B), (29, B)], timings) == [("pending", ""), ("pending", "")]
    assert run([(0, B), (29, B), (30, B)], timings)[-1] == ("firing", "fired")


def test_a_clear_while_pending_restarts_the_pending_period() -> None:
    timings = Timings(pending_s=30)
    result = run([(0, B), (20, C), (25, B), (50, B), (55, B)], timings)
    assert result == [
        ("pending", ""),
        ("normal", ""),
        ("pending", ""),
        ("pending", ""),  # 25 s since the breach restarted
        ("firing", "fired"),  # 30 s
    ]


def test_without_pending_period_the_first_breach_fires() -> None:
    assert run([(0, C), (1, B)], Timings()) == [("normal", ""), ("firing", "fired")]


def test_hysteresis_holds_the_alert_until_past_the_recovery_threshold() -> None:
    result = run([(0, B), (10, H), (20, H), (30, C)], Timings())
    assert result == [("firing", "fired"), ("firing", ""), ("firing", ""), ("normal", "resolved")]


def test_hold_below_the_threshold_does_not_start_an_alert() -> None:
    assert run([(0, H), (10, H)], Timings()) == [("normal", ""), ("normal", "")]


def test_keep_firing_for_delays_resolution_and_a_breach_returns_to_firing() -> None:
    timings = Timings(keep_firing_s=60)
    result = run([(0, B), (10, C), (69, C), (70, C)], timings)
    assert result == [
        ("firing", "fired"),
        ("recovering", ""),
        ("recovering", ""),
        ("normal", "resolved"),
    ]
    flapping = run([(0, B), (10, C), (40, B), (50, C), (109, C), (110, C)], timings)
    assert [event for _, event in flapping] == ["fired", "", "", "", "", "resolved"]
    assert flapping[2] == ("firing", "")  # back to firing without a second alert


def test_nodata_after_the_data_stops_and_back_to_firing_when_it_returns() -> None:
    timings = Timings(no_data_s=120)
    result = run([(0, B), (60, N), (119, N), (120, N), (130, N), (140, B), (150, C)], timings)
    assert result == [
        ("firing", "fired"),
        ("firing", ""),
        ("firing", ""),  # 119 s after the last data
        ("nodata", ""),
        ("nodata", ""),
        ("firing", ""),  # the alert stayed open: no second firing
        ("normal", "resolved"),
    ]


def test_nodata_is_off_by_default_and_counts_from_first_sight() -> None:
    assert run([(0, N), (9999, N)], Timings()) == [("normal", ""), ("normal", "")]
    assert run([(0, N), (59, N), (60, N)], Timings(no_data_s=60)) == [
        ("normal", ""),
        ("normal", ""),
        ("nodata", ""),
    ]


def test_error_state_then_recovery() -> None:
    result = run([(0, E), (10, E), (20, B), (30, C)], Timings())
    assert result == [("error", ""), ("error", ""), ("firing", "fired"), ("normal", "resolved")]


def test_state_since_is_kept_while_the_state_does_not_change() -> None:
    state = InstanceState()
    for seconds in (0, 10, 20):
        state = advance(state, B, T0 + dt.timedelta(seconds=seconds), Timings(pending_s=60)).state
    assert state.since == T0 and state.pending_since == T0
