"""The schemas of the API's bodies, closed (``additionalProperties: false``) and listing every
field an endpoint returns, numbers as API.md says: fractions 0–1, ``profit_factor`` a number,
``"inf"`` or null, any other undefined ratio null."""

from __future__ import annotations

from typing import Any

from app.db.models.auth import ROLES
from app.db.models.events import BOOKS, EXECUTION_STATUSES, REJECT_REASONS, SIDES
from app.metrics.routing import FLOW_STAGES
from app.queries.exposure import MEASURES
from app.queries.filters import BUCKET_WIDTHS
from app.queries.results import DIMENSION_KEYS

Schema = dict[str, Any]

MARKOUT_HORIZONS = ("0", "1", "5", "30", "60")

# ------------------------------------------------------------------ schema building blocks


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """A closed object whose fields are all present except ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def map_of(keys: tuple[str, ...], value: Schema) -> Schema:
    return obj(dict.fromkeys(keys, value))


def described(schema: Schema, description: str) -> Schema:
    return {**schema, "description": description}


STRING: Schema = {"type": "string"}
FILE: Schema = {"type": "string", "format": "binary"}
STRING_OR_NULL: Schema = {"type": ["string", "null"]}
BOOLEAN: Schema = {"type": "boolean"}
COUNT: Schema = {"type": "integer", "minimum": 0}
COUNT_OR_NULL: Schema = {"type": ["integer", "null"], "minimum": 0}
NUMBER: Schema = {"type": "number"}
NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}
AMOUNT: Schema = {"type": "number", "minimum": 0}
AMOUNT_OR_NULL: Schema = {"type": ["number", "null"], "minimum": 0}
FRACTION: Schema = ref("Fraction")
FRACTION_OR_NULL: Schema = ref("FractionOrNull")
TIME: Schema = ref("Time")
TIME_OR_NULL: Schema = {"anyOf": [ref("Time"), {"type": "null"}]}
BOOK: Schema = {"type": "string", "enum": list(BOOKS)}
BUCKET: Schema = {"type": "string", "enum": list(BUCKET_WIDTHS)}


def by_book(value: Schema) -> Schema:
    return map_of(BOOKS, value)


def window(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """A response for a time window: ``start`` and ``end`` as used, then ``properties``."""
    return obj({"start": TIME, "end": TIME, **properties}, optional=optional)


# ------------------------------------------------------------------ shared schemas

PRIMITIVES: dict[str, Schema] = {
    "Time": {
        "type": "string",
        "format": "date-time",
        "description": "RFC 3339 in UTC with a Z suffix, e.g. 2026-11-24T13:00:00Z.",
    },
    "Fraction": {"type": "number", "minimum": 0, "maximum": 1, "description": "0–1, not %."},
    "FractionOrNull": {
        "type": ["number", "null"],
        "minimum": 0,
        "maximum": 1,
        "description": "0–1, not %; null when undefined (nothing to divide by).",
    },
    "ProfitFactor": {
        "description": 'Gross profit / gross loss; "inf" with gains and no losses, null with '
        "no trades.",
        "oneOf": [
            {"type": "number", "minimum": 0},
            {"type": "string", "const": "inf"},
            {"type": "null"},
        ],
    },
    "Error": obj(
        {
            "error": obj(
                {
                    "code": described(STRING, "Machine-readable, e.g. bad_parameter."),
                    "message": described(STRING, "Which parameter and why, for people."),
                    "service": {
                        "enum": ["database", "redis", "kafka"],
                        "description": "Only in a 503: the backing service that is down.",
                    },
                    "fields": {
                        "type": "object",
                        "additionalProperties": STRING,
                        "description": "Only for an invalid alert rule: field → reason.",
                    },
                },
                optional=("service", "fields"),
            )
        }
    ),
}

RESULTS_FIELDS: dict[str, Schema] = {
    "trades": COUNT,
    "unconverted": described(COUNT, "Trades without a USD rate; left out of the money."),
    "gross_profit": AMOUNT,
    "gross_loss": described(AMOUNT, "Positive: the sum of the losses' sizes."),
    "net_pnl": NUMBER,
    "profit_factor": ref("ProfitFactor"),
    "win_rate": FRACTION_OR_NULL,
    "sharpe": NUMBER_OR_NULL,
    "sortino": NUMBER_OR_NULL,
    "max_drawdown": AMOUNT,
    "max_drawdown_pct": described(
        AMOUNT_OR_NULL,
        "Fraction of capital + peak (above 1 only if the losses exceed the capital); null "
        "without the capital parameter.",
    ),
    "drawdown_duration_s": described(
        AMOUNT_OR_NULL, "Null when there was no drawdown or it has not recovered."
    ),
    "drawdown_recovered": BOOLEAN,
    "var95": NUMBER_OR_NULL,
    "es95": NUMBER_OR_NULL,
    "var_days": COUNT,
    "longest_win_streak": COUNT,
    "longest_loss_streak": COUNT,
}
"""The results metrics of one scope (app.metrics.results.ResultsSummary), money in USD."""

LP_ROW: Schema = obj(
    {
        "lp": STRING,
        "attempts": COUNT,
        "fills": COUNT,
        "fill_ratio": FRACTION_OR_NULL,
        "fill_rate_volume": FRACTION_OR_NULL,
        "reject_rate": FRACTION_OR_NULL,
        "reject_reasons": map_of(REJECT_REASONS, COUNT),
        "latency_ms": map_of(("p50", "p95", "p99", "max", "mean"), AMOUNT_OR_NULL),
        "slippage_pips_mean": NUMBER_OR_NULL,
        "price_improvement_pips_mean": NUMBER_OR_NULL,
        "best_execution_pct": FRACTION_OR_NULL,
        "markout_pips": map_of(MARKOUT_HORIZONS, NUMBER_OR_NULL),
        "notional_usd": AMOUNT,
        "volume_share": described(FRACTION_OR_NULL, "Null for INTERNAL (the B-book)."),
        "commission_per_million": NUMBER_OR_NULL,
        "pfof_usd": NUMBER,
        "uptime_pct": described(FRACTION_OR_NULL, "Null for INTERNAL."),
        "rejects": COUNT,
        "usd_unconverted": described(COUNT, "Attempts left out of the USD sums (no rate)."),
    }
)

VAR_ROW: dict[str, Schema] = {
    "var95": NUMBER_OR_NULL,
    "es95": NUMBER_OR_NULL,
    "days_used": COUNT,
    "trades": COUNT,
    "unconverted": COUNT,
}

FLOW: Schema = obj(
    {
        "nodes": array(
            obj({"stage": {"type": "string", "enum": list(FLOW_STAGES)}, "label": STRING})
        ),
        "links": array(
            obj(
                {
                    "source": described(COUNT, "Index into nodes."),
                    "target": described(COUNT, "Index into nodes."),
                    "value": described(COUNT, "Orders along the link."),
                }
            )
        ),
    }
)

ROUTING_BUCKET: Schema = obj(
    {
        "bucket": TIME,
        "orders": by_book(COUNT),
        "share_by_count": {"anyOf": [by_book(FRACTION_OR_NULL), {"type": "null"}]},
        "share_by_notional": {"anyOf": [by_book(FRACTION_OR_NULL), {"type": "null"}]},
    }
)

EXPOSURE_ROW: Schema = obj(
    {
        "symbol": STRING,
        "net_position": NUMBER_OR_NULL,
        "mid": NUMBER_OR_NULL,
        "notional_usd": AMOUNT_OR_NULL,
        "limit_usd": AMOUNT_OR_NULL,
        "utilisation": described(
            AMOUNT_OR_NULL, "notional_usd / limit_usd; above 1 when over the limit."
        ),
        "concentration": described(FRACTION_OR_NULL, "Share of the total notional."),
        "unconverted": described(BOOLEAN, "A position is held but its mid or rate is unknown."),
        "notional": described(AMOUNT_OR_NULL, "The notional in the report currency."),
    }
)

HEATMAP: Schema = obj(
    {
        "bucket": BUCKET,
        "measure": {"type": "string", "enum": list(MEASURES)},
        "symbols": array(STRING),
        "buckets": array(TIME),
        "values": described(array(array(NUMBER_OR_NULL)), "One row per symbol, one per bucket."),
    }
)

EXECUTION_ROW: Schema = obj(
    {
        "ts": TIME,
        "exec_id": STRING,
        "order_id": STRING,
        "lp": STRING,
        "status": {"type": "string", "enum": list(EXECUTION_STATUSES)},
        "symbol": STRING,
        "side": {"type": "string", "enum": list(SIDES)},
        "book": BOOK,
        "rule_id": STRING,
        "rule_version": COUNT,
        "requested_qty": AMOUNT,
        "fill_qty": AMOUNT,
        "requested_price": NUMBER,
        "fill_price": NUMBER_OR_NULL,
        "market_bid": NUMBER,
        "market_ask": NUMBER,
        "reject_reason": {"type": ["string", "null"], "enum": [*REJECT_REASONS, None]},
        "latency_ms": NUMBER,
        "slippage_pips": NUMBER_OR_NULL,
        "commission": NUMBER,
        "pfof": NUMBER,
        "currency": STRING,
    }
)

ORDER_ROW: Schema = obj(
    {
        "ts": TIME,
        "order_id": STRING,
        "symbol": STRING,
        "side": {"type": "string", "enum": list(SIDES)},
        "qty": AMOUNT,
        "order_type": STRING,
        "book": BOOK,
        "lp": described(STRING, "The first LP tried; INTERNAL for the B-book."),
        "rule_id": STRING,
        "rule_version": COUNT,
        "client_segment": STRING_OR_NULL,
        "account_id": STRING,
        "attempts": COUNT,
        "filled_qty": AMOUNT,
        "outcome": {"type": ["string", "null"], "enum": [*EXECUTION_STATUSES, None]},
        "lps_tried": described(STRING_OR_NULL, "Comma-separated, in time order."),
    }
)


def page_of(row: Schema) -> Schema:
    return window({"page": COUNT, "page_size": COUNT, "total": COUNT, "rows": array(row)})


CHECK: Schema = obj(
    {
        "status": {"type": "string", "enum": ["ok", "down"]},
        "detail": STRING,
        "latency_ms": AMOUNT,
    }
)

ALERT_RULE = obj(
    {
        "id": COUNT,
        "name": STRING,
        "enabled": BOOLEAN,
        "version": COUNT,
        "definition": described({"type": "object"}, "The rule definition (docs/alerting.md)."),
        "created_at": TIME,
        "updated_at": TIME,
        "snoozed_until": TIME_OR_NULL,
        "rated_alerts": COUNT,
        "false_positive_share": FRACTION_OR_NULL,
        "suppressed": described(BOOLEAN, "Muted: > 70 % of ≥ 5 rated alerts false positives."),
        "open_alerts": COUNT,
        "states": {"type": "object", "additionalProperties": COUNT},
    }
)
ALERT = obj(
    {
        "id": COUNT,
        "rule_id": COUNT,
        "rule_name": STRING,
        "rule_version": COUNT,
        "instance": described(STRING, "The LP, symbol, account ... (empty for a global rule)."),
        "severity": {"type": "string", "enum": ["info", "warning", "critical"]},
        "state": {"type": "string", "enum": ["firing", "resolved"]},
        "fired_at": TIME,
        "resolved_at": TIME_OR_NULL,
        "value": NUMBER_OR_NULL,
        "message": STRING,
        "labels": {"type": "object", "additionalProperties": STRING},
        "acknowledged_at": TIME_OR_NULL,
        "acknowledged_by": STRING_OR_NULL,
        "snoozed_until": TIME_OR_NULL,
        "escalation_level": COUNT,
        "feedback": {"enum": ["false_positive", "true_positive", None]},
        "runbook_url": STRING,
        "correlated_ids": array(COUNT),
    }
)


def _numbers(*names: str) -> dict[str, Schema]:
    return dict.fromkeys(names, NUMBER_OR_NULL)


# Compliance (tradedash/api/compliance.py, docs/compliance.md); percentages are 0-100.
COMPLIANCE_RESPONSES: dict[str, Schema] = {
    "BestExecution": window(
        {
            "note": STRING,
            "top_venues": array(
                obj(
                    {
                        "asset_class": STRING,
                        "rank": COUNT,
                        "venue": STRING,
                        "orders": COUNT,
                        **_numbers(
                            "volume_usd", "volume_share_pct", "order_share_pct", "passive_pct",
                            "aggressive_pct", "directed_pct",
                        ),
                    }
                )
            ),
            "venue_quality": array(
                obj(
                    {
                        "venue": STRING,
                        "attempts": COUNT,
                        "fills": COUNT,
                        **_numbers(
                            "fill_ratio_pct", "price_improvement_pips", "slippage_pips",
                            "commission_per_million_usd", "pfof_per_million_usd",
                            "latency_median_ms", "latency_p95_ms",
                        ),
                    }
                )
            ),
        }
    ),
    "OrderRouting": window(
        {
            "quarter": STRING,
            "months": array(
                obj(
                    {
                        "month": STRING,
                        "venues": array(
                            obj(
                                {
                                    "venue": STRING,
                                    "orders": COUNT,
                                    **_numbers(
                                        "non_directed_pct", "market_pct", "marketable_limit_pct",
                                        "non_marketable_limit_pct", "other_pct",
                                        "net_payment_usd", "routed_units",
                                        "net_payment_per_hundred_units",
                                    ),
                                }
                            )
                        ),
                    }
                )
            ),
        }
    ),
    "CompletenessFindings": window(
        {
            "findings": array(
                obj(
                    {
                        "kind": {
                            "type": "string",
                            "enum": [
                                "missing_field", "order_without_execution",
                                "execution_without_order", "clock_skew",
                            ],
                        },
                        "reference": STRING,
                        "ts": TIME,
                        "detail": STRING,
                    }
                )
            )
        }
    ),
    "AuditTrail": obj(
        {
            "page": COUNT,
            "page_size": COUNT,
            "total": COUNT,
            "rows": array(
                obj(
                    {
                        "id": COUNT,
                        "ts": STRING,
                        "actor": STRING,
                        "role": STRING,
                        "ip": STRING,
                        "action": STRING,
                        "target": STRING,
                        "details": described(STRING, "The record's details as JSON text."),
                    }
                )
            ),
        }
    ),
}  # fmt: skip

RESPONSES: dict[str, Schema] = {
    "LpScorecard": window({"rows": array(LP_ROW)}),
    "RulesReport": window(
        {"rows": array(obj({"rule_id": STRING, "name": STRING_OR_NULL, **RESULTS_FIELDS}))}
    ),
    "ResultsReport": window(
        {
            "by": {"type": "string", "enum": list(DIMENSION_KEYS)},
            "rows": array(
                obj(
                    {
                        "rule_id": STRING,
                        "rule_version": COUNT,
                        "name": STRING_OR_NULL,
                        "lp": described(STRING, "INTERNAL for the B-book."),
                        "symbol": STRING,
                        "book": BOOK,
                        **RESULTS_FIELDS,
                    },
                    optional=("rule_id", "rule_version", "name", "lp", "symbol", "book"),
                )
            ),
        }
    ),
    "VarReport": window(
        {
            "confidence": {"type": "number", "const": 0.95},
            "days": COUNT,
            "symbols": array(obj({"symbol": STRING, **VAR_ROW})),
            "book": obj(VAR_ROW),
        }
    ),
    "Backtest": window(
        {
            "rule_id": STRING,
            "policy": {"type": "string", "enum": ["flip", "toxicity"]},
            "estimate": {"type": "boolean", "const": True},
            "moved_to_a": COUNT,
            "moved_to_b": COUNT,
            "costs": map_of(
                (
                    "markup_per_million",
                    "client_commission_per_million",
                    "lp_commission_per_million",
                    "spread_share",
                ),
                NUMBER,
            ),
            "live": obj(RESULTS_FIELDS),
            "alternative": obj(RESULTS_FIELDS),
        }
    ),
    "VersionComparison": window(
        {
            "rule_id": STRING,
            "version_a": COUNT,
            "version_b": COUNT,
            "trades_a": COUNT,
            "trades_b": COUNT,
            "mean_a": NUMBER_OR_NULL,
            "mean_b": NUMBER_OR_NULL,
            "difference": described(NUMBER_OR_NULL, "mean_b − mean_a (USD per trade)."),
            "ci_low": NUMBER_OR_NULL,
            "ci_high": NUMBER_OR_NULL,
            "confidence": FRACTION,
        }
    ),
    "Routing": window(
        {
            "orders": COUNT,
            "orders_by_book": by_book(COUNT),
            "notional_usd_by_book": by_book(AMOUNT),
            "share_by_count": {"anyOf": [by_book(FRACTION), {"type": "null"}]},
            "share_by_notional": {"anyOf": [by_book(FRACTION), {"type": "null"}]},
            "unconverted_orders": COUNT,
            "lp_share": array(obj({"lp": STRING, "orders": COUNT, "share": FRACTION})),
            "flow": FLOW,
            "bucket": BUCKET,
            "over_time": array(ROUTING_BUCKET),
        },
        optional=("bucket", "over_time"),
    ),
    "Exposure": window(
        {
            "at": TIME,
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "rows": array(EXPOSURE_ROW),
            "total_notional_usd": AMOUNT_OR_NULL,
            "heatmap": HEATMAP,
        },
        optional=("heatmap",),
    ),
    "ExposureLimit": obj({"symbol": STRING, "limit_usd": AMOUNT, "updated_at": TIME}),
    "ExecutionsPage": page_of(EXECUTION_ROW),
    "OrdersPage": page_of(ORDER_ROW),
    "IngestStatus": obj(
        {
            "consumer_group": STRING,
            "events_per_second": NUMBER_OR_NULL,
            "lag": COUNT,
            "topics": array(
                obj(
                    {
                        "topic": STRING,
                        "lag": COUNT,
                        "partitions": array(
                            obj(
                                {
                                    "partition": COUNT,
                                    "committed_offset": COUNT_OR_NULL,
                                    "end_offset": COUNT,
                                    "lag": COUNT,
                                }
                            )
                        ),
                        "events_stored": COUNT,
                        "duplicates_ignored": COUNT,
                        "dead_letters": COUNT,
                        "last_event_ts": TIME_OR_NULL,
                    }
                )
            ),
        }
    ),
    "Health": obj(
        {
            "status": {"type": "string", "enum": ["ok", "degraded"]},
            "checks": map_of(("database", "redis", "kafka"), CHECK),
        }
    ),
    "Me": obj(
        {
            "name": STRING,
            "role": {"type": "string", "enum": list(ROLES)},
            "kind": {"type": "string", "enum": ["user", "token"]},
            "permissions": array(STRING),
        }
    ),
    "Tokens": obj(
        {
            "tokens": array(
                obj(
                    {
                        "id": COUNT,
                        "name": STRING,
                        "role": {"type": "string", "enum": list(ROLES)},
                        "created_at": TIME,
                        "expires_at": TIME_OR_NULL,
                        "revoked_at": TIME_OR_NULL,
                        "last_used_at": TIME_OR_NULL,
                        "active": BOOLEAN,
                    }
                )
            )
        }
    ),
    "AlertCatalogue": obj(
        {
            "rule_types": array(STRING),
            "scopes": array(STRING),
            "severities": array(STRING),
            "metrics": array(
                obj(
                    {
                        "name": STRING,
                        "unit": STRING,
                        "scopes": array(STRING),
                        "description": STRING,
                    }
                )
            ),
            "templates": array(obj({"key": STRING, "definition": {"type": "object"}})),
        }
    ),
    "AlertRule": ALERT_RULE,
    "AlertRules": obj({"rules": array(ref("AlertRule"))}),
    "AlertPreview": obj(
        {
            "definition_name": STRING,
            "fired_count": COUNT,
            "first_fired_at": TIME_OR_NULL,
            "last_fired_at": TIME_OR_NULL,
            "evaluations": COUNT,
            "by_instance": {"type": "object", "additionalProperties": COUNT},
        }
    ),
    "AlertSnooze": obj({"snoozed_until": TIME}),
    "Alert": ALERT,
    "Alerts": obj(
        {
            "alerts": array(ref("Alert")),
            "unacknowledged": described(COUNT, "Firing alerts nobody acknowledged (the bell)."),
        }
    ),
    "ExportRows": described(
        array({"type": "object", "additionalProperties": True}),
        "format=json: one object per row, column → value; times RFC 3339 with the offset of "
        "tz; with currency also fx_rate_unknown.",
    ),
    "ExportHistory": obj(
        {
            "rows": array(
                obj(
                    {
                        "id": COUNT,
                        "created_at": TIME,
                        "actor": STRING_OR_NULL,
                        "dataset": STRING,
                        "format": STRING,
                        "rows": COUNT_OR_NULL,
                        "size_bytes": COUNT,
                        "sha256": described(STRING, "SHA-256 of the file's bytes, hex."),
                        "file_name": STRING,
                        "job_id": COUNT_OR_NULL,
                        "filter": {"type": "object"},
                    }
                )
            )
        }
    ),
    **COMPLIANCE_RESPONSES,
    "OpenApiDocument": {
        "type": "object",
        "required": ["openapi", "info", "paths"],
        "properties": {"openapi": {"type": "string", "const": "3.1.0"}},
    },
}
