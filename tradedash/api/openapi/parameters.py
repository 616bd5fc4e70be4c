"""Query and path parameters: the shared ones (window, dimension filters, paging) by name in
``components/parameters``, the rest per endpoint."""

from __future__ import annotations

from app.exports.datasets import DATASETS
from app.exports.request import FORMATS as EXPORT_FORMATS
from app.metrics.risk import DEFAULT_VAR_DAYS
from app.queries.drilldown import MAX_PAGE_SIZE
from app.queries.exposure import MEASURES
from app.queries.filters import DEFAULT_WINDOW, MAX_WINDOW
from app.queries.results import DIMENSION_KEYS

from ..results_metrics import MAX_VAR_DAYS
from .schemas import BOOK, BUCKET, STRING, Schema, array

FILTERS = ("symbol", "lp", "book", "rule_id")
"""The dimension filters the closed-position and execution read models accept (no segment)."""


def query(name: str, schema: Schema, description: str, *, required: bool = False) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def repeatable(name: str, description: str) -> Schema:
    return {**query(name, array(STRING), description), "style": "form", "explode": True}


PARAMETERS: dict[str, Schema] = {
    "start": query(
        "start",
        {"type": "string", "format": "date-time"},
        f"RFC 3339, inclusive. Default: end − {DEFAULT_WINDOW.total_seconds() / 3600:g} h.",
    ),
    "end": query(
        "end",
        {"type": "string", "format": "date-time"},
        f"RFC 3339, exclusive. Default: now. At most {MAX_WINDOW.days} days after start.",
    ),
    "symbol": repeatable("symbol", "Keep only these symbols (repeat the parameter)."),
    "lp": repeatable("lp", "Keep only these LPs; INTERNAL is the B-book."),
    "book": {
        **query("book", array(BOOK), "Keep only these books."),
        "style": "form",
        "explode": True,
    },
    "rule_id": repeatable("rule_id", "Keep only these routing rules."),
    "segment": repeatable("segment", "Keep only these client segments."),
    "bucket": query("bucket", BUCKET, "Time bucket width."),
    "page": query("page", {"type": "integer", "minimum": 1, "default": 1}, "1-based page."),
    "page_size": query(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 100},
        "Rows per page.",
    ),
    "capital": query(
        "capital",
        {"type": "number", "exclusiveMinimum": 0},
        "Capital in USD; gives max_drawdown_pct (null without it).",
    ),
    "risk_free": query(
        "risk_free", {"type": "number", "default": 0}, "Daily risk-free return for the Sharpe."
    ),
}


def shared(*names: str) -> list[Schema]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def sort(columns: dict[str, str]) -> Schema:
    return query(
        "sort",
        {"type": "string", "default": "-ts"},
        "Comma-separated columns, - for descending, e.g. lp,-ts. Columns: "
        + ", ".join(columns)
        + ".",
    )


RULE_ID_IN_PATH: Schema = {"name": "rule_id", "in": "path", "required": True, "schema": STRING}
WINDOW_AND_FILTERS = shared("start", "end", *FILTERS)
ONE_RULE = shared("start", "end", "symbol", "lp", "book")
"""A rule's own endpoints: the rule comes from the path, not from a rule_id filter."""

BY = query(
    "by",
    {"type": "string", "enum": list(DIMENSION_KEYS), "default": "rule"},
    "The dimension of the rows.",
)
DAYS = query(
    "days",
    {"type": "integer", "minimum": 1, "maximum": MAX_VAR_DAYS, "default": DEFAULT_VAR_DAYS},
    f"Use the last this many days with trades; without start the window reaches back "
    f"{MAX_WINDOW.days} days.",
)
BACKTEST_PARAMETERS = (
    query(
        "policy",
        {"type": "string", "enum": ["flip", "toxicity"], "default": "flip"},
        "flip: A ↔ B; toxicity: clients whose markout-based toxicity score (fill_qty-weighted "
        "60 s markout in bps of the fill price) is above threshold_bps to A, the rest to B.",
    ),
    query("threshold_bps", {"type": "number", "default": 0}, "Toxicity threshold (bps)."),
    query("min_trades", {"type": "integer", "minimum": 1}, "Fills a client needs to be scored."),
    *(
        query(name, {"type": "number"}, "Cost model, USD per million (spread_share: 0–1).")
        for name in (
            "markup_per_million",
            "client_commission_per_million",
            "lp_commission_per_million",
            "spread_share",
        )
    ),
)
VERSIONS = (
    query("a", {"type": "integer", "minimum": 1}, "First rule version.", required=True),
    query("b", {"type": "integer", "minimum": 1}, "Second rule version.", required=True),
)
EXPOSURE_PARAMETERS = (
    query(
        "measure",
        {"type": "string", "enum": list(MEASURES), "default": "net"},
        "What the heatmap (with bucket) shows.",
    ),
    query(
        "currency",
        {"type": "string", "pattern": "^[A-Z]{3}$"},
        "Currency of the notional field (default: the configured reporting currency).",
    ),
)
SYMBOL_IN_PATH: Schema = {"name": "symbol", "in": "path", "required": True, "schema": STRING}

DATASET_IN_PATH: Schema = {
    "name": "dataset",
    "in": "path",
    "required": True,
    "description": "What to export.",
    "schema": {"type": "string", "enum": list(DATASETS)},
}
JOB_ID_IN_PATH: Schema = {
    "name": "job_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
EXPORT_MEDIA_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.apache.parquet",
    "application/pdf",
)
"""The file formats besides JSON (whose body is documented as ExportRows)."""
EXPORT_PARAMETERS = (
    query(
        "format",
        {"type": "string", "enum": list(EXPORT_FORMATS), "default": "csv"},
        "File format; pdf only for the reports (lp_scorecard, rule_report).",
    ),
    {
        **query(
            "columns",
            array(STRING),
            "Columns to export, comma-separated or repeated (default: all of the dataset's).",
        ),
        "style": "form",
        "explode": True,
    },
    query(
        "tz",
        {"type": "string"},
        "IANA timezone of the exported times, e.g. Europe/London (default: the configured one).",
    ),
    query(
        "currency",
        {"type": "string", "pattern": "^[A-Za-z]{3}$"},
        "Convert money to this ISO 4217 currency (adds fx_rate_unknown); default: as stored.",
    ),
)
EXPORT_HISTORY_LIMIT = query(
    "limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}, "At most this many."
)
