"""Each API token gets a fixed number of requests a minute, then 429 with Retry-After."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from ingest.conftest import api_token

from app.config import Settings
from tradedash.web import create_server

pytestmark = pytest.mark.integration


def test_a_token_over_its_limit_gets_429_and_others_are_unaffected(
    base_settings: Settings, database_url: str, committed_db: sa.Engine
) -> None:
    settings = base_settings.model_copy(
        update={"database_url": database_url, "api_rate_limit_per_minute": 3}
    )
    server = create_server(settings)
    client = server.test_client()
    busy, quiet = api_token(committed_db), api_token(committed_db)
    try:
        if time.time() % 60 > 55:  # keep the four requests inside one window
            time.sleep(60 - time.time() % 60 + 0.1)
        statuses = [
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {busy}"}).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/api/v1/me", headers={"Authorization": f"Bearer {busy}"})
        assert limited.get_json()["error"]["code"] == "rate_limited"
        assert 0 < int(limited.headers["Retry-After"]) <= 60
        other = client.get("/api/v1/me", headers={"Authorization": f"Bearer {quiet}"})
        assert other.status_code == 200
    finally:
        server.extensions["tradedash"].close()
