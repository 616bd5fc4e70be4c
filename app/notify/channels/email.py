"""E-mail: the text and HTML parts through the shared SMTP sender (``app.mail.smtp``)."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Mapping
from typing import Any

from app.config import Settings
from app.mail.smtp import MailDeliveryError, build_message, send
from app.notify.channels.base import (
    Delivery,
    FieldSpec,
    PermanentDeliveryError,
    Problems,
    RetryableDeliveryError,
    SentResult,
    split_list,
)
from app.notify.registry import register

_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$|^[^@\s,;<>]+@localhost$")


def _permanent(cause: BaseException | None) -> bool:
    # 5xx answers (unknown mailbox, refused sender, bad credentials) will not change on retry.
    if isinstance(cause, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return True
    if isinstance(cause, smtplib.SMTPAuthenticationError | smtplib.SMTPNotSupportedError):
        return True
    return isinstance(cause, smtplib.SMTPResponseException) and cause.smtp_code >= 500


class EmailAdapter:
    """Sends the rendered message as a multipart e-mail to a list of recipients."""

    kind = "email"
    label = "E-mail"
    fields: tuple[FieldSpec, ...] = (
        FieldSpec(
            "recipients",
            "Recipients",
            hint="E-mail addresses, separated by commas.",
            placeholder="desk@broker.example, risk@broker.example",
        ),
    )

    def validate(self, config: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
        """Every recipient must look like an e-mail address."""
        problems = Problems()
        problems.require(config, self.fields)
        bad = [item for item in split_list(config.get("recipients")) if not _ADDRESS.match(item)]
        if bad:
            problems.add("recipients", f"Not an e-mail address: {', '.join(bad)}.")
        return problems.found

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """One message with text and HTML parts to every recipient."""
        message = build_message(
            settings,
            to=split_list(delivery.config.get("recipients")),
            subject=delivery.message.title,
            text=delivery.message.text,
            html=delivery.message.html,
        )
        message["X-Tradedash-Delivery"] = str(delivery.delivery_id)
        try:
            send(settings, message)
        except MailDeliveryError as exc:
            cause = exc.__cause__
            code = cause.smtp_code if isinstance(cause, smtplib.SMTPResponseException) else None
            if _permanent(cause):
                raise PermanentDeliveryError(str(exc), status=code) from exc
            raise RetryableDeliveryError(str(exc), status=code) from exc
        return SentResult(status=250, note=f"sent to {message['To']}")


register(EmailAdapter())
