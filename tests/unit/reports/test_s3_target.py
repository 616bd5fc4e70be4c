"""The S3 target as pure values: the key prefix template (whitelisted placeholders only, no
format-string injection), bucket naming rules, and one message per bad field."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.reports.s3_keys import KeyContext, check_prefix, object_key, render_prefix, slug
from app.reports.s3_target import S3TargetSpec, check_bucket, validate_s3_target
from app.reports.schedules import ScheduleInvalid, validate_schedule

pytestmark = pytest.mark.unit

LONDON = ZoneInfo("Europe/London")
CONTEXT = KeyContext(
    schedule_id=12,
    schedule_name="Desk Morning Pack (EU)",
    run_id=345,
    kind="daily_desk",
    format="pdf",
    trigger="schedule",
    date=dt.datetime(2026, 3, 29, 7, 0, tzinfo=LONDON),
    period_start=dt.datetime(2026, 3, 28, 0, 0, tzinfo=LONDON),
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("", ""),
        ("reports/", "reports/"),
        ("{schedule}/", "desk-morning-pack-eu/"),
        ("{date}/", "2026-03-29/"),
        ("{date:%Y/%m/%d}/", "2026/03/29/"),
        ("year={date:%Y}/week={date:%V}/", "year=2026/week=13/"),
        ("{period_start:%Y%m%d}-{date:%H%M}_", "20260328-0700_"),
        ("{kind}/{format}/{schedule_id}-{run_id}-{trigger}/", "daily_desk/pdf/12-345-schedule/"),
    ],
)
def test_placeholders_render_their_values(template: str, expected: str) -> None:
    assert render_prefix(template, CONTEXT) == expected


def test_the_key_is_the_prefix_and_the_file_name_and_tests_never_replace_scheduled_files() -> None:
    template = "packs/{schedule}/{date:%Y/%m/%d}/"
    assert object_key(template, CONTEXT, "daily_desk_2026-03-28.pdf") == (
        "packs/desk-morning-pack-eu/2026/03/29/daily_desk_2026-03-28.pdf"
    )
    test = KeyContext(**{**CONTEXT.__dict__, "trigger": "test"})
    assert object_key(template, test, "daily_desk_2026-03-28.pdf") == (
        "packs/desk-morning-pack-eu/2026/03/29/test-run345-daily_desk_2026-03-28.pdf"
    )


def test_a_key_over_1024_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than 1024 bytes"):
        object_key("a/" * 256, CONTEXT, "x" * 600)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{schedule.__class__}", "unknown placeholder {schedule.__class__}"),
        ("{0}", "unknown placeholder {0}"),
        ("{date.year}", "unknown placeholder {date.year}"),
        ("{date!r}", "unknown placeholder {date!r}"),
        ("{}", "unknown placeholder {}"),
        ("{settings}", "unknown placeholder {settings}"),
        ("{date:%Y %m}", "use letters, digits and - _ . = / in a date format"),
        ("{date:%A}", "date formats may use %Y %m %d %H %M %S %j %V %G %u only"),
        ("{date:%}", "date formats may use"),
        ("{date:%%Y}", "date formats may use"),
        ("{date:}", "an empty date format"),
        ("{date:{run_id}}", "braces only around a placeholder"),
        ("{kind:%Y}", "only {date:...} and {period_start:...} take a format, not {kind}"),
        ("{schedule", "braces only around a placeholder"),
        ("schedule}", "braces only around a placeholder"),
        ("{{schedule}}", "braces only around a placeholder"),
        ("reports /", "use letters, digits and - _ . = / outside placeholders"),
        ("reports\\x/", "use letters, digits and - _ . = / outside placeholders"),
        ("/reports/", "must not start with /"),
        ("reports//{date}/", "no empty folder (//)"),
        ("reports/../{date}/", "no . or .. folders"),
        ("x" * 513, "at most 512 characters"),
    ],
)
def test_bad_templates_are_refused_with_a_reason(template: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        check_prefix(template)
    assert str(error.value).startswith(message)


def test_slugs_are_s3_safe() -> None:
    assert slug("Desk Morning Pack (EU)") == "desk-morning-pack-eu"
    assert slug("Ünïcode / ../ weird") == "n-code-weird"
    assert slug("!!!") == "schedule"
    assert len(slug("a" * 100)) == 60


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ab", "a bucket name has 3 to 63 characters"),
        ("a" * 64, "a bucket name has 3 to 63 characters"),
        ("Desk-Reports", "lower-case letters"),
        ("desk_reports", "lower-case letters"),
        ("-desk", "lower-case letters"),
        ("desk.", "lower-case letters"),
        ("desk..reports", "no two dots in a row"),
        ("192.168.5.4", "a bucket name must not look like an IP address"),
        ("xn--desk", "that prefix or suffix is reserved by S3"),
        ("sthree-desk", "that prefix or suffix is reserved by S3"),
        ("desk-s3alias", "that prefix or suffix is reserved by S3"),
        ("desk--ol-s3", "that prefix or suffix is reserved by S3"),
    ],
)
def test_bucket_names_follow_the_s3_rules(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        check_bucket(name)


@pytest.mark.parametrize("name", ["abc", "desk-reports", "desk.reports.2026", "a" * 63, "1-2-3"])
def test_good_bucket_names_pass(name: str) -> None:
    assert check_bucket(name) == name


FORM = {
    "s3_enabled": True,
    "s3_endpoint_url": " http://127.0.0.1:9000 ",
    "s3_region": "",
    "s3_bucket": "desk-reports",
    "s3_prefix": " reports/{date:%Y}/ ",
    "s3_access_key_id": "AKIA1",
    "s3_secret_access_key": "s3cr3t/+",
}


def test_a_valid_target_is_cleaned_up() -> None:
    spec, problems = validate_s3_target(FORM)
    assert problems == {}
    assert spec == S3TargetSpec(
        endpoint_url="http://127.0.0.1:9000",
        region="us-east-1",
        bucket="desk-reports",
        key_prefix="reports/{date:%Y}/",
        access_key_id="AKIA1",
        secret_access_key="s3cr3t/+",
    )


def test_s3_switched_off_means_no_target_whatever_the_fields_say() -> None:
    assert validate_s3_target({**FORM, "s3_enabled": False, "s3_bucket": "BAD"}) == (None, {})


def test_the_secret_may_stay_empty_only_when_one_is_stored() -> None:
    empty = {**FORM, "s3_secret_access_key": ""}
    assert validate_s3_target(empty)[1] == {
        "s3_secret_access_key": "the secret access key is needed"
    }
    spec, problems = validate_s3_target(empty, stored_secret=True)
    assert problems == {} and spec is not None and spec.secret_access_key == ""
    spaced = {**FORM, "s3_secret_access_key": "two words"}
    assert validate_s3_target(spaced, stored_secret=True)[1] == {
        "s3_secret_access_key": "the secret access key: up to 256 visible characters, no spaces"
    }


def test_schedule_validation_reports_s3_problems_with_the_other_fields() -> None:
    form = {
        "name": "",
        "kind": "daily_desk",
        "format": "csv",
        "preset": "daily",
        "time": "07:00",
        "timezone": "UTC",
        "recipients": "desk@broker.example",
        **FORM,
        "s3_endpoint_url": "minio:9000",
        "s3_bucket": "x",
    }
    with pytest.raises(ScheduleInvalid) as invalid:
        validate_schedule(form, ("daily_desk",))
    assert invalid.value.problems == {
        "name": "give the schedule a name",
        "s3_endpoint_url": "an http:// or https:// URL",
        "s3_bucket": "a bucket name has 3 to 63 characters",
    }
    spec = validate_schedule({**form, "name": "Pack", "s3_endpoint_url": "", "s3_bucket": "abc"},
                             ("daily_desk",))  # fmt: skip
    assert spec.s3 is not None and spec.s3.endpoint_url == "" and spec.s3.bucket == "abc"
