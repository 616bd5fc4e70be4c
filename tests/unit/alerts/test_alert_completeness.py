"""Completeness rules: parsing and its messages, and the per-check counts on hand-built frames
(checked against the compliance list's own findings at the same moments)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pandas as pd
import pytest

from app.alerts.completeness import CheckCount, counts_at, counts_now, spans
from app.alerts.definitions import (
    CHECKS,
    CompletenessSpec,
    RuleDefinitionError,
    parse_rule,
    to_json,
)
from app.alerts.rules import InstanceInputs, evaluate_rule
from app.alerts.state import Verdict
from app.compliance.completeness import findings

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def at(seconds_before: float) -> dt.datetime:
    return T0 - dt.timedelta(seconds=seconds_before)


def rule(**spec: Any) -> dict[str, Any]:
    return {"name": "completeness", "type": "completeness", "spec": spec}


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(RuleDefinitionError) as caught:
        parse_rule(data)
    return caught.value.errors


# ------------------------------------------------------------------ parsing


def test_defaults_are_every_check_per_check_instance() -> None:
    definition = parse_rule(rule())
    assert definition.scope == "check"
    assert definition.spec == CompletenessSpec(CHECKS, 900, 60, 1.0, 1)
    assert parse_rule(to_json(definition)) == definition


def test_checks_keep_the_catalogue_order() -> None:
    definition = parse_rule(rule(checks=["clock_skew", "missing_field"], wait_s="30"))
    assert definition.spec == CompletenessSpec(("missing_field", "clock_skew"), 900, 30, 1.0, 1)


@pytest.mark.parametrize(
    ("spec", "errors"),
    [
        ({"checks": []}, {"spec.checks": "choose at least one check"}),
        (
            {"checks": ["missing_field", "typo"]},
            {
                "spec.checks": "unknown check 'typo' (one of missing_field, "
                "order_without_execution, execution_without_order, clock_skew)"
            },
        ),
        ({"checks": "missing_field"}, {"spec.checks": "must be a list of checks"}),
        ({"window_s": 5}, {"spec.window_s": "must be between 10 and 86400"}),
        ({"wait_s": 0}, {"spec.wait_s": "must be between 1 and 86400"}),
        ({"skew_s": -0.5}, {"spec.skew_s": "must be at least 0"}),
        ({"skew_s": 3601}, {"spec.skew_s": "must be at most 3600"}),
        ({"skew_s": "soon"}, {"spec.skew_s": "must be a number"}),
        ({"min_count": 0}, {"spec.min_count": "must be between 1 and 1000000"}),
        (
            {"min_count": 1.5, "wait_s": None},
            {"spec.min_count": "must be a whole number", "spec.wait_s": "must be a whole number"},
        ),
    ],
)
def test_each_bad_field_has_its_message(spec: dict[str, Any], errors: dict[str, str]) -> None:
    assert errors_of(rule(**spec)) == errors


def test_the_check_scope_belongs_to_completeness_rules() -> None:
    assert errors_of({**rule(), "scope": "lp"}) == {
        "scope": "a completeness rule is evaluated per check"
    }
    threshold = {
        "name": "x",
        "type": "threshold",
        "scope": "check",
        "spec": {"metric": "attempts", "operator": ">", "value": 1},
    }
    assert errors_of(threshold) == {
        "scope": "only completeness rules are evaluated per check",
        "spec.metric": "attempts cannot be split by check (only global, lp, symbol, book, rule)",
    }


# ------------------------------------------------------------------ counting


def orders() -> pd.DataFrame:
    rows = [
        ("A1", at(600), "market", None, "A", "LP1"),  # executed at once
        ("A2", at(300), "market", None, "A", "LP1"),  # never executed
        ("A3", at(200), "market", None, "A", "LP1"),  # executed 100 s late
        ("A4", at(100), "limit", None, "B", None),  # a limit order without its price
    ]
    frame = pd.DataFrame(
        rows, columns=["order_id", "ts", "order_type", "limit_price", "book", "lp"]
    )
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def executions() -> pd.DataFrame:
    rows = [
        ("x-A1", "A1", at(599), at(599), "filled", 1.0, 1.1, None),
        ("x-A1b", "A1", at(500), at(497), "filled", 1.0, 1.1, None),  # sent 3 s after ts
        ("x-ghost", "G1", at(400), at(400), "filled", 1.0, 1.1, None),  # order never came
        ("x-A3", "A3", at(100), at(100), "filled", 1.0, 1.1, None),
        ("x-A4", "A4", at(99), at(99), "filled", 1.0, 1.1, None),
    ]
    columns = ["exec_id", "order_id", "ts", "sent_ts", "status", "fill_qty", "fill_price",
               "reject_reason"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("ts", "sent_ts"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def found() -> pd.DataFrame:
    return spans(orders(), executions(), wait_s=60, skew_s=1)


def test_spans_of_each_finding() -> None:
    rows = found()
    seconds = T0.timestamp()
    got = {
        (r.kind, r.order_id): (seconds - r.ts, seconds - r.start, seconds - r.end)
        for r in rows.itertuples()
    }
    assert got == {
        ("clock_skew", "A1"): (500, 500, float("-inf")),
        ("execution_without_order", "G1"): (400, 340, float("-inf")),
        ("order_without_execution", "A2"): (300, 240, float("-inf")),
        ("order_without_execution", "A3"): (200, 140, 100),
        ("missing_field", "A4"): (100, 100, float("-inf")),
    }


def test_counts_now_with_examples() -> None:
    assert counts_now(found(), CHECKS, T0, 900) == {
        "missing_field": CheckCount(1, ("A4",)),
        "order_without_execution": CheckCount(1, ("A2",)),
        "execution_without_order": CheckCount(1, ("G1",)),
        "clock_skew": CheckCount(1, ("A1",)),
    }
    # 120 s earlier A3 was still waiting for its execution and A4 not yet routed
    assert counts_now(found(), CHECKS, at(120), 900) == {
        "missing_field": CheckCount(0),
        "order_without_execution": CheckCount(2, ("A2", "A3")),
        "execution_without_order": CheckCount(1, ("G1",)),
        "clock_skew": CheckCount(1, ("A1",)),
    }
    # a 150 s look-back sees only the records of the last 150 s
    assert counts_now(found(), ("missing_field", "clock_skew"), T0, 150) == {
        "missing_field": CheckCount(1, ("A4",)),
        "clock_skew": CheckCount(0),
    }


@pytest.mark.parametrize("window_s", [150, 900])
def test_counts_over_time_match_the_compliance_list(window_s: int) -> None:
    # the compliance list at t, over the records stored up to t, in the window ending at t
    times = pd.date_range(at(700), T0, freq="40s")
    grid = counts_at(found(), CHECKS, times, window_s)
    for t in times:
        o, e = orders(), executions()
        listed = findings(o[o["ts"] <= t], e[e["ts"] <= t], now=t, wait_s=60, skew_s=1)
        window = [f for f in listed if t - pd.Timedelta(seconds=window_s) < f.ts <= t]
        expected = Counter(f.kind for f in window)
        assert {c: int(grid.loc[t, c]) for c in CHECKS} == {c: expected[c] for c in CHECKS}
        now = counts_now(found(), CHECKS, t.to_pydatetime(), window_s)
        assert {c: now[c].count for c in CHECKS} == {c: expected[c] for c in CHECKS}
    assert grid["order_without_execution"].max() == (2 if window_s == 900 else 1)


# ------------------------------------------------------------------ verdicts


def test_verdict_and_message() -> None:
    definition = parse_rule(rule(min_count=2, wait_s=60))

    def judge(count: int, examples: tuple[str, ...]) -> tuple[Verdict, float | None, str]:
        inputs = InstanceInputs(
            {("findings", 900): float(count)},
            check="order_without_execution",
            examples=examples,
        )
        result = evaluate_rule(definition, inputs, T0)
        return result.verdict, result.value, result.message

    assert judge(2, ("A2", "A3")) == (
        Verdict.BREACH,
        2.0,
        "2 orders without an execution after 60 s in the last 15 min (limit 2): A2, A3",
    )
    assert judge(5, ("A2", "A3", "A5")) == (
        Verdict.BREACH,
        5.0,
        "5 orders without an execution after 60 s in the last 15 min (limit 2): A2, A3, A5, …",
    )
    assert judge(1, ("A2",))[0] is Verdict.CLEAR
    assert judge(0, ()) == (
        Verdict.CLEAR,
        0.0,
        "0 orders without an execution after 60 s in the last 15 min (limit 2)",
    )


def test_no_records_no_findings() -> None:
    # what the database gives for a quiet window: frames without rows
    none = spans(orders().iloc[0:0], executions().iloc[0:0], wait_s=60, skew_s=1)
    assert len(none) == 0
    assert counts_now(none, CHECKS, T0, 900) == {check: CheckCount(0) for check in CHECKS}
    grid = counts_at(none, CHECKS, pd.date_range(at(120), T0, freq="min"), 900)
    assert grid.to_numpy().sum() == 0 and grid.shape == (3, 4)
    # orders alone: every one of them waits for its execution
    lonely = spans(orders(), executions().iloc[0:0], wait_s=60, skew_s=1)
    assert counts_now(lonely, ["order_without_execution"], T0, 900) == {
        "order_without_execution": CheckCount(4, ("A1", "A2", "A3"))
    }
