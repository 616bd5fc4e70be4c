"""The interface every channel adapter implements, and the two kinds of delivery failure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from app.config import Settings
from app.notify.message import AlertNotification, RenderedMessage


class DeliveryError(RuntimeError):
    """A delivery attempt failed; ``status`` is the receiver's HTTP or SMTP code if any."""

    retryable: ClassVar[bool] = True

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RetryableDeliveryError(DeliveryError):
    """Worth another attempt later: timeouts, refused connections, 5xx, 429."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: bad configuration, 4xx, a refused recipient."""

    retryable = False


@dataclass(frozen=True)
class Delivery:
    """What an adapter is asked to send: the channel's settings and the rendered content."""

    delivery_id: int
    config: Mapping[str, Any]
    secrets: Mapping[str, str]
    notification: AlertNotification
    message: RenderedMessage


@dataclass(frozen=True)
class SentResult:
    """A successful delivery: the receiver's status code and a short note for the log."""

    status: int | None
    note: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a channel's form: where it is stored and how the page shows it."""

    name: str
    label: str
    secret: bool = False
    required: bool = True
    hint: str = ""
    placeholder: str = ""


class ChannelAdapter(Protocol):
    """A kind of channel: its form fields, their validation, and sending one delivery."""

    kind: str
    label: str
    fields: tuple[FieldSpec, ...]

    def validate(self, config: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
        """Field name → message for every invalid field (empty when the channel is usable)."""
        ...

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """Deliver once; raise a RetryableDeliveryError or a PermanentDeliveryError."""
        ...


@dataclass
class Problems:
    """Collects field → message pairs while validating a channel form."""

    found: dict[str, str] = field(default_factory=dict)

    def require(self, values: Mapping[str, Any], specs: tuple[FieldSpec, ...]) -> None:
        """Flag every required field that is empty."""
        for spec in specs:
            if spec.required and not str(values.get(spec.name) or "").strip():
                self.found.setdefault(spec.name, f"{spec.label} is required.")

    def add(self, name: str, message: str) -> None:
        """Flag ``name`` unless it already has a message."""
        self.found.setdefault(name, message)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a delivery target: https, or http to this machine only."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter a full URL starting with https://."
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return "Use https:// (plain http is only allowed to this machine)."
    return None


def split_list(value: Any) -> list[str]:
    """A list from a list or a comma/newline-separated text, blanks dropped."""
    items = value if isinstance(value, list) else str(value or "").replace("\n", ",").split(",")
    return [str(item).strip() for item in items if str(item).strip()]
