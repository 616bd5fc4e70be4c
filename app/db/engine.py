"""The SQLAlchemy engine and session factory (one engine per process; dispose it after a fork)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings


def make_engine(settings: Settings, **options: Any) -> Engine:
    """An engine on ``settings.database_url``; ``options`` go to :func:`create_engine`."""
    options.setdefault("pool_pre_ping", True)
    return create_engine(settings.database_url, **options)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
