"""Fixtures of the scheduled-report tests: a real SMTP server on loopback (the project's own
mail catcher, aiosmtpd) and users who own schedules."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.users import create_user
from app.config import Settings
from app.mail.catcher import MailCatcher

# The shared helpers (page_data, ingest.conftest) live one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SETUP = Actor("test-setup", "system")
PASSWORD = "report-owner-password"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[MailCatcher]:
    """A real SMTP server on a free loopback port, storing what it receives in ``tmp_path``."""
    catcher = MailCatcher(tmp_path / "mail", port=free_port()).start()
    yield catcher
    catcher.stop()


@pytest.fixture
def mail_settings(base_settings: Settings, database_url: str, smtp: MailCatcher) -> Settings:
    """Settings that send to the test's SMTP server."""
    return base_settings.model_copy(
        update={"database_url": database_url, "smtp_port": smtp.port, "smtp_host": "127.0.0.1"}
    )


def add_users(engine: sa.Engine, *roles: str) -> dict[str, int]:
    """One user per role, ``<role>@desk.example``; their ids by role."""
    ids: dict[str, int] = {}
    with Session(engine) as db, db.begin():
        for role in roles:
            user = create_user(
                db, SETUP, email=f"{role}@desk.example", role=role, password=PASSWORD
            )
            ids[role] = user.id
    return ids
