"""Compliance endpoints (role compliance): the regulatory reports, completeness, audit trail.

Thin: parameters in, one builder of :mod:`app.compliance` called, JSON (or a file) out. Report
runs are audited as ``report.run``, file downloads as ``report.export``; undefined numbers
(no fills, unknown rate) are ``null``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.orm import Session

from app.audit.log import record
from app.compliance import best_execution, completeness, order_routing, transaction_report
from app.compliance.audit_trail import MAX_PAGE_SIZE, PAGE_SIZE, TrailQuery, page
from app.compliance.data import load_attempts
from app.compliance.render import to_csv
from app.queries.filters import Filter, FilterError, parse_time

from ..auth.api import require_api_role
from ..auth.principal import current_actor
from ..resources import Resources
from .errors import bad_request
from .params import filter_from_request

blueprint = Blueprint("compliance", __name__)
TRANSACTION_FORMATS = {"csv": "text/csv", "xml": "application/xml"}


def _resources() -> Resources:
    resources: Resources = current_app.extensions["tradedash"]
    return resources


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    if isinstance(value, float | int) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            return None
        return int(value) if isinstance(value, int) else number
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _window(f: Filter) -> dict[str, str]:
    return {"start": _rfc3339(f.start), "end": _rfc3339(f.end)}


def _audited(action: str, target: str, details: dict[str, Any]) -> None:
    with Session(_resources().engine) as db, db.begin():
        record(db, current_actor(), action, target, details)


@blueprint.get("/compliance/best-execution")
@require_api_role("compliance")
def best_execution_report() -> Response:
    """Top five venues per asset class with RTS 28 shares, and execution quality per venue."""
    f = filter_from_request()
    try:
        with _resources().engine.connect() as conn:
            attempts = load_attempts(conn, f)
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    _audited("report.run", "best_execution", _window(f))
    return jsonify(
        {
            **_window(f),
            "note": best_execution.RTS28_NOTE,
            "top_venues": _rows(best_execution.top_venues(attempts)),
            "venue_quality": _rows(best_execution.venue_quality(attempts)),
        }
    )


@blueprint.get("/compliance/order-routing")
@require_api_role("compliance")
def order_routing_report() -> Response:
    """The Rule 606-shaped disclosure of a quarter, one section per month."""
    try:
        f = order_routing.quarter_filter(request.args.get("quarter", ""))
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    with _resources().engine.connect() as conn:
        table = order_routing.build(conn, f)
    _audited("report.run", "order_routing", {"quarter": request.args["quarter"]})
    months = [
        {"month": month, "venues": _rows(table[table["month"] == month].drop(columns=["month"]))}
        for month in order_routing.months_of(f)
    ]
    return jsonify({**_window(f), "quarter": request.args["quarter"], "months": months})


@blueprint.get("/compliance/transactions")
@require_api_role("compliance")
def transactions() -> Response:
    """The RTS 22-shaped transaction report of the window as CSV or XML (audited)."""
    f = filter_from_request()
    fmt = request.args.get("format", "csv")
    if fmt not in TRANSACTION_FORMATS:
        raise bad_request(f"format: must be one of {', '.join(TRANSACTION_FORMATS)}")
    settings = _resources().settings
    party = transaction_report.ReportingParty(settings.executing_entity_lei, settings.venue_mics)
    try:
        with _resources().engine.connect() as conn:
            rows = transaction_report.build(conn, f, party)
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    _audited("report.export", "transactions", {**_window(f), "format": fmt, "rows": len(rows)})
    content = to_csv(rows) if fmt == "csv" else transaction_report.to_xml(rows)
    name = f"transactions_{f.start:%Y%m%d%H%M}-{f.end:%Y%m%d%H%M}.{fmt}"
    return Response(
        content,
        mimetype=TRANSACTION_FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.get("/compliance/completeness")
@require_api_role("compliance")
def completeness_findings() -> Response:
    """Data-completeness findings of the window (missing fields, orphans, clock skew)."""
    f = filter_from_request()
    settings = _resources().settings
    with _resources().engine.connect() as conn:
        found = completeness.check(
            conn,
            f,
            now=dt.datetime.now(dt.UTC),
            wait_s=settings.completeness_order_wait_s,
            skew_s=settings.clock_skew_tolerance_s,
        )
    _audited("report.run", "completeness", _window(f))
    findings = [
        {"kind": x.kind, "reference": x.reference, "ts": _rfc3339(x.ts), "detail": x.detail}
        for x in found
    ]
    return jsonify({**_window(f), "findings": findings})


def _integer(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise bad_request(f"{name}: must be an integer from {low} to {high}, got {raw!r}")
    return int(raw)


def trail_query_from_request(max_page_size: int) -> tuple[TrailQuery, int, int]:
    """The search, the 0-based page and the page size; a 400 for a bad one."""
    args = request.args
    text = args.get("q", "")
    if len(text) > 200:
        raise bad_request("q: at most 200 characters")
    try:
        start = parse_time("start", args["start"]) if "start" in args else None
        end = parse_time("end", args["end"]) if "end" in args else None
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    page = _integer("page", 0, 0, 1_000_000)
    size = _integer("page_size", PAGE_SIZE, 1, max_page_size)
    return TrailQuery(text=text, start=start, end=end), page, size


@blueprint.get("/audit")
@require_api_role("compliance")
def audit_trail() -> Response:
    """One page of the audit trail, newest first, filtered by text and time."""
    query, number, size = trail_query_from_request(MAX_PAGE_SIZE)
    with Session(_resources().engine) as db:
        rows, total = page(db, query, number, size)
    return jsonify({"page": number, "page_size": size, "total": total, "rows": rows})
