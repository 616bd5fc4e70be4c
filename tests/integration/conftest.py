"""Settings for integration tests: the running local services, isolated per test run."""

from __future__ import annotations

import os
import uuid

import pytest

from app.config import Settings, load_settings

RUN_ID = f"{os.getpid()}{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """The local services, with Redis database 15 and topics prefixed for this run."""
    return load_settings(
        env="test",
        redis_url=f"redis://127.0.0.1:{load_settings().redis_port}/15",
        topic_prefix=f"test{RUN_ID}.",
        consumer_group=f"tradedash-test-{RUN_ID}",
    )
