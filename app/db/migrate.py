"""Run the Alembic migrations from code (``tradedash migrate``, tests, the demo)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from app.config import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(database_url: str, connection: Connection | None = None) -> Config:
    """An Alembic config for ``database_url`` that leaves the caller's logging alone.

    Uses the repository's ``alembic.ini`` when present (for ``file_template`` and hooks).
    """
    ini = PROJECT_ROOT / "alembic.ini"
    config = Config(str(ini)) if ini.is_file() else Config()
    config.set_main_option("script_location", str(Path(MIGRATIONS_DIR)))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate the database of ``settings`` up to ``revision``."""
    command.upgrade(alembic_config(settings.database_url), revision)


def downgrade(settings: Settings, revision: str) -> None:
    """Migrate the database of ``settings`` down to ``revision`` (``"base"`` drops everything)."""
    command.downgrade(alembic_config(settings.database_url), revision)


def heads(settings: Settings) -> list[str]:
    """The head revisions of the migration scripts (there should be exactly one)."""
    return list(ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads())
