"""The client mapping: kept by the ingest, exported on a subject access, erased on request."""

from __future__ import annotations

import datetime as dt
import uuid

import orjson
import pytest
from compliance_rows import T0, execution, insert, order
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from app.audit import Actor
from app.compliance.erasure import erase
from app.compliance.identities import ClientNotFoundError
from app.compliance.subject_access import export
from app.db.models.audit import AuditEntry
from app.db.models.compliance import ClientIdentity
from app.ingest.batch import Message, RecentIds, decode_messages
from app.ingest.rows import row_builders
from app.ingest.store import BatchStore, to_conninfo
from app.privacy import pseudonymise

pytestmark = pytest.mark.integration

KEY = b"test-pseudonym-key"
OFFICER = Actor("officer@desk.example", "compliance", "10.1.2.3")


def _order_message(offset: int, client_id: str, ts: dt.datetime) -> Message:
    event = {
        "event_id": str(uuid.uuid4()), "event_type": "order.routed", "schema_version": 1,
        "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "order_id": f"ord-{offset}",
        "client_id": client_id, "account_id": "ACC-9", "symbol": "EURUSD",
        "asset_class": "fx", "pip_size": 0.0001, "side": "buy", "qty": 1000,
        "order_type": "market", "limit_price": None, "arrival_bid": 1.0, "arrival_ask": 1.0001,
        "book": "B", "lp": None, "rule_id": "r1", "rule_version": 1, "client_segment": None,
    }  # fmt: skip
    return Message("orders", "te.orders.v1", 0, offset, orjson.dumps(event))


def test_the_ingest_keeps_one_mapping_row_per_client(committed_db: Engine) -> None:
    store = BatchStore(to_conninfo(committed_db.url.render_as_string(hide_password=False)), "t")
    builders, recent = row_builders(KEY), RecentIds()
    t = T0.replace(microsecond=0)
    try:
        first = [
            _order_message(0, "CLIENT-1", t),
            _order_message(1, "CLIENT-2", t + dt.timedelta(seconds=5)),
            _order_message(2, "CLIENT-1", t + dt.timedelta(seconds=9)),
        ]
        store.write(decode_messages(first, builders, recent), [], [])
        later = [_order_message(3, "CLIENT-1", t + dt.timedelta(minutes=1))]
        store.write(decode_messages(later, builders, recent), [], [])
        older = [_order_message(4, "CLIENT-2", t - dt.timedelta(minutes=1))]
        store.write(decode_messages(older, builders, recent), [], [])
    finally:
        store.close()
    with Session(committed_db) as db:
        rows = {r.client_id: r for r in db.scalars(select(ClientIdentity))}
    assert set(rows) == {"CLIENT-1", "CLIENT-2"}
    one, two = rows["CLIENT-1"], rows["CLIENT-2"]
    assert one.pseudonym == pseudonymise("CLIENT-1", KEY)
    assert (one.first_seen, one.last_seen) == (t, t + dt.timedelta(minutes=1))
    assert (two.first_seen, two.last_seen) == (
        t - dt.timedelta(minutes=1),
        t + dt.timedelta(seconds=5),
    )  # noqa: E501


def _client_with_trades(engine: Engine) -> str:
    pseudonym = pseudonymise("CLIENT-42", KEY)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO client_identities VALUES (:p, 'CLIENT-42', :t, :t)"),
            {"p": pseudonym, "t": T0},
        )
        insert(
            conn,
            [order(order_id="a1", client_ref=pseudonym), order(order_id="other")],
            [execution(exec_id="ea1", order_id="a1"), execution(exec_id="eo", order_id="other")],
        )
    return pseudonym


def test_subject_access_exports_everything_held_and_is_audited(committed_db: Engine) -> None:
    pseudonym = _client_with_trades(committed_db)
    with Session(committed_db) as db, db.begin():
        document = orjson.loads(export(db, OFFICER, "CLIENT-42"))
    assert document["client_id"] == "CLIENT-42"
    assert document["pseudonym"] == pseudonym
    assert [o["order_id"] for o in document["orders"]] == ["a1"]
    assert [e["exec_id"] for e in document["executions"]] == ["ea1"]
    assert document["positions"] == [] and document["account_snapshots"] == []
    assert document["orders"][0]["account_id"] == "ACC1"
    with Session(committed_db) as db:
        [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "client.subject_access"))
    assert (entry.actor, entry.target) == (OFFICER.name, pseudonym)
    assert entry.details == {"orders": 1, "executions": 1, "positions": 0, "account_snapshots": 0}
    assert "CLIENT-42" not in orjson.dumps(entry.details).decode()


def test_erasure_removes_the_link_and_keeps_the_records(committed_db: Engine) -> None:
    pseudonym = _client_with_trades(committed_db)
    with Session(committed_db) as db, db.begin():
        done = erase(db, OFFICER, "CLIENT-42")
    assert (done.pseudonym, done.mappings_deleted) == (pseudonym, 1)
    with Session(committed_db) as db:
        assert db.scalar(select(func.count()).select_from(ClientIdentity)) == 0
        kept = db.scalar(
            text("SELECT count(*) FROM orders WHERE client_ref = :p"), {"p": pseudonym}
        )
        assert kept == 1
        [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "client.erase"))
        assert entry.target == pseudonym and "CLIENT-42" not in str(entry.details)
    with Session(committed_db) as db, pytest.raises(ClientNotFoundError):
        export(db, OFFICER, "CLIENT-42")
    with Session(committed_db) as db, pytest.raises(ClientNotFoundError):
        export(db, OFFICER, pseudonym)
