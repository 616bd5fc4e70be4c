"""RTS 22-shaped transaction records, CSV and XML."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from compliance_factories import attempt, frame

from app.compliance.render import to_csv
from app.compliance.transaction_report import (
    FIELDS,
    XML_NAMESPACE,
    ReportingParty,
    records,
    to_xml,
)

pytestmark = pytest.mark.unit

PARTY = ReportingParty("5493001KJTIIGC8Y1R12", {"LP1": "XLON"})
WHEN = dt.datetime(2026, 11, 24, 10, 30, 0, 123456, tzinfo=dt.UTC)


def attempts() -> pd.DataFrame:
    return frame(
        attempt(exec_id="t1", lp="LP1", exec_ts=WHEN, side="buy", client_ref="c" * 32,
                fill_qty=1500.0, fill_price=1.08345, quote_currency="USD"),
        attempt(exec_id="t2", lp='Bank "A" & <Co>', exec_ts=WHEN + dt.timedelta(microseconds=7),
                side="sell", client_ref="d" * 32, book="B", symbol="US500",
                asset_class="index", fill_price=5000.5, quote_currency="USD"),
        attempt(exec_id="t3", status="rejected", fill_qty=0.0, fill_price=None),
    )  # fmt: skip


def test_one_record_per_fill_with_the_mandatory_fields() -> None:
    rows = records(attempts(), PARTY).to_dict("records")
    assert [r["transaction_reference"] for r in rows] == ["t1", "t2"]  # no reject
    first, second = rows
    assert first["trading_date_time"] == "2026-11-24T10:30:00.123456Z"
    assert second["trading_date_time"] == "2026-11-24T10:30:00.123463Z"
    # The client by pseudonym, the firm by LEI, on the sides the client's order implies.
    assert (first["buyer_id"], first["seller_id"]) == ("c" * 32, PARTY.executing_entity_lei)
    assert (second["buyer_id"], second["seller_id"]) == (PARTY.executing_entity_lei, "d" * 32)
    assert first["executing_entity_id"] == PARTY.executing_entity_lei
    assert (first["venue"], second["venue"]) == ("XLON", "XOFF")
    assert (first["trading_capacity"], second["trading_capacity"]) == ("MTCH", "DEAL")
    assert (first["quantity"], first["quantity_currency"]) == (1500.0, "EUR")
    assert (second["quantity_currency"], second["price_currency"]) == ("", "USD")
    assert (first["price"], first["report_status"]) == (1.08345, "NEWT")
    assert (second["instrument_id"], second["instrument_classification"]) == (
        "US500",
        "CFD/index",
    )


def test_csv_has_every_field() -> None:
    csv = to_csv(records(attempts(), PARTY)).decode().splitlines()
    assert csv[0] == ",".join(FIELDS)
    assert len(csv) == 3


def test_xml_is_well_formed_and_escapes_text() -> None:
    xml = to_xml(records(attempts(), PARTY))
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert b"Bank &quot;A&quot; &amp; &lt;Co&gt;" in xml or b'Bank "A" &amp; &lt;Co&gt;' in xml
    root = ET.fromstring(xml)
    ns = {"t": XML_NAMESPACE}
    transactions = root.findall("t:Transaction", ns)
    assert len(transactions) == 2
    assert transactions[1].findtext("t:VenueName", namespaces=ns) == 'Bank "A" & <Co>'
    assert transactions[0].findtext("t:TradingDateTime", namespaces=ns) == (
        "2026-11-24T10:30:00.123456Z"
    )
    assert transactions[0].findtext("t:Venue", namespaces=ns) == "XLON"
