"""A project-local PostgreSQL 15 cluster under ``<data_dir>/pg``, listening on loopback only."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from app.config import Settings

from .process import (
    ServiceError,
    Status,
    keep_running,
    port_open,
    port_taken_error,
    run,
    tail,
    wait_until,
)

PG_BIN = Path("/usr/lib/postgresql/15/bin")
OS_USER = "postgres"  # initdb and postgres refuse to run as root
EXTENSIONS = ("pg_partman",)


def cluster_root(data_dir: Path) -> Path:
    """Where the cluster lives: ``<data_dir>/pg``, unless the ``postgres`` OS user cannot
    reach that folder (a checkout under a private home directory), then a folder of its own
    under /var/lib/tradedash named after the checkout."""
    preferred = data_dir / "pg"
    if os.geteuid() != 0 or preferred.exists():
        return preferred
    probe = data_dir
    while not probe.exists():
        probe = probe.parent
    reachable = run(["test", "-x", str(probe)], user=OS_USER, check=False).returncode == 0
    if reachable:
        return preferred
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return Path("/var/lib/tradedash") / digest / "pg"


class Postgres:
    name = "postgres"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = cluster_root(settings.data_dir)
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.socket_dir = self.root / "run"
        self.port = settings.pg_port
        self.marker = self.root / "started-by-tradedash"

    # -- queries -------------------------------------------------------------------------
    def _pid_alive(self) -> bool:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return False
        result = run(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"], user=self._user(), check=False
        )
        return result.returncode == 0

    def healthy(self) -> bool:
        try:
            with psycopg.connect(self._admin_dsn(), connect_timeout=2) as conn:
                conn.execute("select 1")
            return True
        except psycopg.Error:
            return False

    def status(self) -> Status:
        running = self.healthy()
        return Status(
            self.name,
            running,
            running and self._pid_alive(),
            f"127.0.0.1:{self.port} data={self.data}",
        )

    # -- lifecycle -----------------------------------------------------------------------
    def up(self) -> bool:
        """Start the cluster unless ours is already running; True if it was started now."""
        if self.healthy():
            self._ensure_database()
            return False
        if port_open(self.port):
            raise port_taken_error(self.name, self.port, "TRADEDASH_PG_PORT")
        if not (PG_BIN / "postgres").exists():
            raise ServiceError(
                "PostgreSQL 15 is not installed.\n"
                "hint: run `make bootstrap` (apt-get install postgresql)"
            )
        self._init_cluster()
        self.log.unlink(missing_ok=True)
        argv = [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", OS_USER, "--", *argv]
        with self.log.open("ab") as out:
            proc = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        keep_running(proc)
        wait_until(
            self.healthy,
            timeout=60,
            what="PostgreSQL",
            log=self.log,
            alive=lambda: proc.poll() is None,
            hint="see the log above; delete .local/pg to start from an empty cluster",
        )
        self.marker.touch()
        self._ensure_database()
        return True

    def down(self) -> bool:
        if not self.marker.exists() or not self._pid_alive():
            return False
        result = run(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"],
            user=self._user(),
            check=False,
        )
        if result.returncode != 0:
            raise ServiceError(f"PostgreSQL did not stop:\n{result.stderr}\n{tail(self.log)}")
        self.marker.unlink(missing_ok=True)
        return True

    # -- helpers -------------------------------------------------------------------------
    def _user(self) -> str | None:
        return OS_USER if os.geteuid() == 0 else None

    def _init_cluster(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, OS_USER, OS_USER)
            shutil.chown(self.socket_dir, OS_USER, OS_USER)
        if (self.data / "PG_VERSION").exists():
            return
        run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user=self._user(),
        )
        conf = self.data / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write(
                "\n# tradedash local development cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "shared_buffers = 512MB\n"
                "work_mem = 32MB\n"
                "maintenance_work_mem = 256MB\n"
                "max_wal_size = 4GB\n"
                "synchronous_commit = on\n"
                "max_connections = 200\n"
                "timezone = 'UTC'\n"
            )
        hba = self.data / "pg_hba.conf"
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")

    def _admin_dsn(self) -> str:
        return f"host={self.socket_dir} port={self.port} user=postgres dbname=postgres"

    def _ensure_database(self) -> None:
        """Create the app's role and database (and the extensions it needs) if missing."""
        url = make_url(self.settings.database_url)
        role, password, dbname = url.username or "tradedash", url.password or "", url.database
        with psycopg.connect(self._admin_dsn(), autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
            verb = "alter" if exists else "create"
            conn.execute(
                sql.SQL("{} role {} login createdb password {}").format(
                    sql.SQL(verb), sql.Identifier(role), sql.Literal(password)
                )
            )
            for name in ("template1", dbname):
                if name is None:
                    continue
                if (
                    name != "template1"
                    and not conn.execute(
                        "select 1 from pg_database where datname = %s", [name]
                    ).fetchone()
                ):
                    conn.execute(
                        sql.SQL("create database {} owner {}").format(
                            sql.Identifier(name), sql.Identifier(role)
                        )
                    )
                self._ensure_extensions(name)

    def _ensure_extensions(self, dbname: str) -> None:
        # Extensions need a superuser; installing them in template1 as well makes every
        # database created later (the test databases) have them too.
        dsn = f"host={self.socket_dir} port={self.port} user=postgres dbname={dbname}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("create schema if not exists partman")
            for ext in EXTENSIONS:
                conn.execute(
                    sql.SQL("create extension if not exists {} schema partman").format(
                        sql.Identifier(ext)
                    )
                )
            conn.execute("grant all on schema partman to public")
            conn.execute("grant all on all tables in schema partman to public")
            conn.execute("grant execute on all functions in schema partman to public")
            conn.execute("grant execute on all procedures in schema partman to public")
