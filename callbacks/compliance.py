"""Compliance page: run the regulatory reports for a period (``app.compliance``) and serve
their downloads; every run and download is audited (``report.run``, ``report.export``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, ctx, html
from dash.dcc.express import send_bytes
from flask import current_app

from app.audit.log import record
from app.auth.permissions import Permission
from app.compliance import best_execution, completeness, order_routing, transaction_report
from app.compliance.data import day_window, load_attempts
from app.compliance.render import to_csv, to_pdf
from app.config import Settings
from app.queries.filters import Filter, FilterError
from callbacks import transaction
from pages.ids import compliance as ids
from tradedash.auth import current_actor, require_permission


def _settings() -> Settings:
    settings: Settings = current_app.extensions["tradedash"].settings
    return settings


def _party(settings: Settings) -> transaction_report.ReportingParty:
    return transaction_report.ReportingParty(settings.executing_entity_lei, settings.venue_mics)


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Grid rows: NaN as empty cells, times as text."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [dict(row) for row in clean.to_dict("records")]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def run_reports(start: str | None, end: str | None) -> dict[str, Any]:
    """The page's tables for the period, audited as one ``report.run``."""
    try:
        flt = day_window(start, end, today=_today())
    except FilterError as error:
        return {"feedback": str(error), "top": [], "quality": [], "findings": [], "tx": ""}
    settings = _settings()
    with transaction() as db:
        conn = db.connection()
        attempts = load_attempts(conn, flt)
        transactions = transaction_report.records(attempts, _party(settings))
        found = completeness.check(
            conn,
            flt,
            now=dt.datetime.now(dt.UTC),
            wait_s=settings.completeness_order_wait_s,
            skew_s=settings.clock_skew_tolerance_s,
        )
        details = {"start": flt.start.isoformat(), "end": flt.end.isoformat()}
        record(db, current_actor(), "report.run", "compliance", details)
    findings = [
        {
            "key": f"{f.kind}:{f.reference}:{i}",
            "ts": f.ts.isoformat(timespec="microseconds"),
            "kind": f.kind,
            "reference": f.reference,
            "detail": f.detail,
        }
        for i, f in enumerate(found[:2000])
    ]
    return {
        "feedback": "",
        "top": [
            {**row, "key": f"{row['asset_class']}:{row['venue']}"}
            for row in records_of(best_execution.top_venues(attempts))
        ],
        "quality": records_of(best_execution.venue_quality(attempts)),
        "findings": findings,
        "tx": f"{len(transactions):,} transactions in the period ({len(found):,} findings).",
    }


def routing_sections(quarter: str) -> list[Any]:
    """One titled table per month of the quarter, audited as ``report.run``."""
    flt = order_routing.quarter_filter(quarter)
    with transaction() as db:
        table = order_routing.build(db.connection(), flt)
        record(db, current_actor(), "report.run", "order_routing", {"quarter": quarter})
    report = order_routing.report(table, flt)
    children: list[Any] = []
    for section in report.sections:
        children.append(html.H6(section.heading, className="mt-3"))
        if section.frame.empty:
            children.append(html.P("No orders routed.", className="text-muted"))
            continue
        children.append(
            dag.AgGrid(
                columnDefs=[{"field": c} for c in section.frame.columns],
                rowData=records_of(section.frame),
                columnSize="autoSize",
                style={"height": "220px"},
            )
        )
    return children


def download(trigger: str, start: str | None, end: str | None, quarter: str) -> dict[str, Any]:
    """The file a download button asks for, audited as ``report.export``."""
    settings = _settings()
    flt: Filter = (
        order_routing.quarter_filter(quarter)
        if trigger in (ids.ROUTING_CSV, ids.ROUTING_PDF)
        else day_window(start, end, today=_today())
    )
    stamp = f"{flt.start:%Y%m%d}-{flt.end:%Y%m%d}"
    with transaction() as db:
        conn = db.connection()
        if trigger in (ids.BEST_CSV, ids.BEST_PDF):
            top, quality = best_execution.build(conn, flt)
            name, report = "best_execution", best_execution.report(top, quality, flt)
            content = to_csv(top) if trigger == ids.BEST_CSV else to_pdf(report)
        elif trigger in (ids.ROUTING_CSV, ids.ROUTING_PDF):
            table = order_routing.build(conn, flt)
            name = "order_routing"
            content = (
                to_csv(table)
                if trigger == ids.ROUTING_CSV
                else to_pdf(order_routing.report(table, flt))
            )  # noqa: E501
        else:
            rows = transaction_report.build(conn, flt, _party(settings))
            name = "transactions"
            content = to_csv(rows) if trigger == ids.TX_CSV else transaction_report.to_xml(rows)
        extension = {"csv": "csv", "pdf": "pdf", "xml": "xml"}[trigger.rsplit("-", 1)[-1]]
        details = {"format": extension, "start": flt.start.isoformat(), "end": flt.end.isoformat()}
        record(db, current_actor(), "report.export", name, details)
    file: dict[str, Any] = send_bytes(content, f"{name}_{stamp}.{extension}")
    return file


def register(app: dash.Dash) -> None:
    @app.callback(
        output={
            "feedback": Output(ids.WINDOW_FEEDBACK, "children"),
            "top": Output(ids.TOP_GRID, "rowData"),
            "quality": Output(ids.QUALITY_GRID, "rowData"),
            "findings": Output(ids.FINDINGS_GRID, "rowData"),
            "tx": Output(ids.TX_COUNT, "children"),
        },
        inputs={"start": Input(ids.START, "value"), "end": Input(ids.END, "value")},
    )
    @require_permission(Permission.RUN_REGULATORY_REPORTS)
    def on_period(start: str | None, end: str | None) -> dict[str, Any]:
        return run_reports(start, end)

    @app.callback(Output(ids.ROUTING_SECTIONS, "children"), Input(ids.QUARTER, "value"))
    @require_permission(Permission.RUN_REGULATORY_REPORTS)
    def on_quarter(quarter: str | None) -> list[Any]:
        if not quarter:
            raise dash.exceptions.PreventUpdate
        return routing_sections(quarter)

    buttons = (ids.BEST_CSV, ids.BEST_PDF, ids.ROUTING_CSV, ids.ROUTING_PDF, ids.TX_CSV, ids.TX_XML)

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        *[Input(button, "n_clicks") for button in buttons],
        State(ids.START, "value"),
        State(ids.END, "value"),
        State(ids.QUARTER, "value"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.RUN_REGULATORY_REPORTS)
    def on_download(*args: Any) -> dict[str, Any]:
        start, end, quarter = args[-3:]
        trigger = ctx.triggered_id
        if trigger not in buttons:
            raise dash.exceptions.PreventUpdate
        try:
            return download(str(trigger), start, end, quarter or "")
        except FilterError:
            raise dash.exceptions.PreventUpdate from None
