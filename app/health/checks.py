"""Each check answers quickly (a few seconds at most) with ok or a reason."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from app.config import Settings


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str
    latency_ms: float

    def as_dict(self) -> dict[str, object]:
        """JSON form used by the health endpoint."""
        return {
            "status": "ok" if self.ok else "down",
            "detail": self.detail,
            "latency_ms": round(self.latency_ms, 1),
        }


def _timed(check: Callable[[], str]) -> CheckResult:
    start = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # noqa: BLE001 - any failure means "down", with its message
        detail, ok = f"{type(exc).__name__}: {exc}".strip()[:300], False
    return CheckResult(ok, detail, (time.perf_counter() - start) * 1000)


def check_database(engine: sa.Engine) -> CheckResult:
    """A round trip to PostgreSQL."""

    def probe() -> str:
        with engine.connect() as conn:
            version = conn.execute(sa.text("show server_version")).scalar_one()
        return f"PostgreSQL {version}"

    return _timed(probe)


def check_redis(client: redis.Redis) -> CheckResult:
    """A PING to Redis."""

    def probe() -> str:
        client.ping()
        return "PONG"

    return _timed(probe)


def check_kafka(settings: Settings) -> CheckResult:
    """A real metadata request to the Kafka cluster."""

    def probe() -> str:
        admin = AdminClient(
            {"bootstrap.servers": settings.kafka_bootstrap_servers, "socket.timeout.ms": 2000}
        )
        try:
            metadata = admin.list_topics(timeout=3)
        except KafkaException as exc:
            raise ConnectionError(str(exc)) from exc
        return f"{len(metadata.brokers)} broker(s), {len(metadata.topics)} topic(s)"

    return _timed(probe)


def overall(results: dict[str, CheckResult]) -> str:
    """ "ok" when every check passed, else "degraded"."""
    return "ok" if all(r.ok for r in results.values()) else "degraded"
