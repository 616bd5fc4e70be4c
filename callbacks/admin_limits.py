"""Exposure limits: list every symbol with its limit (``app.limits_admin``) and set one
(``app.limits.set_limit``, which audits it)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, html, no_update

from app.auth.permissions import Permission
from app.limits import LimitError, set_limit
from app.limits_admin import SymbolLimit, normalise_symbol, parse_limit
from app.limits_admin import symbol_limits as load_symbol_limits
from callbacks import local_text, signed_in_user, transaction
from pages.ids import admin_limits as ids
from tradedash.auth import current_actor, require_permission


def limit_rows(limits: list[SymbolLimit]) -> list[dict[str, Any]]:
    """The grid's rows (the limit as a float: AG Grid formats numbers, not decimals)."""
    return [
        {
            "symbol": limit.symbol,
            "limit_usd": float(limit.limit_usd) if limit.limit_usd is not None else None,
            "updated_at": local_text(limit.updated_at),
            "updated_by": limit.updated_by or "",
        }
        for limit in limits
    ]


def limit_problems(symbol: str, limit: object) -> dict[str, str]:
    """Field → message for the "Set a limit" form."""
    problems: dict[str, str] = {}
    for name, check in (
        ("symbol", lambda: normalise_symbol(symbol)),
        ("limit", lambda: parse_limit(limit)),
    ):
        try:
            check()
        except LimitError as error:
            problems[name] = str(error)
    return problems


def save(symbol: str, limit: object) -> dict[str, Any]:
    """Set the limit when the form is valid; the form's outputs."""
    problems = limit_problems(symbol, limit)
    out = {
        "symbol_invalid": "symbol" in problems,
        "symbol_feedback": problems.get("symbol", ""),
        "limit_invalid": "limit" in problems,
        "limit_feedback": problems.get("limit", ""),
    }
    if problems:
        return {
            **out,
            "status": "Nothing was saved: correct the marked fields.",
            "status_color": "danger",
            "status_open": True,
            "changes": no_update,
        }
    with transaction() as db:
        saved = set_limit(
            db,
            current_actor(),
            normalise_symbol(symbol),
            parse_limit(limit),
            updated_by=signed_in_user(db).id,
        )
        message = f"{saved.symbol}: limit set to {saved.limit_usd:,.2f} USD."
    return {**out, "status": message, "status_color": "success", "status_open": True, "changes": 1}


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.GRID, "rowData"),
        Output(ids.SYMBOL_OPTIONS, "children"),
        Input(ids.CHANGES, "data"),
    )
    @require_permission(Permission.MANAGE_LIMITS)
    def list_limits(_changes: int) -> tuple[list[dict[str, Any]], list[html.Option]]:
        with transaction() as db:
            rows = limit_rows(load_symbol_limits(db))
        return rows, [html.Option(value=row["symbol"]) for row in rows]

    @app.callback(
        Output(ids.SYMBOL, "value"),
        Output(ids.LIMIT, "value"),
        Input(ids.GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_LIMITS)
    def on_select(selected: list[dict[str, Any]] | None) -> tuple[str, str]:
        if not selected:
            raise dash.exceptions.PreventUpdate
        row = selected[0]
        limit = row["limit_usd"]
        return row["symbol"], "" if limit is None else f"{limit:,.0f}"

    @app.callback(
        output={
            "symbol_invalid": Output(ids.SYMBOL, "invalid"),
            "symbol_feedback": Output(ids.SYMBOL_FEEDBACK, "children"),
            "limit_invalid": Output(ids.LIMIT, "invalid"),
            "limit_feedback": Output(ids.LIMIT_FEEDBACK, "children"),
            "status": Output(ids.STATUS, "children"),
            "status_color": Output(ids.STATUS, "color"),
            "status_open": Output(ids.STATUS, "is_open"),
            "changes": Output(ids.CHANGES, "data", allow_duplicate=True),
        },
        inputs={
            "_clicks": Input(ids.SAVE, "n_clicks"),
            "symbol": State(ids.SYMBOL, "value"),
            "limit": State(ids.LIMIT, "value"),
            "changes": State(ids.CHANGES, "data"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_LIMITS)
    def on_save(
        _clicks: int, symbol: str | None, limit: object, changes: int | None
    ) -> dict[str, Any]:
        out = save(symbol or "", limit)
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out
