"""The LP scorecard grid's columns (``pages/lp_scorecards.py``), money named in the user's
reporting currency: the page lays them out, its callback re-sends them with the currency the
amounts were converted to."""

from __future__ import annotations

from typing import Any

from app.charts.scorecard import METRICS, MONEY_COLUMNS, PERCENT_COLUMNS
from app.formatting import Reporting

FORMAT_PERCENT = "params.value == null ? '–' : d3.format('.1%')(params.value)"
FORMAT_NUMBER = (
    "params.value == null ? '–' : "
    "(Math.abs(params.value) >= 1000 ? d3.format(',.0f') : d3.format(',.3~f'))(params.value)"
)


def _metric_column(field: str, shown: Reporting) -> dict[str, Any]:
    label, _direction = METRICS[field]
    if field in MONEY_COLUMNS:
        label = shown.label(label.removesuffix(" (USD)"))
    return {
        "field": field,
        "headerName": label,
        "type": "rightAligned",
        "filter": False,
        "minWidth": 110,
        "headerTooltip": label,
        "valueFormatter": {
            "function": FORMAT_PERCENT if field in PERCENT_COLUMNS else FORMAT_NUMBER
        },
        # Best and worst LP of each ranked column, marked by the callback in row["_rank"].
        "cellClassRules": {
            "cell-best": f"params.data._rank && params.data._rank['{field}'] === 'best'",
            "cell-worst": f"params.data._rank && params.data._rank['{field}'] === 'worst'",
        },
    }


def scorecard_columns(shown: Reporting | None = None) -> list[dict[str, Any]]:
    """The scorecard grid's columns, money named in the ``shown`` currency (USD by default)."""
    return [
        {"field": "lp", "headerName": "LP", "pinned": "left", "minWidth": 120},
        *(_metric_column(field, shown or Reporting()) for field in METRICS),
    ]
