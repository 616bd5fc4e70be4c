"""GET /api/v1/metrics/routing, GET /api/v1/exposure and PUT /api/v1/exposure/limits/<symbol>.

Thin: parameters in, one read model of :mod:`app.queries` (or :mod:`app.limits`) called, JSON
out. Undefined numbers (no orders, unknown rate, no limit) are ``null``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import orjson
import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.orm import Session

from app.auth.permissions import Permission
from app.limits import LimitError, set_limit
from app.metrics.routing import RoutingSummary
from app.queries.exposure import MEASURES, exposure_heatmap, exposure_now
from app.queries.filters import Filter, FilterError, parse_bucket
from app.queries.routing import routing_shares_over_time, routing_summary

from ..auth.api import api_principal, require_api_permission, require_api_role
from ..auth.principal import current_actor
from ..resources import Resources
from .errors import bad_request
from .params import filter_from_request

blueprint = Blueprint("routing_exposure", __name__)

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _resources() -> Resources:
    resources: Resources = current_app.extensions["tradedash"]
    return resources


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _window(f: Filter) -> dict[str, str]:
    return {"start": _rfc3339(f.start), "end": _rfc3339(f.end)}


def _routing_body(summary: RoutingSummary) -> dict[str, Any]:
    return {
        "orders": summary.orders,
        "orders_by_book": summary.orders_by_book,
        "notional_usd_by_book": summary.notional_usd_by_book,
        "share_by_count": summary.share_by_count,
        "share_by_notional": summary.share_by_notional,
        "unconverted_orders": summary.unconverted_orders,
        "lp_share": [
            {"lp": lp, "orders": summary.a_book_orders_by_lp[lp], "share": share}
            for lp, share in summary.lp_share.items()
        ],
        "flow": summary.flow.as_dict(),
    }


@blueprint.get("/metrics/routing")
@require_api_role("analyst")
def routing() -> Response:
    """A/B shares by count and notional, LP shares of A-book orders, the order flow; with
    ``bucket`` also the shares per bucket."""
    f = filter_from_request()
    bucket_name = request.args.get("bucket")
    try:
        bucket = parse_bucket(bucket_name) if bucket_name is not None else None
        with _resources().engine.connect() as conn:
            body = {**_window(f), **_routing_body(routing_summary(conn, f))}
            if bucket is not None:
                frame = routing_shares_over_time(conn, f, bucket)
                body["bucket"] = bucket
                body["over_time"] = [
                    {
                        "bucket": _rfc3339(row.bucket),
                        "orders": {"A": int(row.orders_a), "B": int(row.orders_b)},
                        "share_by_count": _pair(row.a_share_count, row.b_share_count),
                        "share_by_notional": _pair(row.a_share_notional, row.b_share_notional),
                    }
                    for row in frame.itertuples()
                ]
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    return jsonify(body)


def _pair(a: Any, b: Any) -> dict[str, float | None] | None:
    if _number(a) is None:
        return None
    return {"A": _number(a), "B": _number(b)}


def _exposure_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "symbol": row.symbol,
            "net_position": _number(row.net_position),
            "mid": _number(row.mid),
            "notional_usd": _number(row.notional_usd),
            "limit_usd": _number(row.limit_usd),
            "utilisation": _number(row.utilisation),
            "concentration": _number(row.concentration),
            "unconverted": bool(row.unconverted),
            "notional": _number(row.notional),
        }
        for row in frame.itertuples()
    ]


def _heatmap_body(matrix: pd.DataFrame, bucket: str, measure: str) -> dict[str, Any]:
    return {
        "bucket": bucket,
        "measure": measure,
        "symbols": [str(s) for s in matrix.index],
        "buckets": [_rfc3339(b.to_pydatetime()) for b in matrix.columns],
        "values": [[_number(v) for v in row] for row in matrix.to_numpy().tolist()],
    }


@blueprint.get("/exposure")
@require_api_role("analyst")
def exposure() -> Response:
    """Per symbol at the window's end: net position, notional, limit, utilisation; with
    ``bucket`` (and ``measure`` = net or utilisation) the symbol × bucket matrix too."""
    f = filter_from_request()
    args = request.args
    currency = args.get("currency", _resources().settings.reporting_currency)
    measure = args.get("measure", "net")
    if not _CURRENCY.match(currency):
        raise bad_request("currency: must be an ISO 4217 code like USD or EUR")
    if measure not in MEASURES:
        raise bad_request(f"measure: must be one of {', '.join(MEASURES)}")
    try:
        bucket = parse_bucket(args["bucket"]) if "bucket" in args else None
        with _resources().engine.connect() as conn:
            now = exposure_now(conn, f, currency=currency)
            body: dict[str, Any] = {**_window(f), "at": _rfc3339(f.end), "currency": currency}
            body["rows"] = _exposure_rows(now)
            body["total_notional_usd"] = _number(now["notional_usd"].sum(skipna=True))
            if bucket is not None:
                matrix = exposure_heatmap(conn, f, bucket, measure)
                body["heatmap"] = _heatmap_body(matrix, bucket, measure)
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    return jsonify(body)


@blueprint.put("/exposure/limits/<symbol>")
@require_api_permission(Permission.MANAGE_LIMITS)
def put_limit(symbol: str) -> Response:
    """Set a symbol's exposure limit from ``{"limit_usd": <positive number>}`` (audited)."""
    try:
        payload = orjson.loads(request.get_data())
    except orjson.JSONDecodeError:
        raise bad_request('body must be JSON: {"limit_usd": <positive number>}') from None
    if not isinstance(payload, dict) or set(payload) != {"limit_usd"}:
        raise bad_request('body must be exactly {"limit_usd": <positive number>}')
    principal = api_principal()
    try:
        with Session(_resources().engine) as session, session.begin():
            limit = set_limit(
                session,
                current_actor(),
                symbol,
                payload["limit_usd"],
                updated_by=principal.id if principal.kind == "user" else None,
            )
            body = {
                "symbol": limit.symbol,
                "limit_usd": float(limit.limit_usd),
                "updated_at": _rfc3339(limit.updated_at),
            }
    except LimitError as exc:
        raise bad_request(str(exc), "bad_limit") from None
    return jsonify(body)
