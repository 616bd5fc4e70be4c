"""Validation of an export request: every bad parameter named, columns chosen and ordered."""

from __future__ import annotations

import datetime as dt

import pytest

from app.exports.datasets import DATASETS
from app.exports.request import (
    ExportError,
    ExportForbidden,
    build_request,
    check_permission,
    from_params,
)
from app.exports.rows import output_name
from app.queries.filters import Filter

pytestmark = pytest.mark.unit

START = dt.datetime(2026, 3, 29, tzinfo=dt.UTC)
F = Filter(START, START + dt.timedelta(hours=2), lps=("LP_A",))


def test_defaults_export_every_column_as_stored() -> None:
    request = build_request("executions", "csv", [], F)
    assert request.columns == DATASETS["executions"].column_names
    assert (request.tz, request.currency) == ("UTC", None)


def test_columns_keep_the_order_given_without_duplicates() -> None:
    request = build_request("orders", "json", ["lp", "ts", "lp", " order_id "], F)
    assert request.columns == ("lp", "ts", "order_id")


@pytest.mark.parametrize(
    ("args", "kwargs", "parameter", "words"),
    [
        (("trades", "csv", []), {}, "dataset", "unknown dataset"),
        (("orders", "docx", []), {}, "format", "unknown format"),
        (("orders", "pdf", []), {}, "format", "only for the reports"),
        (("orders", "csv", ["ts", "password"]), {}, "columns", "password"),
        (("orders", "csv", []), {"tz": "Mars/Olympus"}, "tz", "unknown timezone"),
        (("orders", "csv", []), {"currency": "XYZ"}, "currency", "unknown currency"),
        (("orders", "csv", []), {"currency": "EURO"}, "currency", "unknown currency"),
        (("orders", "csv", []), {"max_window_days": 0.05}, "end", "window larger"),
        (("audit_log", "csv", []), {}, "lps", "cannot filter"),
    ],
)
def test_bad_parameters_are_named(
    args: tuple[str, str, list[str]], kwargs: dict[str, object], parameter: str, words: str
) -> None:
    with pytest.raises(ExportError) as error:
        build_request(*args, F, **kwargs)  # type: ignore[arg-type]
    assert error.value.parameter == parameter and words in str(error.value)


def test_pdf_is_for_reports_and_currency_is_upper_cased() -> None:
    request = build_request("lp_scorecard", "pdf", [], F, currency="eur", tz="Europe/London")
    assert (request.format, request.currency, request.tz) == ("pdf", "EUR", "Europe/London")


def test_params_round_trip() -> None:
    request = build_request("positions", "parquet", ["ts", "broker_pnl"], F, currency="GBP")
    assert from_params(request.params()) == request


def test_the_audit_log_needs_the_audit_permission() -> None:
    for role in ("analyst", "manager", None):
        with pytest.raises(ExportForbidden):
            check_permission("audit_log", role)
    check_permission("audit_log", "compliance")
    check_permission("executions", "analyst")


def test_usd_columns_are_renamed_when_converted() -> None:
    notional = DATASETS["lp_scorecard"].column("notional_usd")
    commission = DATASETS["executions"].column("commission")
    assert output_name(notional, "EUR") == "notional_eur"
    assert output_name(notional, None) == "notional_usd"
    assert output_name(commission, "EUR") == "commission"
