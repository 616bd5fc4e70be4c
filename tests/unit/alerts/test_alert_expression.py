"""The expression language: precedence, functions, errors with positions, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from app.alerts.expression import (
    ExpressionError,
    MissingValue,
    evaluate,
    names_in,
    parse_expression,
)

pytestmark = pytest.mark.unit

MONDAY_0930 = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
VALUES = {"reject_rate": 6.0, "latency_ms": 450.0, "slippage_pips": 2.5}
NAMES = frozenset(VALUES)


def value(text: str, values: dict[str, float] = VALUES) -> float:
    return evaluate(parse_expression(text, NAMES), values, MONDAY_0930)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),  # left-associative
        ("2 * -3", -6.0),
        ("-2 * 3 + 1", -5.0),
        ("7 % 4", 3.0),
        ("1 + 2 > 2", 1.0),  # arithmetic binds tighter than comparison
        ("true OR false AND false", 1.0),  # AND binds tighter than OR
        ("(true OR false) AND false", 0.0),
        ("NOT 1 > 2", 1.0),  # NOT applies to the comparison
        ("not false and not false", 1.0),
        ("1 < 2 && 3 >= 3 || 0", 1.0),
        ("!(1 == 1)", 0.0),
        ("reject_rate > 5 AND latency_ms > 400", 1.0),
        ("reject_rate * 100 / latency_ms", 6.0 * 100 / 450.0),
        ("max(reject_rate, slippage_pips, 1)", 6.0),
        ("min(reject_rate, slippage_pips)", 2.5),
        ("abs(1 - slippage_pips)", 1.5),
        ("1.5e2", 150.0),
        (".5 + 1", 1.5),
    ],
)
def test_precedence_and_arithmetic(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected)


def test_schedule_functions() -> None:
    assert value("hour()") == 9.0 and value("minute()") == 30.0 and value("weekday()") == 0.0
    assert value("between(hour(), 8, 18) AND weekday() < 5") == 1.0
    assert value("between(hour(), 10, 18)") == 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reject_rate >", "expected a value, found end of expression at column 14"),
        ("(1 + 2", "expected ')', found end of expression at column 7"),
        ("1 + * 2", "expected a value, found '*' at column 5"),
        ("1 2", "unexpected '2' at column 3"),
        ("1 ^ 2", "unexpected character '^' at column 3"),
        ("1 < 2 < 3", "chained comparisons need AND at column 7"),
        ("spread > 1", "unknown name 'spread' at column 1"),
        ("reject_rate.real", "attribute access is not allowed at column 12"),
        ("__import__('os')", 'unexpected character "\'" at column 12'),
        ("eval(1)", "unknown function 'eval' at column 1"),
        ("between(1, 2)", "between() takes 3 arguments at column 1"),
        ("hour(1)", "hour() takes 0 arguments at column 1"),
    ],
)
def test_errors_carry_their_column(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, NAMES)
    assert str(caught.value) == message


def test_division_by_zero_is_an_evaluation_error() -> None:
    with pytest.raises(ExpressionError, match="division by zero"):
        value("reject_rate / (latency_ms - 450)")


def test_a_missing_metric_is_reported_by_name() -> None:
    with pytest.raises(MissingValue, match="latency_ms"):
        value("latency_ms > 1", {"reject_rate": 1.0})
    # short-circuit: the right side is not needed
    assert value("reject_rate > 5 OR latency_ms > 1", {"reject_rate": 6.0}) == 1.0


def test_names_and_depth_limit() -> None:
    assert names_in(parse_expression("max(reject_rate, 1) > latency_ms")) == {
        "reject_rate",
        "latency_ms",
    }
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("(" * 60 + "1" + ")" * 60)
    with pytest.raises(ExpressionError, match="longer than"):
        parse_expression("1 + " * 600 + "1")
