"""The project's services in start order."""

from __future__ import annotations

from typing import Protocol

from app.config import Settings

from .kafka import Kafka
from .postgres import Postgres
from .process import Status
from .redis import Redis


class Service(Protocol):
    name: str

    def up(self) -> bool: ...
    def down(self) -> bool: ...
    def healthy(self) -> bool: ...
    def status(self) -> Status: ...


def all_services(settings: Settings) -> list[Service]:
    return [Postgres(settings), Redis(settings), Kafka(settings)]


def services_up(settings: Settings, names: list[str] | None = None) -> list[str]:
    """Start what is not already running and healthy; return the names started now."""
    started = []
    for service in all_services(settings):
        if names and service.name not in names:
            continue
        if service.up():
            started.append(service.name)
    return started


def services_down(settings: Settings, names: list[str] | None = None) -> list[str]:
    """Stop the services this project started (in reverse order); return their names.

    ``names=None`` means every service; an empty list means none.
    """
    if names is not None and not names:
        return []
    stopped = []
    for service in reversed(all_services(settings)):
        if names and service.name not in names:
            continue
        if service.down():
            stopped.append(service.name)
    return stopped
