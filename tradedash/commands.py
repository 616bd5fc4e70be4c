"""The process subcommands of `tradedash` (everything but `services`)."""

from __future__ import annotations

import argparse
import os
import sys

from app.config import Settings

from . import user_commands

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
            "--pool",
            args.pool,
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


def _topics(args: argparse.Namespace, settings: Settings) -> int:
    from workers.kafka_topics import ensure_topics

    created = ensure_topics(settings)
    print("created topics: " + (", ".join(created) or "none (all existed)"))
    return 0


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    import logging
    import subprocess

    logging.basicConfig(level=args.loglevel, format="%(asctime)s %(name)s %(message)s")
    if args.processes > 1:
        # One consumer process per core, in one consumer group: Kafka spreads the partitions.
        argv = [
            sys.executable,
            "-m",
            "tradedash.cli",
            "ingest",
            "--processes",
            "1",
            "--loglevel",
            args.loglevel,
        ]
        if args.idle_exit:
            argv += ["--idle-exit", str(args.idle_exit)]
        import signal

        def _interrupt(*_: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _interrupt)
        children = [subprocess.Popen(argv) for _ in range(args.processes)]
        try:
            return max(child.wait() for child in children)
        except KeyboardInterrupt:
            for child in children:
                child.terminate()
            return max(child.wait() for child in children)
    from workers.ingest.consumer import run_ingest

    totals = run_ingest(settings, idle_exit_s=args.idle_exit)
    if totals.latency_samples_ms:
        import numpy as np
        import orjson

        samples = np.array(totals.latency_samples_ms)
        print(
            "LATENCY "
            + orjson.dumps(
                {
                    "p50": round(float(np.percentile(samples, 50)), 1),
                    "p99": round(float(np.percentile(samples, 99)), 1),
                    "samples": int(samples.size),
                }
            ).decode(),
            flush=True,
        )
    print(
        f"ingest: {totals.messages} messages, {totals.stored} stored, "
        f"{totals.duplicates} duplicates, {totals.dead_letters} dead letters"
    )
    return 0


def _alerts(args: argparse.Namespace, settings: Settings) -> int:
    import logging
    import signal
    import threading

    from workers.alerts.evaluator import run_evaluator

    logging.basicConfig(level=args.loglevel, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_evaluator(settings, stop=stop)
    except KeyboardInterrupt:
        pass
    return 0


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from workers.simulator import SimulatorOptions, SimulatorReport, run_simulator

    options = SimulatorOptions(
        seed=args.seed,
        rate=args.rate,
        duration=args.duration
        if args.duration is not None
        else (0.0 if args.backfill_days else None),
        backfill_days=args.backfill_days,
        bad_ratio=args.bad_ratio,
        realtime=not args.fast,
    )
    if args.skip_if_present and _has_history(settings, args.backfill_days):
        print(f"history of {args.backfill_days} days is already stored; not backfilling again")
        return 0

    def progress(report: SimulatorReport) -> None:
        last = report.last_ts.isoformat(timespec="seconds") if report.last_ts else "-"
        print(f"    produced {report.delivered:,} messages (event time {last})", flush=True)

    report = run_simulator(settings, options, progress=progress)
    print(report.summary())
    return 0


def _has_history(settings: Settings, days: float) -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            oldest = conn.execute(
                sa.text("SELECT min(ts) FROM orders WHERE ts < now() - make_interval(secs => :s)"),
                {"s": days * 0.9 * 86400},
            ).scalar()
        return oldest is not None
    finally:
        engine.dispose()


def _refresh_derived(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    import sqlalchemy as sa

    from app.db.derived import refresh_derived

    engine = sa.create_engine(settings.database_url)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    try:
        refresh_derived(engine, end - dt.timedelta(days=args.days), end)
    finally:
        engine.dispose()
    print(f"refreshed minute candles and daily P/L of the last {args.days} days")
    return 0


def _mail_catcher(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from app.mail.catcher import MailCatcher, mail_dir

    directory = mail_dir(settings)
    catcher = MailCatcher(directory, host=args.host, port=args.port or settings.smtp_port).start()
    print(f"mail catcher on {args.host}:{catcher.port}, messages in {directory}", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        catcher.stop()


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
    worker.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help="processes (default 4: alert deliveries wait on the network and the database, and "
        "a burst of firings needs several in flight to reach the receiver within 1 s)",
    )
    worker.add_argument(
        "--pool",
        choices=("prefork", "threads", "solo"),
        default="prefork",
        help="prefork measured faster than threads for deliveries (docs/alerting.md)",
    )
    worker.add_argument("--loglevel", default="INFO")
    worker.set_defaults(handler=_worker)

    beat = sub.add_parser("beat", help="run Celery beat (the periodic scheduler)")
    beat.add_argument("--loglevel", default="INFO")
    beat.set_defaults(handler=_beat)

    migrate = sub.add_parser("migrate", help="bring the database schema to a revision")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.add_argument("--downgrade", metavar="REVISION", default=None)
    migrate.set_defaults(handler=_migrate)

    topics = sub.add_parser("topics", help="create the Kafka topics that are missing")
    topics.set_defaults(handler=_topics)

    ingest = sub.add_parser("ingest", help="consume the trading engine's topics into PostgreSQL")
    ingest.add_argument("--processes", type=int, default=1, help="consumer processes (1/core)")
    ingest.add_argument(
        "--idle-exit",
        type=float,
        default=None,
        help="stop after this many seconds without messages",
    )
    ingest.add_argument("--loglevel", default="INFO")
    ingest.set_defaults(handler=_ingest)

    alerts = sub.add_parser("alerts", help="the alert evaluator (after every ingest batch)")
    alerts.add_argument("--loglevel", default="INFO")
    alerts.set_defaults(handler=_alerts)

    sim = sub.add_parser("simulate", help="the trading-engine simulator (produces to Kafka)")
    sim.add_argument("--seed", type=int, default=7)
    sim.add_argument("--rate", type=float, default=500.0, help="live events per second")
    sim.add_argument(
        "--duration",
        type=float,
        default=None,
        help="seconds of live simulation (default: until Ctrl-C; 0 with backfill)",
    )
    sim.add_argument("--backfill-days", type=float, default=0.0)
    sim.add_argument("--bad-ratio", type=float, default=0.0)
    sim.add_argument("--fast", action="store_true", help="do not pace the live part")
    sim.add_argument(
        "--skip-if-present",
        action="store_true",
        help="skip a backfill when that much history is already stored",
    )
    sim.set_defaults(handler=_simulate)

    refresh = sub.add_parser("refresh-derived", help="recompute candles and daily P/L")
    refresh.add_argument("--days", type=float, default=1.0)
    refresh.set_defaults(handler=_refresh_derived)

    catcher = sub.add_parser("mail-catcher", help="a local SMTP server keeping mail as .eml")
    catcher.add_argument("--host", default="127.0.0.1")
    catcher.add_argument("--port", type=int, default=None, help="default: TRADEDASH_SMTP_PORT")
    catcher.set_defaults(handler=_mail_catcher)

    demo = sub.add_parser("demo", help="the whole product with simulated data, until Ctrl-C")
    demo.add_argument("--backfill-days", type=int, default=7)
    demo.add_argument("--rate", type=int, default=2000, help="live simulator events/s")
    demo.set_defaults(handler=_demo)

    user_commands.register(sub)
