import os

import pytest

from app.config import ConfigError, load_settings

pytestmark = pytest.mark.unit


def test_defaults_point_at_the_local_services(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("TRADEDASH_")]:
        monkeypatch.delenv(name)
    settings = load_settings()
    assert settings.database_url == (
        "postgresql+psycopg://tradedash:tradedash@127.0.0.1:54329/tradedash"
    )
    assert settings.redis_url == "redis://127.0.0.1:63799/0"
    assert settings.kafka_bootstrap_servers == "127.0.0.1:19092"
    assert settings.topics["orders"] == "te.orders.v1"
    assert settings.topics["lp_status"] == "te.lp_status.v1"


def test_ports_and_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEDASH_PG_PORT", "6000")
    monkeypatch.setenv("TRADEDASH_REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("TRADEDASH_TOPIC_PREFIX", "staging.")
    settings = load_settings()
    assert settings.database_url.endswith("@127.0.0.1:6000/tradedash")
    assert settings.redis_url == "redis://cache.internal:6379/2"
    assert settings.topics["quotes"] == "staging.te.quotes.v1"


def test_production_without_secrets_fails_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADEDASH_ENV", "production")
    monkeypatch.delenv("TRADEDASH_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="TRADEDASH_SECRET_KEY") as info:
        load_settings()
    assert "TRADEDASH_DATABASE_URL" in str(info.value)
    assert "TRADEDASH_PSEUDONYM_KEY" in str(info.value)


def test_production_with_secrets_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEDASH_ENV", "production")
    monkeypatch.setenv("TRADEDASH_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("TRADEDASH_PSEUDONYM_KEY", "p" * 40)
    monkeypatch.setenv("TRADEDASH_DATABASE_URL", "postgresql+psycopg://app:s3cret@db/app")
    settings = load_settings()
    assert settings.flask_secret_key == "x" * 40


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEDASH_REDIS_PORT", "70000")
    with pytest.raises(ValueError, match="redis_port"):
        load_settings()
