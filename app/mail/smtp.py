"""Send a built :class:`email.message.EmailMessage` through the configured SMTP server.

The server, port, security (none / STARTTLS / implicit TLS), credentials, sender and timeout
come from the settings (``TRADEDASH_SMTP_*``). Callers build the message (subject, text and
HTML parts, attachments) and decide about retries; this module only delivers one message and
raises :class:`MailDeliveryError` with the server's reason when it cannot.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from app.config import Settings


class MailDeliveryError(RuntimeError):
    """The SMTP server could not be reached or refused the message (worth retrying)."""


def build_message(
    settings: Settings,
    *,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
) -> EmailMessage:
    """A message from the configured sender with a text part and an optional HTML alternative."""
    if not to:
        raise ValueError("an e-mail needs at least one recipient")
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Deliver ``message`` to its ``To``/``Cc``/``Bcc`` recipients or raise MailDeliveryError."""
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_s
    try:
        if settings.smtp_security == "tls":
            context = ssl.create_default_context()
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                secret = settings.smtp_password
                password = secret.get_secret_value() if secret is not None else ""
                client.login(settings.smtp_user, password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailDeliveryError(f"SMTP {host}:{port}: {exc}") from exc
