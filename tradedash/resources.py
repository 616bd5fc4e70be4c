"""Long-lived clients (database engine, Redis) built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

import redis
import sqlalchemy as sa

from app.config import Settings


@dataclass
class Resources:
    settings: Settings
    engine: sa.Engine = field(init=False)
    redis: redis.Redis = field(init=False)

    def __post_init__(self) -> None:
        self.engine = sa.create_engine(
            self.settings.database_url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            connect_args={"connect_timeout": 3},
        )
        self.redis = redis.Redis.from_url(
            self.settings.redis_url, socket_timeout=2, socket_connect_timeout=2
        )

    def close(self) -> None:
        self.engine.dispose()
        self.redis.close()
