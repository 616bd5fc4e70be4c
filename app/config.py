"""All configuration in one place, parsed and validated when a process starts.

Every value has a default that points at the services `tradedash services up` starts on
loopback, so the demo and the tests need no configuration. Each one can be overridden by an
environment variable named ``TRADEDASH_<FIELD>`` (for example ``TRADEDASH_DATABASE_URL``).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

TOPIC_KEYS = ("orders", "executions", "quotes", "positions", "accounts", "lp_status", "rules")
"""Short names of the trading engine's topics, in the order the contract lists them."""

DEV_SECRET_KEY = "development-only-secret-key-not-for-production"


class ConfigError(RuntimeError):
    """Raised at startup when the configuration cannot work (e.g. a missing production secret)."""


class Settings(BaseSettings):
    """The application's settings; build with :func:`load_settings`."""

    model_config = SettingsConfigDict(env_prefix="TRADEDASH_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = PROJECT_ROOT / ".local"

    # Ports of the locally started services (ignored when the URLs are given explicitly).
    pg_port: int = Field(default=54329, ge=1, le=65535)
    redis_port: int = Field(default=63799, ge=1, le=65535)
    kafka_port: int = Field(default=19092, ge=1, le=65535)
    kafka_controller_port: int = Field(default=19093, ge=1, le=65535)
    web_port: int = Field(default=8050, ge=1, le=65535)
    smtp_port: int = Field(default=8025, ge=1, le=65535)

    database_name: str = "tradedash"
    database_url: str = ""
    redis_url: str = ""
    kafka_bootstrap_servers: str = ""

    topic_prefix: str = ""
    topic_partitions: int = Field(default=12, ge=1, le=1000)
    consumer_group: str = "tradedash-ingest"

    smtp_host: str = "127.0.0.1"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "tradedash@localhost"
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    """``starttls`` upgrades a plain connection, ``tls`` connects with TLS (SMTPS, port 465)."""
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=300)

    secret_key: SecretStr | None = None
    api_rate_limit_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    """Requests one API token may make per minute before getting 429."""
    pseudonym_key: SecretStr | None = None
    """HMAC key that turns client ids into stored pseudonyms; keep it stable and secret."""
    timezone: str = "UTC"
    reporting_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _fill_local_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = (
                f"postgresql+psycopg://tradedash:tradedash@127.0.0.1:{self.pg_port}/"
                f"{self.database_name}"
            )
        if not self.redis_url:
            self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        if not self.kafka_bootstrap_servers:
            self.kafka_bootstrap_servers = f"127.0.0.1:{self.kafka_port}"
        return self

    @cached_property
    def topics(self) -> dict[str, str]:
        """Kafka topic name per short name, e.g. ``{"orders": "te.orders.v1", ...}``."""
        return {key: f"{self.topic_prefix}te.{key}.v1" for key in TOPIC_KEYS}

    @property
    def flask_secret_key(self) -> str:
        """The secret that signs sessions; a fixed development value outside production."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return DEV_SECRET_KEY

    @property
    def client_pseudonym_key(self) -> bytes:
        """The key of client-id pseudonyms; a fixed development value outside production."""
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode()
        return DEV_SECRET_KEY.encode()

    def check_production(self) -> None:
        """Fail with a clear message when production runs without its secrets."""
        if self.env != "production":
            return
        missing = []
        if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
            missing.append("TRADEDASH_SECRET_KEY (at least 32 characters)")
        if self.pseudonym_key is None or len(self.pseudonym_key.get_secret_value()) < 32:
            missing.append("TRADEDASH_PSEUDONYM_KEY (at least 32 characters)")
        if "tradedash:tradedash@" in self.database_url:
            missing.append("TRADEDASH_DATABASE_URL (the default development password is refused)")
        if missing:
            raise ConfigError(
                "Production mode needs these settings from the environment: " + "; ".join(missing)
            )


def load_settings(**overrides: object) -> Settings:
    """Parse the environment (plus explicit overrides, used by tests) and validate."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    settings.check_production()
    return settings
