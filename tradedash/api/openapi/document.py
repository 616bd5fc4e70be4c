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
    DATASET_IN_PATH,
    DAYS,
    EXPORT_HISTORY_LIMIT,
    EXPORT_MEDIA_TYPES,
    EXPORT_PARAMETERS,
    EXPOSURE_PARAMETERS,
    FILTERS,
    JOB_ID_IN_PATH,
    ONE_RULE,
    PARAMETERS,
    RULE_ID_IN_PATH,
    SYMBOL_IN_PATH,
    VERSIONS,
    WINDOW_AND_FILTERS,
    query,
    shared,
    sort,
)
from .schemas import FILE, PRIMITIVES, RESPONSES, STRING, Schema, obj, ref


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
    other_media_types: tuple[str, ...] = ()
    """Further media types of the 200 body (a file; its schema a binary string)."""
    errors: tuple[str, ...] = ()
    """Further statuses the operation may answer: "403", "404" or "409"."""


_ALERT_ID = {"alert_id": {"type": "integer", "minimum": 1}}
_MINUTES = {"minutes": {"type": "integer", "minimum": 5, "maximum": 60}}
_RULE_BODY: Schema = {"type": "object", "description": "A rule definition (docs/alerting.md)."}
_ALERT_QUERY = (
    {
        "name": "state",
        "in": "query",
        "required": False,
        "description": "Which alerts.",
        "schema": {
            "enum": ["all", "open", "firing", "resolved", "unacknowledged"],
            "default": "all",
        },
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "At most this many.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    },
    {
        "name": "severity",
        "in": "query",
        "required": False,
        "description": "Only this one.",
        "schema": {"enum": ["info", "warning", "critical"]},
    },
)
_MANAGE_RULES = Permission.MANAGE_ALERT_RULES.value
ALERT_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("get", "/alerts/catalogue", "Rule types, metrics and templates for alert rules",
             "AlertCatalogue", "alerts", bad_request=False),
    Endpoint("get", "/alerts/rules", "Alert rules with their states", "AlertRules", "alerts",
             bad_request=False),
    Endpoint("post", "/alerts/rules", "Create an alert rule (audited)", "AlertRule", "alerts",
             role=None, permission=_MANAGE_RULES, request_body=_RULE_BODY),
    Endpoint("post", "/alerts/rules/preview", "How often a rule would have fired in 7 days",
             "AlertPreview", "alerts", role=None, permission=_MANAGE_RULES,
             request_body=_RULE_BODY),
    Endpoint("get", "/alerts/rules/{rule_id}", "One alert rule", "AlertRule", "alerts",
             (RULE_ID_IN_PATH,), bad_request=False, errors=("404",)),
    Endpoint("put", "/alerts/rules/{rule_id}", "Replace a rule's definition (a new version)",
             "AlertRule", "alerts", (RULE_ID_IN_PATH,), role=None, permission=_MANAGE_RULES,
             request_body=_RULE_BODY, errors=("404",)),
    Endpoint("post", "/alerts/rules/{rule_id}/snooze", "Snooze a rule's notifications",
             "AlertSnooze", "alerts", (RULE_ID_IN_PATH,), role=None, permission=_MANAGE_RULES,
             request_body=obj(_MINUTES), errors=("404",)),
    Endpoint("get", "/alerts/events", "Alerts, newest first, and the unacknowledged count",
             "Alerts", "alerts", _ALERT_QUERY),
    Endpoint("post", "/alerts/events/ack", "Acknowledge an alert (audited)", "Alert", "alerts",
             request_body=obj(_ALERT_ID), errors=("404",)),
    Endpoint("post", "/alerts/events/snooze", "Snooze an alert for 5-60 minutes (audited)",
             "Alert", "alerts", request_body=obj({**_ALERT_ID, **_MINUTES}),
             errors=("404",)),
    Endpoint("post", "/alerts/events/feedback", "Rate an alert as a false or true positive",
             "Alert", "alerts",
             request_body=obj({**_ALERT_ID, "false_positive": {"type": "boolean"}}),
             errors=("404",)),
)  # fmt: skip

EXPORT_ENDPOINTS = (
    Endpoint(
        "get", "/export/history", "Past exports: who, when, what, format, rows, SHA-256",
        "ExportHistory", "exports", (EXPORT_HISTORY_LIMIT,),
    ),
    Endpoint(
        "get", "/export/{dataset}",
        "A dataset as CSV, Excel, JSON, Parquet or (reports) PDF, streamed and audited",
        "ExportRows", "exports", (DATASET_IN_PATH, *shared("start", "end", *FILTERS, "segment"),
                                  *EXPORT_PARAMETERS),
        other_media_types=EXPORT_MEDIA_TYPES, errors=("403",),
    ),
    Endpoint(
        "get", "/export/jobs/{job_id}/file", "A finished export job's file (owner or admin)",
        "ExportRows", "exports", (JOB_ID_IN_PATH,), other_media_types=EXPORT_MEDIA_TYPES,
        errors=("404", "409"),
        bad_request=False,
    ),
)  # fmt: skip

_TRANSACTION_FORMAT = query(
    "format", {"type": "string", "enum": ["csv", "xml"], "default": "csv"}, "File format."
)
_QUARTER = query(
    "quarter",
    {"type": "string", "pattern": "^[0-9]{4}-?[Qq][1-4]$"},
    "Calendar quarter, e.g. 2026Q4.",
    required=True,
)
_AUDIT_PARAMETERS = (
    query("q", {"type": "string", "maxLength": 200}, "Text in the actor, action or target."),
    *shared("start", "end"),
    query("page", {"type": "integer", "minimum": 0, "default": 0}, "0-based page."),
    query(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
        "Records per page.",
    ),
)
COMPLIANCE_ENDPOINTS = (
    Endpoint(
        "get", "/compliance/best-execution",
        "Top five venues per asset class (RTS 28 shares) and execution quality per venue",
        "BestExecution", "compliance", tuple(shared("start", "end", "symbol", "lp", "book")),
        role="compliance",
    ),
    Endpoint(
        "get", "/compliance/order-routing",
        "Rule 606-shaped routing disclosure of a quarter, per month and venue",
        "OrderRouting", "compliance", (_QUARTER,), role="compliance",
    ),
    Endpoint(
        "get", "/compliance/transactions",
        "RTS 22-shaped transaction report as CSV or XML (audited)", None, "compliance",
        (*shared("start", "end", "symbol", "lp", "book"), _TRANSACTION_FORMAT),
        role="compliance", media_type="text/csv", other_media_types=("application/xml",),
    ),
    Endpoint(
        "get", "/compliance/completeness", "Data-completeness findings of the window",
        "CompletenessFindings", "compliance", tuple(shared("start", "end")), role="compliance",
    ),
    Endpoint(
        "get", "/audit", "The audit trail, newest first, searchable, paginated", "AuditTrail",
        "compliance", _AUDIT_PARAMETERS, role="compliance",
    ),
)  # fmt: skip

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
    *ALERT_ENDPOINTS,
    *EXPORT_ENDPOINTS,
    *COMPLIANCE_ENDPOINTS,
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
    "NotFound": _error("No such thing (or none the caller may see)."),
    "Conflict": _error("Not in a state that allows this (e.g. a job not finished)."),
    "ServiceUnavailable": {
        **_error(
            "A backing service is down; error.service says which (database, redis or kafka). "
            "Retry after the given seconds."
        ),
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
    },
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
    for status, name in (("403", "Forbidden"), ("404", "NotFound"), ("409", "Conflict")):
        if status in endpoint.errors:
            responses[status] = {"$ref": f"#/components/responses/{name}"}
    for media_type in endpoint.other_media_types:
        responses["200"]["content"][media_type] = {"schema": FILE}
    responses["500"] = {"$ref": "#/components/responses/InternalError"}
    if "503" not in responses:
        # Every operation but /health (which answers its own 503) reads a backing service,
        # the token check alone reads the database.
        responses["503"] = {"$ref": "#/components/responses/ServiceUnavailable"}
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
