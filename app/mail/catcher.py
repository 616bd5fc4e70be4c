"""A local SMTP server that keeps every message it receives as a ``.eml`` file (demo, tests).

``make demo`` starts it on ``TRADEDASH_SMTP_PORT`` when nothing listens there, so scheduled
reports are really sent over SMTP and can be opened from Admin > Mailbox; the tests use it as
their loopback SMTP server. It never relays anything anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from app.config import Settings

_NAME = re.compile(r"^[0-9A-Za-z_.-]+\.eml$")


def mail_dir(settings: Settings) -> Path:
    """Where the catcher stores messages: ``<data_dir>/mail``."""
    return settings.data_dir / "mail"


class EmlStore:
    """aiosmtpd handler: write each accepted message to ``directory`` as ``<time>-<id>.eml``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Store the message (with the envelope recipients as ``X-Envelope-To``)."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        header = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        content = envelope.original_content or envelope.content
        tmp = path.with_suffix(".part")
        tmp.write_bytes(header + bytes(content))
        tmp.rename(path)  # readers never see half a message
        return "250 Message accepted for delivery"


class MailCatcher:
    """The catcher's SMTP server, running in a background thread until :meth:`stop`."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 8025) -> None:
        self.directory = directory
        self.controller = Controller(EmlStore(directory), hostname=host, port=port)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.controller.port)

    def start(self) -> MailCatcher:
        """Start listening (returns itself)."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()


@dataclass(frozen=True)
class CaughtMessage:
    """One stored message's headers and file."""

    name: str
    received_at: dt.datetime
    sender: str
    to: str
    subject: str
    attachments: tuple[str, ...]
    size_bytes: int


def parse_eml(data: bytes) -> EmailMessage:
    """A stored message as an :class:`EmailMessage`."""
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def caught_messages(directory: Path, limit: int = 200) -> list[CaughtMessage]:
    """The newest stored messages first (empty when the directory does not exist)."""
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    result = []
    for path in files:
        data = path.read_bytes()
        message = parse_eml(data)
        names = tuple(part.get_filename() or "" for part in message.iter_attachments())
        result.append(
            CaughtMessage(
                name=path.name,
                received_at=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC),
                sender=str(message.get("From", "")),
                to=str(message.get("To", "")),
                subject=str(message.get("Subject", "")),
                attachments=names,
                size_bytes=len(data),
            )
        )
    return result


def read_caught(directory: Path, name: str) -> bytes:
    """The raw ``.eml`` called ``name`` in ``directory`` (no paths: ValueError)."""
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a stored message name")
    return (directory / name).read_bytes()


def message_text(message: EmailMessage) -> str:
    """The plain-text body of a message (empty when it has none)."""
    body = message.get_body(preferencelist=("plain",))
    return "" if body is None else str(body.get_content())
