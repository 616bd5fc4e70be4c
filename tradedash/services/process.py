"""Helpers shared by the service controllers: ports, pid files, waiting with a timeout."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

_DETACHED: list[subprocess.Popen[bytes]] = []
"""Servers started by this process that outlive the call that started them; kept referenced
so their Popen objects are not collected (and warned about) while they run."""


def keep_running(proc: subprocess.Popen[bytes]) -> None:
    """Remember a server process started in the background."""
    _DETACHED[:] = [p for p in _DETACHED if p.poll() is None]
    _DETACHED.append(proc)


class ServiceError(RuntimeError):
    """A service could not be started or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class Status:
    name: str
    running: bool
    owned: bool  # started by this project (has our pid file), so `down` may stop it
    detail: str

    def line(self) -> str:
        state = "up" if self.running else "down"
        owner = "started by tradedash" if self.owned else "not ours" if self.running else ""
        return f"{self.name:<10} {state:<5} {owner:<21} {self.detail}"


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when a program holds host:port (we could not bind a server there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, or a note that there is none."""
    if not path.exists():
        return f"(no log at {path})"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    log: Path | None = None,
    hint: str = "",
    alive: Callable[[], bool] | None = None,
) -> None:
    """Poll ``check`` until it is true; on timeout (or if ``alive`` says the process died)
    raise with the service's log tail and a hint."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if alive is not None and not alive():
            break
        time.sleep(0.25)
    else:
        reason = f"{what} was not ready within {timeout:.0f} s"
        raise ServiceError(_with_log(reason, log, hint))
    raise ServiceError(_with_log(f"{what} exited during startup", log, hint))


def _with_log(reason: str, log: Path | None, hint: str) -> str:
    parts = [reason]
    if log is not None:
        parts.append(f"--- last lines of {log} ---\n{tail(log)}")
    if hint:
        parts.append(f"hint: {hint}")
    return "\n".join(parts)


def read_pid(pid_file: Path) -> int | None:
    """The pid in a pid file if that process is alive, else None."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def stop_pid(pid_file: Path, *, timeout: float = 30.0) -> bool:
    """SIGTERM the process in pid_file, SIGKILL it after ``timeout``; True if one was stopped."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read_pid(pid_file) is None:
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def run(
    cmd: Sequence[str],
    *,
    user: str | None = None,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command (as another user when we are root and ``user`` is given), capturing output."""
    argv = list(cmd)
    if user is not None and os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    if check and result.returncode != 0:
        raise ServiceError(
            f"command failed ({result.returncode}): {' '.join(argv)}\n"
            f"{result.stdout}{result.stderr}"
        )
    return result


def port_taken_error(name: str, port: int, setting: str) -> ServiceError:
    return ServiceError(
        f"port {port} is already in use by another program, so {name} cannot start there.\n"
        f"hint: stop that program, or choose another port with {setting}=<port>"
    )
