"""GET /api/v1/metrics/lp (the LP scorecard) and GET /api/v1/drilldown/{executions,orders}."""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Callable
from typing import Any

import orjson
import pandas as pd
from flask import Blueprint, Response, current_app, request

from app.queries.drilldown import Page, executions_page, orders_page
from app.queries.execution import lp_scorecard
from app.queries.filters import Filter, FilterError

from ..auth.api import require_api_role
from ..resources import Resources
from .errors import bad_request
from .params import filter_from_request

blueprint = Blueprint("lp_metrics", __name__)


def _rfc3339(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """JSON-ready: RFC 3339 times, floats for decimals and numpy numbers, null for NaN."""
    if isinstance(value, dt.datetime):
        return _rfc3339(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) or hasattr(value, "__float__"):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    return value


def _json(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), mimetype="application/json")


def _read(query: Callable[..., Any], f: Filter, *args: Any) -> Any:
    resources: Resources = current_app.extensions["tradedash"]
    try:
        with resources.engine.connect() as conn:
            return query(conn, f, *args)
    except FilterError as exc:
        raise bad_request(str(exc)) from None


@blueprint.get("/metrics/lp")
@require_api_role("analyst")
def lp_metrics() -> Response:
    """Execution quality per LP over the window (METRICS.md), one row per LP."""
    f = filter_from_request()
    rows = _read(lp_scorecard, f)
    return _json(
        {"start": _rfc3339(f.start), "end": _rfc3339(f.end), "rows": [_plain(r) for r in rows]}
    )


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name}: not an integer: {raw!r}") from None


def _page_response(query: Callable[..., Page]) -> Response:
    f = filter_from_request()
    page: Page = _read(
        query,
        f,
        _int_arg("page", 1),
        _int_arg("page_size", 100),
        request.args.get("sort", "-ts"),
    )
    frame = page.rows.astype(object).where(pd.notna(page.rows), None)
    return _json(
        {
            "start": _rfc3339(f.start),
            "end": _rfc3339(f.end),
            "page": page.page,
            "page_size": page.page_size,
            "total": page.total,
            "rows": [_plain(row) for row in frame.to_dict("records")],
        }
    )


@blueprint.get("/drilldown/executions")
@require_api_role("analyst")
def drilldown_executions() -> Response:
    """Execution reports with their order's dimensions, paginated (``page``, ``page_size``,
    ``sort`` such as ``-ts`` or ``lp,-latency_ms``)."""
    return _page_response(executions_page)


@blueprint.get("/drilldown/orders")
@require_api_role("analyst")
def drilldown_orders() -> Response:
    """Orders with the outcome of their attempts, paginated like the executions."""
    return _page_response(orders_page)
