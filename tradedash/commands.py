"""The process subcommands of `tradedash` (everything but `services`)."""

from __future__ import annotations

import argparse
import os
import sys

from app.config import Settings

SubParsers = argparse._SubParsersAction  # noqa: SLF001 - argparse has no public name for it


def _web(args: argparse.Namespace, settings: Settings) -> int:
    bind = f"{args.host}:{args.port or settings.web_port}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(args.workers),
        "--threads",
        "8",
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        "tradedash.wsgi:server",
    ]
    os.execv(sys.executable, argv)
    return 0  # not reached


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from workers.celery_app import QUEUES, create_celery

    celery = create_celery(settings)
    queues = args.queues or ",".join(QUEUES)
    celery.worker_main(
        [
            "worker",
            "--loglevel",
            args.loglevel,
            "-Q",
            queues,
            "--concurrency",
            str(args.concurrency),
            "--without-gossip",
        ]
    )
    return 0


def _beat(args: argparse.Namespace, settings: Settings) -> int:
    from workers.celery_app import create_celery

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    celery = create_celery(settings)
    celery.start(
        [
            "beat",
            "--loglevel",
            args.loglevel,
            "--schedule",
            str(settings.data_dir / "celerybeat-schedule"),
        ]
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app.db.migrate import downgrade, upgrade

    if args.downgrade:
        downgrade(settings, args.downgrade)
    else:
        upgrade(settings, args.revision)
    print("database schema is at", args.downgrade or args.revision)
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from .demo import run_demo

    return run_demo(settings, backfill_days=args.backfill_days, rate=args.rate)


def register(sub: SubParsers[argparse.ArgumentParser]) -> None:
    """Add the process subcommands to the parser."""
    web = sub.add_parser("web", help="serve the Dash app and the API with gunicorn")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=None, help="default: TRADEDASH_WEB_PORT")
    web.add_argument("--workers", type=int, default=2)
    web.set_defaults(handler=_web)

    worker = sub.add_parser("worker", help="run a Celery worker")
    worker.add_argument("--queues", default="", help="comma-separated; default: all")
    worker.add_argument("--concurrency", type=int, default=2)
    worker.add_argument("--loglevel", default="INFO")
    worker.set_defaults(handler=_worker)

    beat = sub.add_parser("beat", help="run Celery beat (the periodic scheduler)")
    beat.add_argument("--loglevel", default="INFO")
    beat.set_defaults(handler=_beat)

    migrate = sub.add_parser("migrate", help="bring the database schema to a revision")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.add_argument("--downgrade", metavar="REVISION", default=None)
    migrate.set_defaults(handler=_migrate)

    demo = sub.add_parser("demo", help="the whole product with simulated data, until Ctrl-C")
    demo.add_argument("--backfill-days", type=int, default=7)
    demo.add_argument("--rate", type=int, default=2000, help="live simulator events/s")
    demo.set_defaults(handler=_demo)
