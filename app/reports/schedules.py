"""Report schedules as pure values: validation with a message per field, and run times.

A schedule fires on a cron expression evaluated in its own IANA timezone, so "every day at
07:00 Europe/London" means 07:00 London time in winter (07:00 UTC) and in summer (06:00 UTC).
The presets are cron expressions too: ``daily`` at HH:MM, ``weekly`` on a weekday at HH:MM,
``monthly`` on a day of the month (1-28, so every month has it) at HH:MM.

Across DST changes croniter's rules apply: a wall time skipped by the spring-forward gap fires
once, at the first instant after the gap; a wall time that happens twice in the autumn fires
once, at its first occurrence (a schedule with ``*`` in the hour field keeps firing in real
time through both occurrences of the repeated hour).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import croniter

from app.reports.s3_target import S3TargetSpec, validate_s3_target
from app.reports.webhook import check_url

PRESETS = ("daily", "weekly", "monthly", "cron")
FORMATS = ("pdf", "xlsx", "csv")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_RECIPIENTS = 50
MIN_TIMEOUT_S = 60
MAX_TIMEOUT_S = 6 * 3600
DEFAULT_TIMEOUT_S = 900
FILTER_KEYS = ("symbols", "lps", "books", "rule_ids")

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class ScheduleInvalid(ValueError):
    """A schedule form that does not validate; ``problems`` maps each field to its message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


@dataclass(frozen=True)
class ScheduleSpec:
    """A validated schedule, ready to store."""

    name: str
    kind: str
    format: str
    preset: str
    cron: str
    timezone: str
    recipients: tuple[str, ...]
    filters: dict[str, list[str]] = field(default_factory=dict)
    currency: str = "USD"
    working_timeout_s: int = DEFAULT_TIMEOUT_S
    enabled: bool = True
    webhook_url: str = ""
    """Optional: a URL that gets a signed POST after each run (``app.reports.webhook``)."""
    s3: S3TargetSpec | None = None
    """Optional: an S3-compatible bucket each run's file is uploaded to."""


def preset_cron(preset: str, at: str, weekday: str = "mon", day: int = 1) -> str:
    """The cron expression of a preset at ``HH:MM`` (``weekday`` for weekly, ``day`` monthly)."""
    match = _TIME.match(at.strip())
    if match is None:
        raise ValueError(f"{at!r} is not a time of day HH:MM (00:00 to 23:59)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if preset == "daily":
        return f"{minute} {hour} * * *"
    if preset == "weekly":
        if weekday not in WEEKDAYS:
            raise ValueError(f"weekday must be one of {', '.join(WEEKDAYS)}")
        return f"{minute} {hour} * * {weekday}"
    if preset == "monthly":
        if not 1 <= day <= 28:
            raise ValueError("day of month must be 1 to 28 (every month has it)")
        return f"{minute} {hour} {day} * *"
    raise ValueError(f"unknown preset {preset!r}")


def check_timezone(name: str) -> ZoneInfo:
    """The IANA zone called ``name`` (``Europe/London``); ValueError for anything else."""
    if not name or name not in _zone_names():
        raise ValueError(f"{name!r} is not an IANA timezone such as Europe/London")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - listed names always load
        raise ValueError(f"{name!r} is not an IANA timezone") from None


def _zone_names() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


_ZONES: set[str] | None = None


def check_cron(expression: str) -> str:
    """A standard five-field cron expression, normalised; ValueError when croniter refuses it."""
    text = " ".join(expression.split())
    if len(text.split(" ")) != 5:
        raise ValueError("a cron expression has five fields: minute hour day month weekday")
    if not croniter.is_valid(text):
        raise ValueError(f"{text!r} is not a valid cron expression")
    return text


def parse_recipients(value: str | Iterable[str]) -> tuple[str, ...]:
    """E-mail addresses from a comma/semicolon/space separated text (or a list), lower-cased,
    deduplicated in order; ValueError naming the first bad address."""
    items = re.split(r"[,;\s]+", value) if isinstance(value, str) else list(value)
    seen: list[str] = []
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        if not _EMAIL.match(item):
            raise ValueError(f"{item!r} is not an e-mail address")
        if item not in seen:
            seen.append(item)
    if not seen:
        raise ValueError("at least one recipient is needed")
    if len(seen) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} recipients")
    return tuple(seen)


def clean_filters(filters: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """The dimension filters a report takes, as sorted lists without empty values."""
    cleaned: dict[str, list[str]] = {}
    for key in FILTER_KEYS:
        values = (filters or {}).get(key) or []
        if isinstance(values, str):
            values = re.split(r"[,\s]+", values)
        kept = sorted({str(v).strip() for v in values if str(v).strip()})
        if kept:
            cleaned[key] = kept
    if set(cleaned.get("books", [])) - {"A", "B"}:
        raise ValueError("books: use A and/or B")
    return cleaned


def validate_schedule(
    form: Mapping[str, Any], kinds: Sequence[str], *, stored_s3_secret: bool = False
) -> ScheduleSpec:
    """The schedule a form describes, or ScheduleInvalid with one message per bad field.

    ``form`` keys: name, kind, format, preset, cron (preset ``cron``), time, weekday, day,
    timezone, recipients, filters, currency, working_timeout_s, enabled, webhook_url, and
    ``s3_enabled`` with the ``s3_*`` fields of ``app.reports.s3_target`` (an empty secret
    keeps the stored one when ``stored_s3_secret``).
    """
    s3, problems = validate_s3_target(form, stored_secret=stored_s3_secret)
    values: dict[str, Any] = {}

    def check(name: str, parse: Any) -> None:
        try:
            values[name] = parse()
        except ValueError as error:
            problems[name] = str(error)

    check("name", lambda: _name(form.get("name")))
    check("kind", lambda: _one_of("kind", form.get("kind"), kinds))
    check("format", lambda: _one_of("format", form.get("format"), FORMATS))
    check("timezone", lambda: check_timezone(str(form.get("timezone") or "")).key)
    check("recipients", lambda: parse_recipients(form.get("recipients") or ""))
    check("filters", lambda: clean_filters(form.get("filters")))
    check("currency", lambda: _currency(form.get("currency") or "USD"))
    check("working_timeout_s", lambda: _timeout(form.get("working_timeout_s")))
    webhook = str(form.get("webhook_url") or "").strip()
    check("webhook_url", lambda: check_url(webhook) if webhook else "")
    preset = str(form.get("preset") or "")
    if preset not in PRESETS:
        problems["preset"] = f"choose one of {', '.join(PRESETS)}"
    elif preset == "cron":
        check("cron", lambda: check_cron(str(form.get("cron") or "")))
    else:
        check("time", lambda: _preset(preset, form))
        if "time" in values:
            values["cron"] = values.pop("time")
    if problems:
        raise ScheduleInvalid(problems)
    return ScheduleSpec(
        name=values["name"],
        kind=values["kind"],
        format=values["format"],
        preset=preset,
        cron=values["cron"],
        timezone=values["timezone"],
        recipients=values["recipients"],
        filters=values["filters"],
        currency=values["currency"],
        working_timeout_s=values["working_timeout_s"],
        enabled=bool(form.get("enabled", True)),
        webhook_url=values["webhook_url"],
        s3=s3,
    )


def _name(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValueError("give the schedule a name")
    if len(text) > 120:
        raise ValueError("at most 120 characters")
    return text


def _one_of(what: str, value: object, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValueError(f"choose a {what}: {', '.join(allowed)}")
    return str(value)


def _currency(value: object) -> str:
    text = str(value).strip().upper()
    if not _CURRENCY.match(text):
        raise ValueError("a three-letter currency code such as USD")
    return text


def _timeout(value: object) -> int:
    if value in (None, ""):
        return DEFAULT_TIMEOUT_S
    try:
        seconds = int(str(value))
    except ValueError:
        raise ValueError("a whole number of seconds") from None
    if not MIN_TIMEOUT_S <= seconds <= MAX_TIMEOUT_S:
        raise ValueError(f"between {MIN_TIMEOUT_S} and {MAX_TIMEOUT_S} seconds")
    return seconds


def _preset(preset: str, form: Mapping[str, Any]) -> str:
    try:
        day = int(str(form.get("day") or 1))
    except ValueError:
        raise ValueError("day of month must be a number 1 to 28") from None
    return preset_cron(preset, str(form.get("time") or ""), str(form.get("weekday") or "mon"), day)


def next_runs(cron: str, timezone: str, after: dt.datetime, count: int = 1) -> list[dt.datetime]:
    """The next ``count`` fire times strictly after ``after``, in UTC, with the cron evaluated
    on the wall clock of ``timezone``."""
    if after.tzinfo is None:
        raise ValueError("after must carry a timezone")
    zone = check_timezone(timezone)
    expression = check_cron(cron)
    wall_clock = expression.split(" ")[1] != "*"
    it = croniter(expression, after.astimezone(zone))
    runs: list[dt.datetime] = []
    while len(runs) < count:
        fire = it.get_next(dt.datetime).astimezone(zone)
        # A wall-clock schedule fires once in a repeated autumn hour (its first occurrence);
        # an hourly or finer one keeps firing in real time through both.
        if wall_clock and fire.fold == 1 and _is_repeated(fire):
            continue
        runs.append(fire.astimezone(dt.UTC))
    return runs


def _is_repeated(local: dt.datetime) -> bool:
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def next_run(cron: str, timezone: str, after: dt.datetime) -> dt.datetime:
    """The first fire time strictly after ``after`` (UTC)."""
    return next_runs(cron, timezone, after, 1)[0]


def describe(preset: str, cron: str, timezone: str) -> str:
    """A short human description: ``daily 07:00 Europe/London`` or ``cron 0 7 * * 1-5 UTC``."""
    minute, hour, day, _month, weekday = cron.split(" ")
    at = f"{int(hour):02d}:{int(minute):02d}" if minute.isdigit() and hour.isdigit() else cron
    if preset == "daily":
        return f"daily {at} {timezone}"
    if preset == "weekly":
        return f"weekly {weekday.title()} {at} {timezone}"
    if preset == "monthly":
        return f"monthly day {day} {at} {timezone}"
    return f"cron {cron} {timezone}"
