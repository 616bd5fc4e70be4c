"""LP scorecards: the scorecard grid and heatmap (``execution.lp_scorecard``), latency and
slippage distributions, profit factors (``results.results_by``), quote quality and the
rejected executions of the LP clicked (``lp_detail.rejected_executions_page``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, ctx

from app.charts import execution as charts
from app.charts.scorecard import MONEY_COLUMNS, extremes, scorecard_frame, zscore_heatmap
from app.formatting import MILLISECONDS, Reporting, local_time
from app.queries.execution import lp_scorecard, lp_spreads, quote_staleness, slippage_histogram
from app.queries.filters import Filter
from app.queries.lp_detail import latency_distribution, rejected_executions_page
from app.queries.results import results_by
from callbacks.filter_inputs import engine, filter_from_inputs
from callbacks.live_updates import is_refresh, live_inputs, patched, register_live_badge
from callbacks.page_reads import after_main_figure, filter_choices, reads, reporting
from pages.ids import lp_scorecards as ids
from pages.live import shape_id
from pages.scorecard_columns import scorecard_columns
from tradedash.auth import require_role
from tradedash.preferences import current_timezone

REJECTS_PAGE_SIZE = 50
FILTER_VALUES = [
    (ids.WINDOW, "value"),
    (ids.SYMBOLS, "value"),
    (ids.LPS, "value"),
    (ids.BOOKS, "value"),
    (ids.RULES, "value"),
]


def clock() -> dt.datetime:
    """The present; tests replace it to look at a simulated stream from its own time."""
    return dt.datetime.now(dt.UTC)


def page_filter(*values: Any) -> Filter:
    """The filter bar's values (window, symbols, LPs, books, rules) as a Filter ending now."""
    return filter_from_inputs(*values, now=clock())


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def in_reporting(frame: pd.DataFrame, shown: Reporting) -> pd.DataFrame:
    """A ``scorecard_frame`` with its USD columns in the ``shown`` currency."""
    converted = frame.copy()
    for column in MONEY_COLUMNS:
        amounts = [shown.amount(v) for v in frame[column].astype("float64")]
        converted[column] = pd.Series(amounts, index=frame.index, dtype="float64")
    return converted


def scorecard_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Grid rows of a ``scorecard_frame``: one flat row per LP plus ``_rank`` ({column:
    "best" | "worst"})."""
    ranks = extremes(frame)
    return [
        {**{k: _plain(v) for k, v in record.items()}, "_rank": ranks.get(record["lp"], {})}
        for record in frame.to_dict("records")
    ]


def quote_rows(
    spreads: pd.DataFrame, staleness: pd.DataFrame, timezone: str = "UTC"
) -> list[dict[str, Any]]:
    """Spread and staleness per LP and symbol, one grid row each; times in ``timezone``."""
    if spreads.empty and staleness.empty:
        return []
    merged = spreads.merge(staleness, on=["lp", "symbol"], how="outer")
    merged = merged.sort_values(["lp", "symbol"])
    rows = []
    for record in merged.to_dict("records"):
        last = record.get("last_quote_ts")
        rows.append(
            {
                "key": f"{record['lp']}|{record['symbol']}",
                "lp": record["lp"],
                "symbol": record["symbol"],
                **{
                    k: _plain(float(record[k])) if record.get(k) is not None else None
                    for k in ("spread_pips", "spread_min_pips", "spread_max_pips", "staleness_ms")
                },
                "last_quote": "" if pd.isna(last) else local_time(last, timezone),
            }
        )
    return rows


def reject_rows(frame: pd.DataFrame, timezone: str = "UTC") -> list[dict[str, Any]]:
    """A page of rejected executions as grid rows; times in ``timezone``, to the millisecond."""
    return [
        {
            "time": local_time(row["ts"], timezone, MILLISECONDS),
            **{
                k: _plain(row[k])
                for k in ("exec_id", "order_id", "symbol", "side", "book", "reject_reason")
            },
            **{
                k: _plain(float(row[k])) for k in ("requested_qty", "requested_price", "latency_ms")
            },
        }
        for row in frame.to_dict("records")
    ]


def _read(query: Any, f: Filter, *args: Any) -> Any:
    with engine().connect() as conn:
        return query(conn, f, *args)


def scorecard_of(f: Filter) -> list[dict[str, Any]]:
    """``lp_scorecard`` of ``f``, shared by the heatmap and the grid of one page load."""
    rows: list[dict[str, Any]] = reads().read("lp_scorecard", f, lambda: _read(lp_scorecard, f))
    return rows


def register(app: dash.Dash) -> None:
    register_live_badge(app, ids.LIVE)
    filters = [Input(component, prop) for component, prop in FILTER_VALUES]
    # The figures under the heatmap load once it is drawn (``values[-1]`` is that moment).
    below = [*filters, Input(ids.READY, "data")]
    later = [*filters, Input(ids.LATER, "data")]
    after_main_figure(app, ids.HEATMAP, ids.READY)
    # Two waves under the heatmap, so that no more callbacks run at once than the server has
    # cores: the slippage histograms and the quotes grid once the latency boxes are drawn.
    after_main_figure(app, ids.LATENCY, ids.LATER)

    @app.callback(
        Output(ids.SYMBOLS, "options"),
        Output(ids.LPS, "options"),
        Output(ids.RULES, "options"),
        Input(ids.READY, "data"),
    )
    @require_role("analyst")
    def load_options(_ready: int | None) -> tuple[list[str], list[str], list[str]]:
        # After the heatmap (not needed to draw it); again after each redraw, from the cache.
        values = filter_choices()
        return values["symbols"], values["lps"], values["rules"]

    @app.callback(
        output={
            "heatmap": Output(ids.HEATMAP, "figure"),
            "heatmap_shape": Output(shape_id(ids.HEATMAP), "data"),
        },
        inputs={
            "values": filters,
            "_refresh": live_inputs(ids.LIVE),
            "shape": State(shape_id(ids.HEATMAP), "data"),
        },
    )
    @require_role("analyst")
    def show_heatmap(values: list[Any], _refresh: list[Any], shape: Any) -> dict[str, Any]:
        # The main figure alone: the grid and markouts read the same answer from the cache.
        f = page_filter(*values)
        frame = scorecard_frame(scorecard_of(f))
        view = "|".join(str(v) for v in values)  # zoom and legend clicks stay while it holds
        heatmap = zscore_heatmap(frame).update_layout(uirevision=view)
        heatmap_out, heatmap_shape = patched(heatmap, shape, is_refresh(ids.LIVE))
        return {"heatmap": heatmap_out, "heatmap_shape": heatmap_shape}

    @app.callback(
        output={
            "rows": Output(ids.GRID, "rowData"),
            "markouts": Output(ids.MARKOUTS, "figure"),
            "columns": Output(ids.GRID, "columnDefs"),
            "markouts_shape": Output(shape_id(ids.MARKOUTS), "data"),
        },
        inputs={
            "values": filters,
            "_ready": Input(ids.READY, "data"),
            "shape": State(shape_id(ids.MARKOUTS), "data"),
        },
    )
    @require_role("analyst")
    def show_scorecard(values: list[Any], _ready: Any, shape: Any) -> dict[str, Any]:
        # Runs after each heatmap drawing (a filter change or new data), from the cache.
        f = page_filter(*values)
        rows = scorecard_of(f)
        markouts = {row["lp"]: row["markout_pips"] for row in rows}
        with engine().connect() as conn:
            shown = reporting(conn, f.end)
        view = "|".join(str(v) for v in values)
        curves = charts.markout_curves(markouts).update_layout(uirevision=view)
        # The same view on screen: new data, patched, and the user's column widths kept.
        curves_out, curves_shape = patched(curves, shape, refresh=True)
        same_view = curves_shape == shape
        return {
            "rows": scorecard_rows(in_reporting(scorecard_frame(rows), shown)),
            "markouts": curves_out,
            "columns": dash.no_update if same_view else scorecard_columns(shown),
            "markouts_shape": curves_shape,
        }

    @app.callback(Output(ids.LATENCY, "figure"), *below)
    @require_role("analyst")
    def show_latency(*values: Any) -> go.Figure:
        with engine().connect() as conn:
            latency = latency_distribution(conn, page_filter(*values[:-1]))
        return charts.latency_boxes(latency)

    # Apart from the others: it reads the raw fills, the slowest read of the page.
    @app.callback(Output(ids.SLIPPAGE, "figure"), *later)
    @require_role("analyst")
    def show_slippage(*values: Any) -> go.Figure:
        with engine().connect() as conn:
            slippage = slippage_histogram(conn, page_filter(*values[:-1]))
        return charts.slippage_histograms(slippage)

    @app.callback(Output(ids.GAUGES, "figure"), *below)
    @require_role("analyst")
    def show_profit_factors(*values: Any) -> go.Figure:
        f = page_filter(*values[:-1])
        results = reads().read("results_by", f, lambda: _read(results_by, f, "lp"), "lp")
        return charts.profit_factor_gauges(results)

    @app.callback(Output(ids.QUOTES_GRID, "rowData"), *later)
    @require_role("analyst")
    def show_quotes(*values: Any) -> list[dict[str, Any]]:
        f = page_filter(*values[:-1])
        with engine().connect() as conn:
            spreads = lp_spreads(conn, f)
            staleness = quote_staleness(conn, f, now=f.end)
        return quote_rows(spreads, staleness, current_timezone())

    @app.callback(
        Output(ids.REJECTS_TITLE, "children"),
        Output(ids.REJECTS_GRID, "rowData"),
        Output(ids.REJECTS_PAGES, "max_value"),
        Output(ids.REJECTS_PAGES, "active_page"),
        Output(ids.REJECTS_COUNT, "children"),
        Input(ids.GRID, "selectedRows"),
        Input(ids.REJECTS_PAGES, "active_page"),
        *(State(component, prop) for component, prop in FILTER_VALUES),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def show_rejects(
        selected: list[dict[str, Any]] | None, page: int | None, *values: Any
    ) -> tuple[str, list[dict[str, Any]], int, int, str]:
        if not selected:
            raise dash.exceptions.PreventUpdate
        lp = str(selected[0]["lp"])
        # A new LP starts again at the first page.
        number = 1 if ctx.triggered_id == ids.GRID else max(page or 1, 1)
        f = dataclasses.replace(page_filter(*values), lps=(lp,))
        with engine().connect() as conn:
            rejects = rejected_executions_page(conn, f, number, REJECTS_PAGE_SIZE)
        pages = max(math.ceil(rejects.total / REJECTS_PAGE_SIZE), 1)
        shown = len(rejects.rows)
        first = (number - 1) * REJECTS_PAGE_SIZE + 1
        count = (
            f"{first:,}–{first + shown - 1:,} of {rejects.total:,}"
            if shown
            else "No rejected executions in this window."
        )
        rows = reject_rows(rejects.rows, current_timezone())
        return f"Rejected executions of {lp}", rows, pages, number, count
