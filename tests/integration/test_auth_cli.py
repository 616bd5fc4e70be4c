"""`tradedash create-user / create-token / revoke-token` as subprocesses against the test
database, and the audit trail's hash chain as stored in PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.audit import Actor, record, verify_stored_chain
from app.auth.api_tokens import verify_token
from app.auth.passwords import verify_password
from app.auth.users import find_user
from app.db.models.audit import AuditEntry

pytestmark = pytest.mark.integration


def _tradedash(
    database_url: str, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "TRADEDASH_DATABASE_URL": database_url, **env}
    return subprocess.run(
        [sys.executable, "-m", "tradedash.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def _actions(engine: Engine) -> list[tuple[str, str | None]]:
    with Session(engine) as db:
        rows = db.execute(select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id))
        return [(action, target) for action, target in rows]


def test_create_user_then_reset_it_the_way_the_demo_does(
    database_url: str, committed_db: Engine
) -> None:
    args = ("create-user", "Ana@Desk.Example", "--role", "analyst", "--name", "Ana Lyst")
    first = _tradedash(database_url, *args, "--password-env", "PW", PW="first-password-1")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "created user ana@desk.example (analyst)"
    assert "first-password-1" not in first.stdout + first.stderr

    again = _tradedash(database_url, *args, "--password-env", "PW", PW="second-password-2")
    assert again.returncode == 1 and "--reset" in again.stderr

    demo = _tradedash(
        database_url,
        "create-user", "ana@desk.example", "--role", "manager",
        "--password-env", "TRADEDASH_NEW_PASSWORD", "--reset",
        TRADEDASH_NEW_PASSWORD="second-password-2",
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip() == "updated user ana@desk.example (manager)"

    with Session(committed_db) as db:
        user = find_user(db, "ana@desk.example")
        assert user is not None
        assert (user.role, user.display_name) == ("manager", "Ana Lyst")
        assert verify_password(user.password_hash, "second-password-2")
    assert _actions(committed_db) == [
        ("user.create", "ana@desk.example"),
        ("user.update", "ana@desk.example"),
    ]


def test_create_user_reads_the_password_from_stdin_and_checks_it(
    database_url: str, committed_db: Engine
) -> None:
    short = _tradedash(database_url, "create-user", "x@desk.example", "--role", "admin",
                       stdin="short\n")  # fmt: skip
    assert short.returncode == 1 and "at least 12" in short.stderr
    missing = _tradedash(database_url, "create-user", "x@desk.example", "--role", "admin",
                         "--password-env", "UNSET_VARIABLE_FOR_TEST")  # fmt: skip
    assert missing.returncode == 1 and "UNSET_VARIABLE_FOR_TEST" in missing.stderr
    ok = _tradedash(database_url, "create-user", "x@desk.example", "--role", "admin",
                    stdin="a-long-enough-password\n")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    with Session(committed_db) as db:
        user = find_user(db, "x@desk.example")
        assert user is not None and verify_password(user.password_hash, "a-long-enough-password")


def test_create_token_prints_it_once_and_revoke_token_kills_it(
    database_url: str, committed_db: Engine
) -> None:
    created = _tradedash(database_url, "create-token", "grafana", "--role", "analyst",
                         "--expires-days", "30")  # fmt: skip
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert len(secret) == 43 and "shown only now" in created.stderr
    with Session(committed_db) as db, db.begin():
        token = verify_token(db, secret)
        assert token is not None and token.role == "analyst" and token.expires_at is not None
        assert token.token_hash != secret

    duplicate = _tradedash(database_url, "create-token", "grafana", "--role", "admin")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr

    revoked = _tradedash(database_url, "revoke-token", "grafana")
    assert revoked.returncode == 0 and "revoked 1" in revoked.stdout
    assert _tradedash(database_url, "revoke-token", "grafana").returncode == 1
    with Session(committed_db) as db, db.begin():
        assert verify_token(db, secret) is None
    assert _actions(committed_db) == [("token.create", "grafana"), ("token.revoke", "grafana")]
    with Session(committed_db) as db:
        actor = db.scalar(select(AuditEntry.actor).limit(1))
        assert actor is not None and actor.startswith("cli:")


def test_the_stored_chain_verifies_and_a_tampered_row_is_found(committed_db: Engine) -> None:
    with Session(committed_db) as db, db.begin():
        for i in range(4):
            record(
                db,
                Actor("ana@desk.example", "analyst", "10.0.0.7"),
                "export.download",
                "orders",
                {"rows": i, "sha256": "ab" * 32, "ratio": 0.1 + i, "big": 1e20},
            )
    with Session(committed_db) as db:
        assert verify_stored_chain(db) is None
        third = db.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[2]
    with committed_db.begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET details = details || '{\"rows\": 99}' WHERE id = :id"),
            {"id": third},
        )
    with Session(committed_db) as db:
        broken = verify_stored_chain(db)
        assert broken is not None and broken.id == third
