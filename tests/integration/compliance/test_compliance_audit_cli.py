"""`tradedash audit verify` on an intact chain and after a row is edited in SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.audit import Actor, record
from tradedash.cli import main

pytestmark = pytest.mark.integration


def test_verify_reports_an_intact_chain_then_the_edited_record(
    committed_db: Engine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TRADEDASH_DATABASE_URL", database_url)
    actor = Actor("compliance@desk.example", "compliance", "10.0.0.7")
    with Session(committed_db) as db, db.begin():
        ids = [record(db, actor, "report.run", f"r{i}", {"n": i}).id for i in range(5)]
        total = db.scalar(text("SELECT count(*) FROM audit_log"))

    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == f"audit chain intact: {total} records"

    k = ids[2]
    with committed_db.begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET details = '{\"n\": 99}'::jsonb WHERE id = :k"), {"k": k}
        )
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out.strip()
    assert out == f"audit chain broken at record {k}: row_hash does not match the row's content"
