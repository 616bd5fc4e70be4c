"""Object keys of uploaded reports: a key prefix template with a fixed set of placeholders.

The template is parsed here, never given to ``str.format`` (whose attribute and index lookups
would let a template reach into Python objects): text outside braces must be S3-safe
characters, and each ``{...}`` must be one of :data:`PLACEHOLDERS`. The two dates take an
optional strftime format made of :data:`DATE_DIRECTIVES` and safe characters only:

- ``{schedule}``: the schedule's name as a slug (``desk-morning-pack``)
- ``{schedule_id}``, ``{run_id}``: numbers
- ``{kind}`` (``daily_desk``), ``{format}`` (``pdf``), ``{trigger}`` (``schedule`` or ``test``)
- ``{date}`` / ``{date:%Y/%m/%d}``: the run's slot in the schedule's timezone (``%Y-%m-%d``)
- ``{period_start}`` / ``{period_start:...}``: the first instant the report covers, same zone

The object key is the rendered prefix followed by the file name (end the prefix with ``/`` to
make it a folder); a test send's file name starts with ``test-run<id>-`` so it never replaces
a scheduled file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PLACEHOLDERS = (
    "schedule",
    "schedule_id",
    "run_id",
    "kind",
    "format",
    "trigger",
    "date",
    "period_start",
)
DATE_PLACEHOLDERS = ("date", "period_start")
DATE_DIRECTIVES = "YmdHMSjVGu"
"""strftime letters a date placeholder may use (all render as digits)."""
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
MAX_PREFIX_LENGTH = 512
MAX_KEY_BYTES = 1024

_SAFE_TEXT = re.compile(r"^[A-Za-z0-9_.=/-]*$")
_PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
_SLUG_GAPS = re.compile(r"[^a-z0-9]+")

Part = str | tuple[str, str]
"""Literal text, or a (placeholder, date format) pair."""


@dataclass(frozen=True)
class KeyContext:
    """What the placeholders of one run's key stand for (dates already in the schedule's zone)."""

    schedule_id: int
    schedule_name: str
    run_id: int
    kind: str
    format: str
    trigger: str
    date: dt.datetime
    period_start: dt.datetime


def slug(text: str) -> str:
    """``Desk Morning Pack!`` -> ``desk-morning-pack`` (at most 60 characters)."""
    return _SLUG_GAPS.sub("-", text.lower()).strip("-")[:60].strip("-") or "schedule"


def parse_prefix(template: str) -> list[Part]:
    """The template's literal parts and placeholders; ValueError saying what is wrong."""
    if len(template) > MAX_PREFIX_LENGTH:
        raise ValueError(f"at most {MAX_PREFIX_LENGTH} characters")
    parts: list[Part] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(_literal(template[position : match.start()]))
        parts.append(_placeholder(match.group(1), match.group(2)))
        position = match.end()
    parts.append(_literal(template[position:]))
    _check_shape("".join(p if isinstance(p, str) else "x" for p in parts))
    return [p for p in parts if p != ""]


def _literal(text: str) -> str:
    if "{" in text or "}" in text:
        raise ValueError("braces only around a placeholder, e.g. {schedule}")
    if not _SAFE_TEXT.match(text):
        raise ValueError("use letters, digits and - _ . = / outside placeholders")
    return text


def _placeholder(name: str, date_format: str | None) -> tuple[str, str]:
    if name not in PLACEHOLDERS:
        raise ValueError(f"unknown placeholder {{{name}}}; use one of {_listed()}")
    if date_format is None:
        return name, DEFAULT_DATE_FORMAT if name in DATE_PLACEHOLDERS else ""
    if name not in DATE_PLACEHOLDERS:
        raise ValueError(
            f"only {{date:...}} and {{period_start:...}} take a format, not {{{name}}}"
        )
    _check_date_format(date_format)
    return name, date_format


def _check_date_format(date_format: str) -> None:
    if not date_format:
        raise ValueError("an empty date format; e.g. {date:%Y/%m/%d}")
    text = date_format
    for directive in re.findall(r"%(.?)", date_format):
        if directive not in DATE_DIRECTIVES or directive == "":
            allowed = " ".join(f"%{d}" for d in DATE_DIRECTIVES)
            raise ValueError(f"date formats may use {allowed} only")
        text = text.replace(f"%{directive}", "", 1)
    if not _SAFE_TEXT.match(text):
        raise ValueError("use letters, digits and - _ . = / in a date format")


def _check_shape(sample: str) -> None:
    if sample.startswith("/"):
        raise ValueError("must not start with /")
    if "//" in sample:
        raise ValueError("no empty folder (//)")
    if any(segment in (".", "..") for segment in sample.split("/")):
        raise ValueError("no . or .. folders")


def _listed() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def check_prefix(template: str) -> str:
    """The template, stripped, if it parses (ValueError otherwise)."""
    text = template.strip()
    parse_prefix(text)
    return text


def render_prefix(template: str, context: KeyContext) -> str:
    """The prefix with each placeholder replaced by its value for ``context``."""
    rendered: list[str] = []
    for part in parse_prefix(template):
        if isinstance(part, str):
            rendered.append(part)
        else:
            rendered.append(_value(part[0], part[1], context))
    return "".join(rendered)


def _value(name: str, date_format: str, context: KeyContext) -> str:
    if name == "date":
        return context.date.strftime(date_format)
    if name == "period_start":
        return context.period_start.strftime(date_format)
    if name == "schedule":
        return slug(context.schedule_name)
    values = {
        "schedule_id": str(context.schedule_id),
        "run_id": str(context.run_id),
        "kind": slug(context.kind).replace("-", "_"),
        "format": slug(context.format),
        "trigger": slug(context.trigger),
    }
    return values[name]


def object_key(template: str, context: KeyContext, file_name: str) -> str:
    """The full object key of ``file_name`` for this run (ValueError if over 1024 bytes)."""
    name = f"test-run{context.run_id}-{file_name}" if context.trigger == "test" else file_name
    key = render_prefix(template, context) + name
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise ValueError(f"the object key is longer than {MAX_KEY_BYTES} bytes")
    return key
