"""Transaction report (MiFIR RTS 22-shaped): one record per execution that filled something.

The record is the client-facing transaction of the CFD: the client (by pseudonym, never the
real id) on one side and the firm (its LEI) on the other; trading capacity ``MTCH`` for A-book
(matched back to back with the venue) and ``DEAL`` for B-book (own account); the venue's MIC
from the settings, else ``XOFF``. Times are UTC with microseconds. Rejected and cancelled
attempts are not transactions and are left out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from app.compliance.data import load_attempts
from app.queries.filters import Filter

FIELDS = (
    "report_status", "transaction_reference", "order_id", "executing_entity_id", "buyer_id",
    "seller_id", "trading_date_time", "trading_capacity", "quantity", "quantity_currency",
    "price", "price_currency", "venue", "venue_name", "instrument_id",
    "instrument_classification",
)  # fmt: skip
OFF_VENUE = "XOFF"
NEW = "NEWT"
XML_NAMESPACE = "urn:tradedash:transaction-report:1"


@dataclass(frozen=True)
class ReportingParty:
    """Who reports: the firm's LEI and the venue → MIC table."""

    executing_entity_lei: str
    venue_mics: Mapping[str, str]


def utc_micros(value: pd.Timestamp) -> str:
    """``2026-11-24T10:30:00.123456Z``: UTC, always six fractional digits."""
    return str(value.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def _quantity_currency(symbol: str, asset_class: str) -> str:
    # A currency pair (and metals/crypto quoted as XAUUSD, BTCUSD) is sized in its base.
    pair = len(symbol) == 6 and symbol.isalpha() and asset_class in ("fx", "metal", "crypto")
    return symbol[:3] if pair else ""


def records(attempts: pd.DataFrame, party: ReportingParty) -> pd.DataFrame:
    """The report's rows (columns ``FIELDS``) from execution attempts, oldest first."""
    fills = attempts[(attempts["fill_qty"] > 0) & attempts["fill_price"].notna()]
    rows = []
    for fill in fills.itertuples(index=False):
        client_buys = fill.side == "buy"
        rows.append(
            {
                "report_status": NEW,
                "transaction_reference": fill.exec_id,
                "order_id": fill.order_id,
                "executing_entity_id": party.executing_entity_lei,
                "buyer_id": fill.client_ref if client_buys else party.executing_entity_lei,
                "seller_id": party.executing_entity_lei if client_buys else fill.client_ref,
                "trading_date_time": utc_micros(pd.Timestamp(fill.exec_ts)),
                "trading_capacity": "MTCH" if fill.book == "A" else "DEAL",
                "quantity": float(fill.fill_qty),
                "quantity_currency": _quantity_currency(str(fill.symbol), str(fill.asset_class)),
                "price": float(fill.fill_price),
                "price_currency": fill.quote_currency or "",
                "venue": party.venue_mics.get(str(fill.lp), OFF_VENUE),
                "venue_name": fill.lp,
                "instrument_id": fill.symbol,
                "instrument_classification": f"CFD/{fill.asset_class}",
            }
        )
    return pd.DataFrame(rows, columns=list(FIELDS))


def to_xml(rows: pd.DataFrame) -> bytes:
    """The rows as UTF-8 XML, one ``<Transaction>`` per row (ElementTree escapes the text)."""
    root = ET.Element("TransactionReport", {"xmlns": XML_NAMESPACE})
    for row in rows.itertuples(index=False):
        tx = ET.SubElement(root, "Transaction")
        for name, value in zip(FIELDS, row, strict=True):
            ET.SubElement(tx, _camel(name)).text = _text(value)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head[:1].upper() + head[1:] + "".join(part.title() for part in rest)


def _text(value: object) -> str:
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def build(conn: Connection, flt: Filter, party: ReportingParty) -> pd.DataFrame:
    """The transaction records of the executions in ``flt``'s window."""
    return records(load_attempts(conn, flt), party)
