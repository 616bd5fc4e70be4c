"""The OpenAPI 3.1 document: one small description per endpoint, turned into ``paths``."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from app.auth.permissions import Permission
from app.db.models.auth import ROLES
from app.queries.drilldown import EXECUTION_COLUMNS, ORDER_COLUMNS

from .parameters import (
    BACKTEST_PARAMETERS,
    BY,
    DAYS,
    EXPOSURE_PARAMETERS,
    FILTERS,
    ONE_RULE,
    PARAMETERS,
    RULE_ID_IN_PATH,
    SYMBOL_IN_PATH,
    VERSIONS,
    WINDOW_AND_FILTERS,
    shared,
    sort,
)
from .schemas import PRIMITIVES, RESPONSES, STRING, Schema, obj, ref


@dataclass(frozen=True)
class Endpoint:
    """One operation: enough to write its entry in ``paths``."""

    method: str
    path: str
    summary: str
    response: str | None
    """A name in RESPONSES, or None for a non-JSON body (see ``media_type``)."""
    tag: str
    parameters: tuple[Schema, ...] = ()
    role: str | None = "analyst"
    """The least role whose token is accepted; None: open, no token needed."""
    permission: str | None = None
    media_type: str = "application/json"
    request_body: Schema | None = None
    bad_request: bool = True


PAGE_PARAMETERS = shared("start", "end", *FILTERS, "segment", "page", "page_size")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "get", "/health", "Database, Redis and Kafka checks", "Health", "service",
        role=None, bad_request=False,
    ),
    Endpoint(
        "get", "/openapi.json", "This document", "OpenApiDocument", "service", bad_request=False
    ),
    Endpoint(
        "get", "/me", "The caller: name, role and permissions", "Me", "auth", bad_request=False
    ),
    Endpoint(
        "get", "/admin/tokens", "API tokens (never their secrets or hashes)", "Tokens", "auth",
        role="admin", bad_request=False,
    ),
    Endpoint(
        "get", "/ingest/status", "Consumer lag per topic and partition, ingest counters",
        "IngestStatus", "ingest", bad_request=False,
    ),
    Endpoint(
        "get", "/ingest/metrics", "The ingest status in the Prometheus text format", None,
        "ingest", media_type="text/plain", bad_request=False,
    ),
    Endpoint(
        "get", "/metrics/lp", "Execution quality per LP (the LP scorecard)", "LpScorecard",
        "execution", tuple(WINDOW_AND_FILTERS),
    ),
    Endpoint(
        "get", "/drilldown/executions", "Execution reports behind the numbers, paginated",
        "ExecutionsPage", "execution", (*PAGE_PARAMETERS, sort(EXECUTION_COLUMNS)),
    ),
    Endpoint(
        "get", "/drilldown/orders", "Orders with the outcome of their attempts, paginated",
        "OrdersPage", "execution", (*PAGE_PARAMETERS, sort(ORDER_COLUMNS)),
    ),
    Endpoint(
        "get", "/metrics/rules", "Results per routing rule", "RulesReport", "results",
        (*WINDOW_AND_FILTERS, *shared("capital", "risk_free")),
    ),
    Endpoint(
        "get", "/metrics/results", "Results per rule, rule version, LP, symbol or book",
        "ResultsReport", "results", (*WINDOW_AND_FILTERS, *shared("capital"), BY),
    ),
    Endpoint(
        "get", "/risk/var", "Historical 1-day VaR 95 % and ES 95 % per symbol and book",
        "VarReport", "results", (*WINDOW_AND_FILTERS, DAYS),
    ),
    Endpoint(
        "get", "/metrics/rules/{rule_id}/backtest",
        "The rule's trades re-booked under another policy (an estimate)", "Backtest", "results",
        (RULE_ID_IN_PATH, *ONE_RULE, *shared("capital"), *BACKTEST_PARAMETERS),
    ),
    Endpoint(
        "get", "/metrics/rules/{rule_id}/compare",
        "Mean result per trade of two rule versions, with a bootstrap 95 % CI",
        "VersionComparison", "results", (RULE_ID_IN_PATH, *ONE_RULE, *VERSIONS),
    ),
    Endpoint(
        "get", "/metrics/routing", "A/B shares, LP shares of A-book orders, the order flow",
        "Routing", "routing", tuple(shared("start", "end", *FILTERS, "segment", "bucket")),
    ),
    Endpoint(
        "get", "/exposure", "B-book exposure per symbol at the window's end", "Exposure",
        "routing", (*shared("start", "end", "symbol", "bucket"), *EXPOSURE_PARAMETERS),
    ),
    Endpoint(
        "put", "/exposure/limits/{symbol}", "Set a symbol's exposure limit (audited)",
        "ExposureLimit", "routing", (SYMBOL_IN_PATH,), role=None,
        permission=Permission.MANAGE_LIMITS.value,
        request_body=obj({"limit_usd": {"type": "number", "exclusiveMinimum": 0}}),
    ),
)  # fmt: skip
"""Every operation of API v1; tests/integration/test_openapi.py checks it against the routes."""


def _error(description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


ERROR_RESPONSES: dict[str, Schema] = {
    "BadRequest": _error("A bad parameter; the message names it and says why."),
    "Unauthorized": {
        **_error("No token, or an unknown, revoked or expired one."),
        "headers": {"WWW-Authenticate": {"schema": STRING}},
    },
    "Forbidden": _error("The token's role may not use this endpoint."),
    "RateLimited": {
        **_error(
            "This token made more requests this minute than allowed (setting "
            "TRADEDASH_API_RATE_LIMIT_PER_MINUTE); retry after the given seconds."
        ),
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
    },
    "InternalError": _error("An unexpected error (details only in the server log)."),
}


def _responses(endpoint: Endpoint) -> dict[str, Schema]:
    body = ref(endpoint.response) if endpoint.response else STRING
    responses: dict[str, Schema] = {
        "200": {"description": "OK", "content": {endpoint.media_type: {"schema": body}}}
    }
    if endpoint.path == "/health":
        responses["503"] = {
            "description": "A backing service is down (its check says which).",
            "content": {"application/json": {"schema": ref("Health")}},
        }
    if endpoint.bad_request or endpoint.request_body is not None:
        responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    if endpoint.role is not None or endpoint.permission is not None:
        responses["401"] = {"$ref": "#/components/responses/Unauthorized"}
        responses["429"] = {"$ref": "#/components/responses/RateLimited"}
    if endpoint.permission is not None or endpoint.role not in (None, ROLES[0]):
        # Every valid token has at least the lowest role: only a higher bar can refuse one.
        responses["403"] = {"$ref": "#/components/responses/Forbidden"}
    responses["500"] = {"$ref": "#/components/responses/InternalError"}
    return responses


def _who(endpoint: Endpoint) -> str:
    if endpoint.permission is not None:
        return f"Needs a token whose role holds {endpoint.permission}."
    if endpoint.role is None:
        return "Open: no token needed."
    if endpoint.role == ROLES[-1]:
        return f"Needs a token of role {endpoint.role}."
    return f"Needs a token of role {endpoint.role} or above ({' < '.join(ROLES)})."


def _operation_id(endpoint: Endpoint) -> str:
    words = re.findall(r"[a-z0-9]+", endpoint.path.replace("openapi.json", "openapi"))
    return "_".join([endpoint.method, *words])


def operation(endpoint: Endpoint) -> Schema:
    """The OpenAPI operation object of ``endpoint``."""
    op: Schema = {
        "operationId": _operation_id(endpoint),
        "summary": endpoint.summary,
        "description": _who(endpoint),
        "tags": [endpoint.tag],
        "parameters": list(endpoint.parameters),
        "responses": _responses(endpoint),
    }
    if endpoint.role is None and endpoint.permission is None:
        op["security"] = []
    if endpoint.request_body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": endpoint.request_body}},
        }
    return op


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of API v1 (built once per process)."""
    paths: dict[str, dict[str, Schema]] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method] = operation(endpoint)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "tradedash API",
            "version": "1",
            "description": "Execution analytics for integrations. Times are RFC 3339 (start "
            'inclusive, end exclusive); errors are {"error": {"code", "message"}}; '
            "fractions are 0–1. See docs/api.md.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token created by an admin (in the app or the CLI).",
                }
            },
            "parameters": PARAMETERS,
            "responses": ERROR_RESPONSES,
            "schemas": {**PRIMITIVES, **RESPONSES},
        },
    }
