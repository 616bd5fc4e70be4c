"""Schedule math and validation: cron in the schedule's timezone across DST changes, presets,
and one message per bad field."""

from __future__ import annotations

import datetime as dt

import pytest

from app.reports.schedules import (
    ScheduleInvalid,
    describe,
    next_runs,
    parse_recipients,
    preset_cron,
    validate_schedule,
)
from app.reports.webhook import signature, verify

pytestmark = pytest.mark.unit

U = dt.UTC
KINDS = ("daily_desk", "weekly_lp", "monthly_rules")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=U)


@pytest.mark.parametrize(
    ("cron", "zone", "after", "expected"),
    [
        # London springs forward on 29 March 2026 at 01:00 UTC: 07:00 local moves 07:00 → 06:00 UTC.
        (
            "0 7 * * *",
            "Europe/London",
            utc(2026, 3, 27, 12),
            [utc(2026, 3, 28, 7), utc(2026, 3, 29, 6), utc(2026, 3, 30, 6)],
        ),
        # 01:30 local does not exist on 29 March: it fires once, at the end of the gap (02:00 BST).
        (
            "30 1 * * *",
            "Europe/London",
            utc(2026, 3, 27, 12),
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)],
        ),
        # 01:30 local happens twice on 25 October (BST then GMT): it fires once, the first time.
        (
            "30 1 * * *",
            "Europe/London",
            utc(2026, 10, 23, 12),
            [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
        # New York: 8 March 2026 skips 02:00-03:00, 1 November repeats 01:00-02:00.
        (
            "30 2 * * *",
            "America/New_York",
            utc(2026, 3, 6, 12),
            [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)],
        ),
        (
            "30 1 * * *",
            "America/New_York",
            utc(2026, 10, 30, 12),
            [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        ),
        (
            "0 9 * * mon",
            "America/New_York",
            utc(2026, 10, 30),
            [utc(2026, 11, 2, 14), utc(2026, 11, 9, 14)],
        ),
        # An every-30-minutes schedule keeps real time through the repeated hour (4 runs in it).
        (
            "*/30 * * * *",
            "America/New_York",
            utc(2026, 11, 1, 4, 50),
            [
                utc(2026, 11, 1, 5),
                utc(2026, 11, 1, 5, 30),
                utc(2026, 11, 1, 6),
                utc(2026, 11, 1, 6, 30),
            ],
        ),
        ("0 6 1 * *", "UTC", utc(2026, 1, 31, 7), [utc(2026, 2, 1, 6), utc(2026, 3, 1, 6)]),
    ],
)
def test_next_runs_follow_the_wall_clock_of_the_timezone(
    cron: str, zone: str, after: dt.datetime, expected: list[dt.datetime]
) -> None:
    assert next_runs(cron, zone, after, len(expected)) == expected


def test_next_runs_are_strictly_after_the_given_time() -> None:
    assert next_runs("0 7 * * *", "UTC", utc(2026, 11, 24, 7), 1) == [utc(2026, 11, 25, 7)]


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        next_runs("0 7 * * *", "UTC", dt.datetime(2026, 1, 1), 1)


@pytest.mark.parametrize(
    ("preset", "at", "weekday", "day", "cron"),
    [
        ("daily", "07:00", "mon", 1, "0 7 * * *"),
        ("daily", "7:05", "mon", 1, "5 7 * * *"),
        ("weekly", "08:30", "fri", 1, "30 8 * * fri"),
        ("monthly", "06:15", "mon", 28, "15 6 28 * *"),
    ],
)
def test_presets_are_cron_expressions(
    preset: str, at: str, weekday: str, day: int, cron: str
) -> None:
    assert preset_cron(preset, at, weekday, day) == cron


def test_descriptions() -> None:
    assert describe("daily", "0 7 * * *", "Europe/London") == "daily 07:00 Europe/London"
    assert describe("weekly", "30 8 * * fri", "UTC") == "weekly Fri 08:30 UTC"
    assert describe("cron", "0 7 * * 1-5", "UTC") == "cron 0 7 * * 1-5 UTC"


def test_recipients_are_cleaned() -> None:
    assert parse_recipients(" A@x.io; b@y.io,a@x.io  c@z.io ") == ("a@x.io", "b@y.io", "c@z.io")
    with pytest.raises(ValueError, match="'bob' is not an e-mail address"):
        parse_recipients("a@x.io, bob")
    with pytest.raises(ValueError, match="at least one recipient"):
        parse_recipients(" , ")


GOOD = {
    "name": "Desk pack",
    "kind": "daily_desk",
    "format": "pdf",
    "preset": "weekly",
    "time": "07:30",
    "weekday": "tue",
    "timezone": "Asia/Tokyo",
    "recipients": "a@x.io",
    "filters": {"symbols": ["GBPUSD", "EURUSD", ""], "books": ["B"]},
    "currency": "eur",
    "working_timeout_s": "1200",
}


def test_a_valid_form_becomes_a_spec() -> None:
    spec = validate_schedule(GOOD, KINDS)
    assert spec.cron == "30 7 * * tue" and spec.timezone == "Asia/Tokyo"
    assert spec.filters == {"symbols": ["EURUSD", "GBPUSD"], "books": ["B"]}
    assert (spec.currency, spec.working_timeout_s, spec.recipients) == ("EUR", 1200, ("a@x.io",))


def test_every_bad_field_gets_its_own_message() -> None:
    bad = {
        "name": " ",
        "kind": "best_execution",
        "format": "parquet",
        "preset": "daily",
        "time": "25:00",
        "timezone": "Mars/Olympus",
        "recipients": "nobody",
        "filters": {"books": ["C"]},
        "currency": "euro",
        "working_timeout_s": "5",
    }
    with pytest.raises(ScheduleInvalid) as caught:
        validate_schedule(bad, KINDS)
    assert caught.value.problems == {
        "name": "give the schedule a name",
        "kind": "choose a kind: daily_desk, weekly_lp, monthly_rules",
        "format": "choose a format: pdf, xlsx, csv",
        "timezone": "'Mars/Olympus' is not an IANA timezone such as Europe/London",
        "recipients": "'nobody' is not an e-mail address",
        "filters": "books: use A and/or B",
        "currency": "a three-letter currency code such as USD",
        "working_timeout_s": "between 60 and 21600 seconds",
        "time": "'25:00' is not a time of day HH:MM (00:00 to 23:59)",
    }


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"preset": "cron", "cron": "0 7 * *"},
            "cron",
            "a cron expression has five fields: minute hour day month weekday",
        ),
        (
            {"preset": "cron", "cron": "0 25 * * *"},
            "cron",
            "'0 25 * * *' is not a valid cron expression",
        ),
        (
            {"preset": "monthly", "day": "31"},
            "time",
            "day of month must be 1 to 28 (every month has it)",
        ),
        (
            {"preset": "weekly", "weekday": "someday"},
            "time",
            "weekday must be one of mon, tue, wed, thu, fri, sat, sun",
        ),
        ({"preset": "hourly"}, "preset", "choose one of daily, weekly, monthly, cron"),
    ],
)
def test_schedule_time_messages(form: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(ScheduleInvalid) as caught:
        validate_schedule({**GOOD, **form}, KINDS)
    assert caught.value.problems == {field: message}


def test_a_webhook_must_be_http() -> None:
    with pytest.raises(ScheduleInvalid) as caught:
        validate_schedule({**GOOD, "webhook_url": "ftp://files.example/x"}, KINDS)
    assert caught.value.problems == {"webhook_url": "an http:// or https:// URL"}
    spec = validate_schedule({**GOOD, "webhook_url": " https://ops.example/h "}, KINDS)
    assert spec.webhook_url == "https://ops.example/h"


def test_webhook_signatures_are_hmac_sha256() -> None:
    # RFC 4231, test case 2.
    expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert signature(b"Jefe", b"what do ya want for nothing?") == expected
    assert verify(b"Jefe", b"what do ya want for nothing?", expected)
    assert not verify(b"Jefe", b"what do ya want for nothing!", expected)
