"""GET /api/v1/export/{dataset} and /export/history through the real Flask app and tokens, on
the hand-made stream of conftest.py: content, timezones, currency conversion, column choice,
every format read back with its own library, the audit record and the permissions."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import orjson
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from conftest import WINDOW
from flask import Flask
from flask.testing import FlaskClient
from ingest.conftest import api_token
from sqlalchemy.orm import Session

from app.audit.log import verify_stored_chain
from app.config import Settings
from app.db.models.audit import AuditEntry
from tradedash.web import create_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(export_settings: Settings, stored: sa.Engine) -> Iterator[Flask]:
    server = create_server(export_settings)
    yield server
    server.extensions["tradedash"].close()


def _client(server: Flask, engine: sa.Engine, role: str) -> FlaskClient:
    client = server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(engine, role)}"
    client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    return client


@pytest.fixture(scope="module")
def analyst(server: Flask, stored: sa.Engine) -> FlaskClient:
    return _client(server, stored, "analyst")


def get(client: FlaskClient, dataset: str, expect: int = 200, **params: Any) -> Any:
    response = client.get(f"/api/v1/export/{dataset}", query_string={**WINDOW, **params})
    assert response.status_code == expect, response.get_data(as_text=True)[:500]
    return response


def rows_of(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_of_executions_in_london_time(analyst: FlaskClient) -> None:
    response = get(analyst, "executions", tz="Europe/London")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response)
    assert [r["exec_id"] for r in rows] == ["E1", "E2", "E3"]
    # 2026-03-29: London is on GMT until 01:00Z, then on BST (+01:00).
    assert rows[0]["ts"] == "2026-03-29T00:30:00.000000+00:00"
    assert rows[1]["ts"] == "2026-03-29T02:30:00.000000+01:00"
    assert [r["symbol"] for r in rows] == ["EURUSD", "EURUSD", "GBPUSD"]
    assert [float(r["commission"]) for r in rows] == [2.0, 1.5, 0.5]
    assert [r["currency"] for r in rows] == ["EUR", "EUR", "GBP"]
    assert float(rows[0]["latency_ms"]) == pytest.approx(20.0)
    assert "fx_rate_unknown" not in rows[0]


def test_currency_conversion_flags_the_unknown_rate(analyst: FlaskClient) -> None:
    rows = rows_of(get(analyst, "executions", currency="USD", columns="exec_id,commission,pfof"))
    assert list(rows[0]) == ["exec_id", "commission", "pfof", "fx_rate_unknown"]
    # 2 EUR at the 00:00 mid 1.25; 1.5 EUR at the 01:00 mid 1.5; GBP has no rate.
    assert [(r["commission"], r["fx_rate_unknown"]) for r in rows] == [
        ("2.5", "false"),
        ("2.25", "false"),
        ("", "true"),
    ]
    eur = orjson.loads(get(analyst, "positions", currency="EUR", format="json").get_data())
    assert eur[0]["broker_pnl"] == -10.0 and eur[0]["broker_pnl_eur"] == -10.0
    assert eur[0]["fx_rate_unknown"] is False


def test_column_choice_and_unknown_columns(analyst: FlaskClient) -> None:
    rows = rows_of(get(analyst, "executions", columns=["lp", "exec_id"]))
    assert rows == [
        {"lp": "LP_A", "exec_id": "E1"},
        {"lp": "LP_B", "exec_id": "E2"},
        {"lp": "INTERNAL", "exec_id": "E3"},
    ]
    error = get(analyst, "executions", 400, columns="exec_id,password").get_json()["error"]
    assert error["code"] == "bad_parameter" and "password" in error["message"]


@pytest.mark.parametrize(
    ("dataset", "params", "needle"),
    [
        ("trades", {}, "dataset"),
        ("executions", {"format": "docx"}, "format"),
        ("executions", {"tz": "Mars/Olympus"}, "tz"),
        ("executions", {"currency": "XYZ"}, "currency"),
        ("executions", {"format": "pdf"}, "pdf"),
        ("executions", {"start": WINDOW["end"], "end": WINDOW["start"]}, "start"),
        ("executions", {"start": "2025-01-01T00:00:00Z"}, "window"),
    ],
)
def test_bad_parameters_are_400_with_the_reason(
    analyst: FlaskClient, dataset: str, params: dict[str, str], needle: str
) -> None:
    error = get(analyst, dataset, 400, **params).get_json()["error"]
    assert needle in error["message"], error


def test_xlsx_parquet_and_json_read_back(analyst: FlaskClient) -> None:
    book = openpyxl.load_workbook(io.BytesIO(get(analyst, "executions", format="xlsx").data))
    assert book.sheetnames == ["Summary", "Data", "Per LP", "Chart"]
    data = book["Data"]
    assert data.freeze_panes == "A2" and data.auto_filter.ref == "A1:V4"
    assert data["A2"].value == dt.datetime(2026, 3, 29, 0, 30)
    assert data["A2"].number_format == "yyyy-mm-dd hh:mm:ss.000"
    assert data["T2"].value == 2.0 and data["T2"].number_format == "#,##0.00"
    per_lp = list(book["Per LP"].values)
    assert per_lp[0][:2] == ("lp", "rows")
    assert [(r[0], r[1]) for r in per_lp[1:]] == [("INTERNAL", 1), ("LP_A", 1), ("LP_B", 1)]
    summary = dict(list(book["Summary"].values)[1:])
    assert summary["Rows"] == "3" and summary["Dataset"] == "executions"

    table = pq.read_table(
        io.BytesIO(get(analyst, "executions", format="parquet", tz="Asia/Tokyo").data)
    )
    assert (
        table.num_rows == 3 and str(table.schema.field("ts").type) == "timestamp[us, tz=Asia/Tokyo]"
    )
    assert table.column("exec_id").to_pylist() == ["E1", "E2", "E3"]
    assert table.column("ts").to_pylist()[0].isoformat() == "2026-03-29T09:30:00+09:00"

    body = orjson.loads(get(analyst, "lp_scorecard", format="json").get_data())
    assert [r["lp"] for r in body] == ["INTERNAL", "LP_A", "LP_B"]
    assert [r["fills"] for r in body] == [1, 1, 1]


def test_every_export_is_audited_with_the_sha256_of_the_bytes(
    analyst: FlaskClient, stored: sa.Engine
) -> None:
    response = get(analyst, "orders", format="csv")
    digest = hashlib.sha256(response.data).hexdigest()
    with Session(stored) as db:
        entry = db.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "export.create")
            .order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None and verify_stored_chain(db) is None
    assert entry.details["sha256"] == digest
    assert entry.details["rows"] == 3 and entry.details["format"] == "csv"
    assert entry.details["dataset"] == "orders" and entry.details["complete"] is True
    assert entry.details["filter"]["start"] == "2026-03-29T00:00:00+00:00"
    assert (entry.role, str(entry.ip)) == ("analyst", "10.1.2.3")


def test_the_audit_log_needs_the_compliance_role(
    analyst: FlaskClient, server: Flask, stored: sa.Engine
) -> None:
    error = get(analyst, "audit_log", 403).get_json()["error"]
    assert error["code"] == "forbidden"
    compliance = _client(server, stored, "compliance")
    now = dt.datetime.now(dt.UTC)
    around_now = {
        "start": (now - dt.timedelta(hours=1)).isoformat(),
        "end": (now + dt.timedelta(hours=1)).isoformat(),
    }
    rows = rows_of(get(compliance, "audit_log", **around_now))
    assert rows and {"actor", "action", "row_hash"} <= set(rows[0])


def test_history_lists_the_callers_exports(server: Flask, stored: sa.Engine) -> None:
    mine = _client(server, stored, "analyst")
    assert len(orjson.loads(get(mine, "executions", format="json", columns="exec_id").data)) == 3
    assert get(mine, "rule_report", format="csv").data.startswith(b"rule_id,name,trades")
    rows = mine.get("/api/v1/export/history").get_json()["rows"]
    assert [(r["dataset"], r["format"]) for r in rows] == [
        ("rule_report", "csv"),
        ("executions", "json"),
    ]
    assert rows[1]["rows"] == 3 and len(rows[1]["sha256"]) == 64
    admin = _client(server, stored, "admin")
    assert len(admin.get("/api/v1/export/history").get_json()["rows"]) > len(rows)


def test_an_abandoned_download_is_recorded_as_incomplete(server: Flask, stored: sa.Engine) -> None:
    client = _client(server, stored, "analyst")
    get(client, "executions").close()  # the client goes away before reading the body
    [row] = client.get("/api/v1/export/history").get_json()["rows"]
    with Session(stored) as db:
        entry = db.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.details["history_id"] == row["id"]
    assert entry.details["complete"] is False


def test_a_report_as_pdf_comes_from_the_reports_module(analyst: FlaskClient) -> None:
    response = get(analyst, "rule_report", format="pdf", currency="EUR")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    rows = analyst.get("/api/v1/export/history").get_json()["rows"]
    assert (
        rows[0]["format"] == "pdf"
        and rows[0]["sha256"] == hashlib.sha256(response.data).hexdigest()
    )
