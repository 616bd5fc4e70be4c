"""Results and risk endpoints: /metrics/rules, /metrics/results, /risk/var and a rule's
backtest and version comparison (METRICS.md "Results"; API.md).

Numbers follow API.md: ``profit_factor`` is a number, ``"inf"`` with gains and no losses, or
null with no trades; every other undefined ratio is null; fractions are 0–1. Money is USD.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from typing import Any, TypeVar, get_args

from flask import Blueprint, Response, current_app, jsonify, request

from app.metrics.backtest import CostModel, PolicyName
from app.metrics.risk import DEFAULT_VAR_DAYS
from app.metrics.toxicity import DEFAULT_MIN_TRADES
from app.queries.filters import MAX_WINDOW, Filter, FilterError
from app.queries.results import DIMENSION_KEYS, Dimension, results_by, rule_report
from app.queries.risk import var_report
from app.queries.rules import compare_rule_versions, rule_backtest

from ..auth.api import require_api_role
from ..resources import Resources
from .errors import bad_request
from .params import filter_from_request

blueprint = Blueprint("results_metrics", __name__)

MAX_VAR_DAYS = 1000
T = TypeVar("T")


def _engine() -> Any:
    resources: Resources = current_app.extensions["tradedash"]
    return resources.engine


def _number(name: str, parse: Callable[[str], T], check: Callable[[T], bool], why: str) -> T | None:
    """An optional query parameter, or a 400 naming it and saying what it must be."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = parse(raw)  # "" is a ValueError too: a parameter sent empty is a mistake
    except ValueError:
        raise bad_request(f"{name}: {why}, got {raw!r}") from None
    if not check(value):
        raise bad_request(f"{name}: {why}, got {raw!r}")
    return value


def _capital() -> float | None:
    return _number("capital", float, lambda v: math.isfinite(v) and v > 0, "a positive amount")


def _finite(name: str, default: float) -> float:
    value = _number(name, float, math.isfinite, "a finite number")
    return default if value is None else value


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _json_value(value: Any) -> Any:
    """inf as "inf" (only the profit factor can be inf), NaN as null, recursively."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return "inf" if value == math.inf else (None if math.isinf(value) else value)
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value


def _window_body(f: Filter, **body: Any) -> Response:
    return jsonify(_json_value({"start": _time(f.start), "end": _time(f.end), **body}))


def _evaluate(read: Callable[[], T]) -> T:
    # FilterError from a read model (e.g. a segment filter on positions) is the caller's fault.
    try:
        return read()
    except FilterError as exc:
        raise bad_request(str(exc)) from None


@blueprint.get("/metrics/rules")
@require_api_role("analyst")
def rules_report() -> Response:
    f, capital = filter_from_request(), _capital()
    risk_free = _finite("risk_free", 0.0)
    with _engine().connect() as conn:
        rows = _evaluate(lambda: rule_report(conn, f, capital, risk_free_daily=risk_free))
    return _window_body(f, rows=rows)


@blueprint.get("/metrics/results")
@require_api_role("analyst")
def results_report() -> Response:
    f, capital = filter_from_request(), _capital()
    by = request.args.get("by", "rule")
    if by not in DIMENSION_KEYS:
        raise bad_request(f"by: must be one of {', '.join(DIMENSION_KEYS)}, got {by!r}")
    dimension: Dimension = by  # type: ignore[assignment]
    with _engine().connect() as conn:
        rows = _evaluate(lambda: results_by(conn, f, dimension, capital=capital))
    return _window_body(f, by=by, rows=rows)


@blueprint.get("/risk/var")
@require_api_role("analyst")
def value_at_risk() -> Response:
    """Without ``start`` the window reaches back the longest allowed span, so that ``days``
    days of history are there to use (a 24-hour VaR sample would be meaningless)."""
    f = filter_from_request()
    if "start" not in request.args:
        f = dataclasses.replace(f, start=f.end - MAX_WINDOW)
    days = _number("days", int, lambda v: 1 <= v <= MAX_VAR_DAYS, f"an integer 1–{MAX_VAR_DAYS}")
    with _engine().connect() as conn:
        report = _evaluate(lambda: var_report(conn, f, days or DEFAULT_VAR_DAYS))
    return _window_body(f, confidence=0.95, **report)


@blueprint.get("/metrics/rules/<rule_id>/backtest")
@require_api_role("analyst")
def backtest(rule_id: str) -> Response:
    f = dataclasses.replace(filter_from_request(), rule_ids=(rule_id,))
    policy = request.args.get("policy", "flip")
    if policy not in get_args(PolicyName):
        raise bad_request(f"policy: must be flip or toxicity, got {policy!r}")
    defaults = CostModel()
    costs = CostModel(
        **{
            field.name: _finite(field.name, getattr(defaults, field.name))
            for field in dataclasses.fields(CostModel)
        }
    )
    threshold = _finite("threshold_bps", 0.0)
    min_trades = _number("min_trades", int, lambda v: v >= 1, "a positive integer")
    capital = _capital()
    with _engine().connect() as conn:
        result = _evaluate(
            lambda: rule_backtest(
                conn,
                f,
                policy,  # type: ignore[arg-type]
                threshold_bps=threshold,
                min_trades=min_trades or DEFAULT_MIN_TRADES,
                costs=costs,
                capital=capital,
            )
        )
    return _window_body(f, rule_id=rule_id, **result)


def _version(name: str) -> int | None:
    return _number(name, int, lambda v: v >= 1, "a rule version (an integer ≥ 1)")


@blueprint.get("/metrics/rules/<rule_id>/compare")
@require_api_role("analyst")
def compare(rule_id: str) -> Response:
    f = filter_from_request()
    version_a, version_b = _version("a"), _version("b")
    if version_a is None or version_b is None:
        raise bad_request("a, b: both rule versions to compare are required")
    with _engine().connect() as conn:
        result = _evaluate(lambda: compare_rule_versions(conn, f, rule_id, version_a, version_b))
    return _window_body(f, **result)
