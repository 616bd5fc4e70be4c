import dataclasses
import datetime as dt

import pytest

from app.audit.chain import AuditRecord, canonical_json, hash_of, verify_chain

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC)


def _chain(count: int) -> list[AuditRecord]:
    rows: list[AuditRecord] = []
    previous: bytes | None = None
    for i in range(count):
        row = AuditRecord(
            id=i + 1,
            ts=T0 + dt.timedelta(seconds=i),
            actor=f"user{i}@desk.example",
            role="analyst",
            ip="10.0.0.7",
            action="export.download",
            target="orders",
            details={"rows": i, "format": "csv"},
            prev_hash=previous,
        )
        row = dataclasses.replace(row, row_hash=hash_of(row, previous))
        rows.append(row)
        previous = row.row_hash
    return rows


def test_an_untouched_chain_verifies() -> None:
    rows = _chain(5)
    assert rows[0].prev_hash is None
    assert verify_chain(rows) is None
    assert verify_chain([]) is None


@pytest.mark.parametrize(
    "change",
    [
        {"actor": "someone-else"},
        {"details": {"rows": 999, "format": "csv"}},
        {"ts": T0 + dt.timedelta(days=1)},
        {"ip": "10.0.0.8"},
        {"target": None},
    ],
)
def test_changing_one_row_breaks_the_chain_at_that_row(change: dict[str, object]) -> None:
    rows = _chain(5)
    rows[2] = dataclasses.replace(rows[2], **change)  # type: ignore[arg-type]
    broken = verify_chain(rows)
    assert broken is not None and broken.id == 3
    assert "content" in broken.reason


def test_rehashing_a_changed_row_breaks_the_next_link() -> None:
    rows = _chain(5)
    forged = dataclasses.replace(rows[2], actor="someone-else")
    rows[2] = dataclasses.replace(forged, row_hash=hash_of(forged, rows[1].row_hash))
    broken = verify_chain(rows)
    assert broken is not None and broken.id == 4
    assert "prev_hash" in broken.reason


def test_deleting_a_row_breaks_the_chain_after_the_gap() -> None:
    rows = _chain(5)
    del rows[1]
    broken = verify_chain(rows)
    assert broken is not None and broken.id == 3


def test_canonical_json_is_independent_of_key_order_and_time_zone() -> None:
    base = dict(actor="a", role="admin", ip="::1", action="x", target=None)
    one = canonical_json(ts=T0, details={"b": 1, "a": 2}, **base)  # type: ignore[arg-type]
    other_zone = T0.astimezone(dt.timezone(dt.timedelta(hours=2)))
    two = canonical_json(ts=other_zone, details={"a": 2, "b": 1}, **base)  # type: ignore[arg-type]
    assert one == two
    assert b'"ts":"2026-11-24T10:30:00.000000+00:00"' in one
