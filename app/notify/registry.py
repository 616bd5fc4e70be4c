"""The channel adapters by kind: each adapter module registers one instance at import."""

from __future__ import annotations

import importlib

from app.notify.channels.base import ChannelAdapter, FieldSpec

_ADAPTERS: dict[str, ChannelAdapter] = {}
_MODULES = ("email", "webhook", "slack", "teams", "pagerduty", "sms")


class UnknownChannelKindError(LookupError):
    """No adapter is registered under this kind."""


def register(adapter: ChannelAdapter) -> ChannelAdapter:
    """Make ``adapter`` the one that sends channels of ``adapter.kind``."""
    _ADAPTERS[adapter.kind] = adapter
    return adapter


def _load() -> None:
    for name in _MODULES:
        importlib.import_module(f"app.notify.channels.{name}")


def adapter_for(kind: str) -> ChannelAdapter:
    """The adapter of ``kind``; raises :class:`UnknownChannelKindError`."""
    _load()
    try:
        return _ADAPTERS[kind]
    except KeyError:
        raise UnknownChannelKindError(f"no notification channel of kind {kind!r}") from None


def adapters() -> list[ChannelAdapter]:
    """Every registered adapter, in the order the admin page lists them."""
    _load()
    return list(_ADAPTERS.values())


def form_fields() -> dict[str, FieldSpec]:
    """Every adapter field by name, for a form that serves all kinds (first definition wins)."""
    specs: dict[str, FieldSpec] = {}
    for adapter in adapters():
        for spec in adapter.fields:
            specs.setdefault(spec.name, spec)
    return specs
