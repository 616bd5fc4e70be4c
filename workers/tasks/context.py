"""Per-process resources for tasks (one engine per worker process, rebuilt after fork)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from celery import current_app

from app.config import Settings

_engine: sa.Engine | None = None
_lock = threading.Lock()  # a worker with the threads pool runs tasks concurrently


def settings() -> Settings:
    value: Settings = current_app.conf.tradedash_settings
    return value


def engine() -> sa.Engine:
    global _engine
    with _lock:
        if _engine is None:
            _engine = sa.create_engine(settings().database_url, pool_pre_ping=True, pool_size=2)
        return _engine


def reset() -> None:
    global _engine
    if _engine is not None:
        _engine.dispose(close=False)
    _engine = None
