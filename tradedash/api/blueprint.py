"""Assembles the /api/v1 blueprint from the endpoint modules."""

from __future__ import annotations

from typing import NoReturn

from flask import Blueprint
from werkzeug.exceptions import HTTPException

from . import (
    alerts,
    compliance,
    exports,
    health,
    ingest_status,
    lp_metrics,
    openapi,
    results_metrics,
    routing_exposure,
)
from .errors import ApiError, handle_api_error, handle_http_error, handle_unexpected
from .params import reject_unstorable_parameters


def _unknown_endpoint(rest: str) -> NoReturn:
    # Dash serves every unmatched path as a page; under /api/ that must be a JSON 404 instead.
    raise ApiError(404, "not_found", f"no such endpoint: /api/v1/{rest}")


def build_api() -> Blueprint:
    api = Blueprint("api_v1", __name__, url_prefix="/api/v1")
    api.register_blueprint(health.blueprint)
    api.register_blueprint(ingest_status.blueprint)
    api.register_blueprint(routing_exposure.blueprint)
    api.register_blueprint(results_metrics.blueprint)
    api.register_blueprint(lp_metrics.blueprint)
    api.register_blueprint(alerts.blueprint)
    api.register_blueprint(exports.blueprint)
    api.register_blueprint(compliance.blueprint)
    api.register_blueprint(openapi.blueprint)
    api.add_url_rule(
        "/<path:rest>",
        "unknown",
        _unknown_endpoint,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    )
    api.before_request(reject_unstorable_parameters)
    api.register_error_handler(ApiError, handle_api_error)
    api.register_error_handler(HTTPException, handle_http_error)
    api.register_error_handler(Exception, handle_unexpected)
    return api
