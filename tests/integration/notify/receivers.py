"""Local receivers the notification tests deliver to: an HTTP server on loopback that records
requests and can fail on purpose, an SMTP server (aiosmtpd), and a self-signed certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Recorded:
    """One request the HTTP receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class HttpReceiver:
    """A threaded HTTP server on 127.0.0.1 with an ephemeral port."""

    fail_next: int = 0
    fail_status: int = 500
    hang_s: float = 0.0
    """How long to stall the next failing requests (a timeout on the sender's side)."""
    answer_status: int = 200
    answer_body: bytes = b"ok"
    check: Callable[[Recorded], bool] | None = None
    """A request for which this returns False is answered 401 (e.g. a bad signature)."""
    requests: list[Recorded] = field(default_factory=list)
    failures: list[Recorded] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                got = Recorded(self.path, dict(self.headers.items()), self.rfile.read(length),
                               time.time())  # fmt: skip
                status, body = receiver._answer(got)
                if status == 0:
                    return
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def _answer(self, got: Recorded) -> tuple[int, bytes]:
        with self.arrived:
            failing = self.fail_next > 0
            if failing:
                self.fail_next -= 1
                self.failures.append(got)
            elif self.check is not None and not self.check(got):
                self.failures.append(got)
                self.arrived.notify_all()
                return 401, b"bad signature"
            else:
                self.requests.append(got)
            self.arrived.notify_all()
        if failing and self.hang_s:
            time.sleep(self.hang_s)
            return 0, b""
        if failing:
            return self.fail_status, b"failing on purpose"
        return self.answer_status, self.answer_body

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[Recorded]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout_s)
            return list(self.requests)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailBox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def body_parts(message: Message) -> dict[str, bytes]:
    """The decoded leaf parts of an e-mail by content type."""
    found: dict[str, bytes] = {}
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if not part.is_multipart() and isinstance(payload, bytes):
            found[part.get_content_type()] = payload
    return found


def password_check(user: str, password: str) -> Callable[..., AuthResult]:
    def authenticate(_server: Any, _session: Any, _envelope: Any, _mechanism: str,
                     data: Any) -> AuthResult:  # fmt: skip
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


def smtp_server(mailbox: MailBox, **smtp_options: Any) -> Controller:
    """A started aiosmtpd server on 127.0.0.1 (stop it with ``.stop()``)."""
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    return controller


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
