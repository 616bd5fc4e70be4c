"""A project-local Redis server under ``<data_dir>/redis``, on loopback only."""

from __future__ import annotations

import shutil
import subprocess

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.config import Settings

from .process import (
    ServiceError,
    Status,
    port_open,
    port_taken_error,
    read_pid,
    stop_pid,
    wait_until,
)


class Redis:
    name = "redis"

    def __init__(self, settings: Settings) -> None:
        self.port = settings.redis_port
        self.root = settings.data_dir / "redis"
        self.log = self.root / "redis.log"
        self.pid_file = self.root / "redis.pid"
        self.conf = self.root / "redis.conf"

    def healthy(self) -> bool:
        try:
            client = redis.Redis(
                host="127.0.0.1",
                port=self.port,
                socket_timeout=1,
                socket_connect_timeout=1,
                retry=Retry(NoBackoff(), 0),
            )
            with client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def status(self) -> Status:
        running = self.healthy()
        return Status(
            self.name, running, read_pid(self.pid_file) is not None, f"127.0.0.1:{self.port}"
        )

    def up(self) -> bool:
        if self.healthy():
            return False
        if port_open(self.port):
            raise port_taken_error(self.name, self.port, "TRADEDASH_REDIS_PORT")
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError(
                "redis-server is not installed.\n"
                "hint: run `make bootstrap` (apt-get install redis-server)"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            f"bind 127.0.0.1\nport {self.port}\nprotected-mode yes\ndir {self.root}\n"
            f"daemonize yes\npidfile {self.pid_file}\nlogfile {self.log}\n"
            "save 60 1000\nappendonly no\nmaxmemory-policy noeviction\n"
        )
        self.log.unlink(missing_ok=True)
        subprocess.run([binary, str(self.conf)], check=False, timeout=30)
        wait_until(self.healthy, timeout=30, what="Redis", log=self.log)
        return True

    def down(self) -> bool:
        return stop_pid(self.pid_file)
