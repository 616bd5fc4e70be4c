"""app/mail/smtp.py against a real aiosmtpd server on loopback: parts, auth, STARTTLS."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings, load_settings
from app.mail.smtp import MailDeliveryError, build_message, send

from .receivers import (
    MailBox,
    body_parts,
    free_port,
    password_check,
    self_signed_certificate,
    smtp_server,
)

pytestmark = pytest.mark.integration


def smtp_settings(port: int, **overrides: object) -> Settings:
    return load_settings(env="test", smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_s=5,
                         smtp_sender="alerts@tradedash.example", **overrides)  # fmt: skip


def test_a_message_arrives_with_its_text_and_html_parts() -> None:
    box = MailBox()
    controller = smtp_server(box)
    try:
        settings = smtp_settings(controller.port)
        to = ["desk@broker.example", "risk@broker.example"]
        message = build_message(
            settings, to=to, subject="Alert", text="plain body", html="<p>html body</p>"
        )
        send(settings, message)
    finally:
        controller.stop()
    [got] = box.messages
    assert box.envelopes == [
        ("alerts@tradedash.example", ["desk@broker.example", "risk@broker.example"])
    ]
    assert got["Subject"] == "Alert"
    assert got.get_content_type() == "multipart/alternative"
    assert body_parts(got) == {
        "text/plain": b"plain body\r\n",
        "text/html": b"<p>html body</p>\r\n",
    }


def test_login_with_the_right_password_and_a_clear_error_with_a_wrong_one() -> None:
    box = MailBox()
    controller = smtp_server(
        box, authenticator=password_check("mailer", "s3cret"), auth_require_tls=False
    )
    try:
        good = smtp_settings(controller.port, smtp_user="mailer", smtp_password="s3cret")
        send(good, build_message(good, to=["a@b.example"], subject="s", text="t"))
        bad = smtp_settings(controller.port, smtp_user="mailer", smtp_password="wrong")
        with pytest.raises(MailDeliveryError, match="535"):
            send(bad, build_message(bad, to=["a@b.example"], subject="s", text="t"))
    finally:
        controller.stop()
    assert len(box.messages) == 1


def test_starttls_upgrades_the_connection_before_logging_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl

    cert, key = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # The client trusts only this certificate (ssl.create_default_context reads SSL_CERT_FILE).
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    box = MailBox()
    controller = smtp_server(
        box,
        tls_context=context,
        require_starttls=True,
        authenticator=password_check("mailer", "s3cret"),
    )
    try:
        tls = smtp_settings(controller.port, smtp_security="starttls", smtp_user="mailer",
                            smtp_password="s3cret")  # fmt: skip
        send(tls, build_message(tls, to=["a@b.example"], subject="over tls", text="t"))
        plain = smtp_settings(controller.port, smtp_user="mailer", smtp_password="s3cret")
        with pytest.raises(MailDeliveryError):
            send(plain, build_message(plain, to=["a@b.example"], subject="s", text="t"))
    finally:
        controller.stop()
    assert [message["Subject"] for message in box.messages] == ["over tls"]


def test_an_unreachable_server_is_a_delivery_error() -> None:
    settings = smtp_settings(free_port())
    with pytest.raises(MailDeliveryError, match="SMTP 127.0.0.1"):
        send(settings, build_message(settings, to=["a@b.example"], subject="s", text="t"))
