"""Retention policy validation and the choice of partitions to drop."""

from __future__ import annotations

import datetime as dt

import pytest

from app.compliance.retention import (
    DATA_CLASSES,
    FIVE_YEARS,
    Partition,
    RetentionError,
    expired,
    parse_keep_days,
)

pytestmark = pytest.mark.unit


def test_defaults_match_the_policy_of_the_issue() -> None:
    days = {name: c.default_days for name, c in DATA_CLASSES.items()}
    assert days["orders"] == days["executions"] == days["positions"] == days["audit"] == 2557
    assert days["quote_mids"] == days["quote_stats"] == 30
    assert days["account_snapshots"] == days["exports"] == 365


@pytest.mark.parametrize(
    ("data_class", "value", "expected"),
    [("quote_mids", "30", 30), ("quote_mids", " 1,000 ", 1000), ("orders", 2557, 2557)],
)
def test_valid_keep_days(data_class: str, value: object, expected: int) -> None:
    assert parse_keep_days(data_class, value) == expected


@pytest.mark.parametrize(
    ("data_class", "value", "message"),
    [
        ("quote_mids", "", "whole number"),
        ("quote_mids", "3.5", "whole number"),
        ("quote_mids", "-1", "whole number"),
        ("quote_mids", "0", "at least 1"),
        ("orders", str(FIVE_YEARS - 1), f"at least {FIVE_YEARS}"),
        ("quote_mids", "36501", "at most 36500"),
        ("nonsense", "30", "unknown data class"),
    ],
)
def test_invalid_keep_days(data_class: str, value: str, message: str) -> None:
    with pytest.raises(RetentionError, match=message):
        parse_keep_days(data_class, value)


def test_only_partitions_wholly_before_the_cutoff_expire() -> None:
    day = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    parts = [Partition("t", f"t_p{i}", day + dt.timedelta(days=i)) for i in range(1, 4)]
    cutoff = day + dt.timedelta(days=2)
    assert [p.name for p in expired(parts, cutoff)] == ["t_p1", "t_p2"]
    assert expired(parts, day) == []
