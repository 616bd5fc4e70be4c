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

    # Page reads shared by the callbacks of one page load (app/cache.py, docs/ui.md).
    ui_cache_ttl_s: float = Field(default=8.0, ge=0, le=60)
    """How long a page read is reused per session and filter; 0 turns the cache off."""

    # Alert notification delivery (app/notify, docs/notifications.md).
    notify_http_timeout_s: float = Field(default=10.0, gt=0, le=120)
    """Timeout of one webhook / Slack / Teams / PagerDuty / SMS request."""
    notify_max_attempts: int = Field(default=8, ge=1, le=20)
    """Attempts per delivery before it is marked failed (retries back off exponentially)."""
    notify_backoff_base_s: float = Field(default=2.0, gt=0, le=60)
    """Wait before the first retry; it doubles per attempt (with jitter) up to 5 minutes."""
    notify_sms_base_url: str = "https://api.twilio.com"
    """Base URL of the Twilio-style SMS / voice API (a channel may override it)."""
    notify_push_base_url: str = "https://notify.twilio.com"
    """Base URL of the Twilio-Notify-style push API (a channel may override it)."""
    notify_pagerduty_url: str = "https://events.pagerduty.com/v2/enqueue"
    """PagerDuty Events API v2 endpoint (a channel may override it)."""
    notify_dashboard_url: str = "http://127.0.0.1:8050"
    """Public address of the dashboard, for links in notifications."""

    # Alert engine (app/alerts, workers/alerts, docs/alerting.md).
    alerts_business_hours: str = Field(default="0-4 08-18", pattern=r"^[0-6,-]+ \d{1,2}-\d{1,2}$")
    """Business hours in UTC: weekdays (0 = Monday) and hours ``[start, end)``."""
    alerts_idle_interval_s: float = Field(default=5.0, gt=0, le=600)
    """The evaluator runs a pass at least this often even when no ingest batch arrives."""
    alerts_tick_s: float = Field(default=15.0, gt=0, le=3600)
    """Period of the Celery beat tick for time-based rules and escalations."""

    # Exports (app/exports, docs/exports.md).
    export_dir: Path | None = None
    """Where finished export jobs keep their files (default: ``<data_dir>/exports``)."""
    max_export_window_days: int = Field(default=366, ge=1, le=400)
    """A longer export window is refused (400); split it into several exports."""
    sync_export_row_limit: int = Field(default=50_000, ge=1, le=10_000_000)
    """The app downloads an export of at most this many rows at once, larger ones run as jobs."""
    export_queue: str = "exports"
    """The Celery queue export jobs are sent to."""

    # Scheduled reports (app/reports, docs/reports.md).
    report_webhook_secret: SecretStr | None = None
    """HMAC-SHA256 key of the report completion webhooks (default: a key derived from
    ``secret_key``)."""
    report_webhook_timeout_s: float = Field(default=5.0, gt=0, le=60)

    secret_key: SecretStr | None = None
    api_rate_limit_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    """Requests one API token may make per minute before getting 429."""
    pseudonym_key: SecretStr | None = None
    """HMAC key that turns client ids into stored pseudonyms; keep it stable and secret."""
    timezone: str = "UTC"
    reporting_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    # Compliance reports and checks (app/compliance, docs/compliance.md).
    executing_entity_lei: str = Field(default="TRADEDASHBROKER00000", pattern=r"^[A-Z0-9]{20}$")
    """LEI of the firm, reported as the executing entity of each transaction (RTS 22)."""
    venue_mics: dict[str, str] = Field(default_factory=dict)
    """Venue (LP) name → ISO 10383 MIC; venues without one are reported as ``XOFF``."""
    completeness_order_wait_s: float = Field(default=60.0, gt=0, le=86_400)
    """An order with no execution this long after routing is reported incomplete."""
    clock_skew_tolerance_s: float = Field(default=1.0, ge=0, le=3600)
    """How far ``sent_ts`` may lie after ``ts`` (or before the order) before it is skew."""

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
    def exports_path(self) -> Path:
        """The folder of export job files."""
        return self.export_dir or self.data_dir / "exports"

    @property
    def flask_secret_key(self) -> str:
        """The secret that signs sessions; a fixed development value outside production."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return DEV_SECRET_KEY

    @property
    def report_webhook_key(self) -> bytes:
        """The key that signs report completion webhooks."""
        if self.report_webhook_secret is not None:
            return self.report_webhook_secret.get_secret_value().encode()
        return f"report-webhook:{self.flask_secret_key}".encode()

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
