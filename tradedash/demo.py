"""`tradedash demo`: start everything, fill it with simulated history, run until Ctrl-C,
then stop what this command started and nothing else."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from app.config import Settings

from .services.process import ServiceError, tail, wait_until
from .services.registry import services_down, services_up

DEMO_USERS = (
    ("admin@demo.local", "admin"),
    ("analyst@demo.local", "analyst"),
    ("manager@demo.local", "manager"),
    ("compliance@demo.local", "compliance"),
)


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "tradedash.cli", *args]


def _run_step(what: str, *args: str, env: dict[str, str] | None = None, show: bool = False) -> str:
    print(f"==> {what}", flush=True)
    if show:  # long steps print their own progress
        code = subprocess.call(_cli(*args), env={**os.environ, **(env or {})})
        if code != 0:
            raise ServiceError(f"{what} failed (exit {code})")
        return ""
    result = subprocess.run(
        _cli(*args), capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    if result.returncode != 0:
        raise ServiceError(f"{what} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _start(name: str, log_dir: Path, *args: str) -> Child:
    log = log_dir / f"{name}.log"
    out = log.open("ab")
    proc = subprocess.Popen(
        _cli(*args),
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return Child(name, proc, log)


def _stop(children: list[Child]) -> None:
    # A second Ctrl-C must not abandon the children half-way through the shutdown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for child in children:
        if child.proc.poll() is None:
            _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for child in children:
        try:
            child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.proc.wait(timeout=10)


def _signal_group(child: Child, sig: signal.Signals) -> None:
    try:
        os.killpg(child.proc.pid, sig)
    except ProcessLookupError:
        pass


def _wait_for_ingest(settings: Settings, children: list[Child], timeout: float = 1800) -> None:
    """Block until the consumers have stored everything produced so far (lag 0)."""
    from workers.ingest.status import partition_lags

    deadline = time.monotonic() + timeout
    next_report = 0.0
    while time.monotonic() < deadline:
        for child in children:
            if child.proc.poll() is not None:
                raise ServiceError(f"{child.name} exited:\n{tail(child.log)}")
        lag = sum(p.lag for p in partition_lags(settings))
        if lag == 0:
            return
        if time.monotonic() >= next_report:
            print(f"    {lag:,} messages still to store", flush=True)
            next_report = time.monotonic() + 10
        time.sleep(1)
    raise ServiceError(f"the consumers did not catch up within {timeout:.0f} s")


def _listening(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on ``host:port`` (an SMTP server, say)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _web_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _backfill(settings: Settings, children: list[Child], days: int) -> None:
    """Produce ``days`` of history through Kafka, wait until it is stored, then derive from it."""
    _run_step(
        f"backfilling {days} days of history",
        "simulate",
        "--backfill-days",
        str(days),
        "--skip-if-present",
        show=True,
    )
    print("==> waiting for the consumers to store the history", flush=True)
    _wait_for_ingest(settings, children)
    _run_step(
        "computing candles and daily P/L of the history",
        "refresh-derived",
        "--days",
        str(days + 1),
    )


def run_demo(settings: Settings, *, backfill_days: int, rate: int) -> int:
    """Run the demo; returns the process exit code."""
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    started = services_up(settings)
    print("==> services started now: " + (", ".join(started) or "none (reused running ones)"))
    children: list[Child] = []
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        _run_step("migrating the database", "migrate")
        _run_step("creating Kafka topics", "topics")
        passwords = {}
        for email, role in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            _run_step(
                f"demo user {email} ({role})",
                "create-user",
                email,
                "--role",
                role,
                "--password-env",
                "TRADEDASH_NEW_PASSWORD",
                "--reset",
                env={"TRADEDASH_NEW_PASSWORD": password},
            )
            passwords[email] = password
        children.append(_start("ingest", log_dir, "ingest"))
        if backfill_days > 0:
            _backfill(settings, children, backfill_days)
        if not _listening(settings.smtp_host, settings.smtp_port):
            children.append(_start("mail-catcher", log_dir, "mail-catcher"))
            wait_until(
                lambda: _listening(settings.smtp_host, settings.smtp_port),
                timeout=30,
                what="mail catcher",
                log=log_dir / "mail-catcher.log",
            )
        children.append(_start("worker", log_dir, "worker"))
        children.append(_start("beat", log_dir, "beat"))
        children.append(_start("alerts", log_dir, "alerts"))
        children.append(_start("simulator", log_dir, "simulate", "--rate", str(rate)))
        children.append(_start("web", log_dir, "web"))
        url = f"http://127.0.0.1:{settings.web_port}"
        wait_until(
            lambda: _web_ready(url + "/api/v1/health"),
            timeout=60,
            what="web app",
            log=log_dir / "web.log",
        )
        print(f"\nTradeDash is running at {url}  (logs in {log_dir}; Ctrl-C stops it)\n")
        for email, password in passwords.items():
            print(f"   {email:<22} password: {password}")
        while True:
            for child in children:
                if child.proc.poll() is not None:
                    raise ServiceError(
                        f"{child.name} exited ({child.proc.returncode}):\n{tail(child.log)}"
                    )
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n==> stopping")
        return 0
    except ServiceError as exc:
        print(f"tradedash demo: {exc}", file=sys.stderr)
        return 1
    finally:
        _stop(children)
        # Only what this run started; an empty list must stop nothing (not "all").
        stopped = services_down(settings, started) if started else []
        print("==> stopped: " + ", ".join([c.name for c in children] + stopped))
