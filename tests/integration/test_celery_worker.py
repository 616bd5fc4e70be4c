"""A real Celery worker process, with Redis as broker and result backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from celery import Celery

from app.config import Settings
from workers.celery_app import create_celery

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worker(base_settings: Settings) -> Iterator[Celery]:
    env = {**os.environ, "TRADEDASH_REDIS_URL": base_settings.redis_url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradedash.cli",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    celery = create_celery(base_settings)
    yield celery
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    celery.close()


def test_a_task_runs_on_the_worker_and_returns_through_redis(worker: Celery) -> None:
    result = worker.send_task("tradedash.maintenance.ping", queue="default")
    assert result.get(timeout=60) == "pong"
    result.forget()
