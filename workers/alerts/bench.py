"""`make bench-alerts`: the alert engine and its delivery under load on this machine.

1. A fresh database and private topics; a webhook channel pointing at a receiver in this
   process; 1,000 enabled rules of every type (thresholds, patterns, composites, expressions,
   anomalies, predictions) over LPs, symbols and the whole flow, plus one canary rule
   (``failed_orders >= 1`` per LP), all notifying the webhook.
2. The ingest consumers (one process per core), the simulator producing live at ``--rate``
   events/s (20k by default), the alert evaluator in a process of its own and a real Celery
   worker (``tradedash worker --concurrency 4``; ``--pool threads`` and ``--concurrency``
   change it) on a private queue for the deliveries.
3. Every ``--canary-every`` seconds the bench sends one rejected order for a new LP and times
   it from the send to the canary's alert on the ``td:{group}:alerts`` channel (event → firing).
   Every firing notification is timed from the commit of the evaluator's transaction to the
   signed webhook's arrival at the receiver (firing → delivered). Each evaluation pass reports
   its fetch, evaluation and write times.

Prints one JSON line: p50/p99 of event → firing and firing → delivered, and per pass the
evaluation time of the rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import orjson
import psycopg
import redis
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.alerts import store
from app.alerts.definitions import parse_rule
from app.audit.chain import Actor
from app.config import Settings, load_settings
from app.db.migrate import upgrade
from app.events import ExecutionReport, OrderRouted
from app.events.codec import encode, key_of
from app.ingest.store import to_conninfo
from app.notify import dispatch
from app.notify.store import save_channel
from workers.alerts.evaluator import alert_keys, run_evaluator
from workers.celery_app import create_celery
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator.messages import SimMessage
from workers.simulator.producer import EventProducer

BENCH = Actor("bench", "admin")
METRICS_BY_SCOPE = {
    "lp": ("reject_rate", "latency_ms", "slippage_pips", "fill_ratio", "attempts"),
    "symbol": ("reject_rate", "latency_ms", "slippage_pips", "volume_usd"),
    "global": ("reject_rate", "latency_ms", "attempts"),
}


class Receiver:
    """A webhook receiver on 127.0.0.1: the arrival time of every firing notification, by
    alert id."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                payload = orjson.loads(body)
                if payload.get("transition") == "firing":
                    receiver.arrivals.setdefault(int(payload["alert"]["event_id"]), arrived)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def rule_mix(count: int, seed: int = 3) -> list[dict[str, Any]]:
    """``count`` varied, mostly quiet rule definitions."""
    rng = random.Random(seed)
    rules: list[dict[str, Any]] = []
    for index in range(count):
        scope = rng.choice(("lp", "lp", "symbol", "global"))
        metric = rng.choice(METRICS_BY_SCOPE[scope])
        window = rng.choice((60, 300))
        kind = rng.choices(
            ("threshold", "pattern", "composite", "expression", "anomaly", "predictive"),
            weights=(40, 20, 15, 15, 8, 2),
        )[0]
        base: dict[str, Any] = {
            "name": f"bench {index}",
            "type": kind,
            "scope": scope,
            "pending_s": rng.choice((0, 30)),
            "cooldown_s": 300,
        }
        if kind == "threshold":
            base["spec"] = {
                "metric": metric,
                "operator": ">",
                "value": rng.uniform(50, 5000),
                "window_s": window,
            }
        elif kind == "pattern":
            base["scope"] = rng.choice(("lp", "global"))
            base["spec"] = {
                "metric": "failed_orders",
                "count": rng.randint(500, 5000),
                "window_s": 60,
            }
        elif kind == "composite":
            base["spec"] = {
                "conditions": [
                    {"metric": m, "operator": ">", "value": rng.uniform(100, 1000), "weight": 0.5}
                    for m in rng.sample(METRICS_BY_SCOPE[scope], 2)
                ],
                "score_threshold": 1.0,
            }
        elif kind == "expression":
            other = rng.choice(METRICS_BY_SCOPE[scope])
            base["spec"] = {
                "expression": f"{metric} > {rng.uniform(100, 900):.1f} AND {other} >= 0 "
                "AND between(hour(), 0, 24)",
                "window_s": window,
            }
        elif kind == "anomaly":
            base["spec"] = {"metric": metric, "sigma": 4, "window_s": window}
        else:
            base["spec"] = {"metric": metric, "operator": ">", "value": 1e9, "window_s": window}
        rules.append(base)
    return rules


def canary_events(lp: str) -> tuple[OrderRouted, ExecutionReport]:
    """One order routed to ``lp`` and its rejection, stamped now."""
    now = dt.datetime.now(dt.UTC)
    order_id = f"CANARY-{uuid.uuid4().hex[:10]}"
    order = OrderRouted(
        event_id=uuid.uuid4(), event_type="order.routed", schema_version=1, ts=now,
        order_id=order_id, client_id="BENCH", account_id="BENCH", symbol="EURUSD",
        asset_class="fx", pip_size=0.0001, side="buy", qty=1000.0, order_type="market",
        limit_price=None, arrival_bid=1.1, arrival_ask=1.1002, book="A", lp=lp,
        rule_id="R1", rule_version=1, client_segment=None,
    )  # fmt: skip
    reject = ExecutionReport(
        event_id=uuid.uuid4(), event_type="execution.report", schema_version=1, ts=now,
        exec_id=f"X{order_id}", order_id=order_id, lp=lp, status="rejected",
        requested_qty=1000.0, fill_qty=0.0, requested_price=1.1002, fill_price=None,
        sent_ts=now, market_bid=1.1, market_ask=1.1002, reject_reason="last_look",
        commission=0.0, pfof=0.0, currency="USD",
    )  # fmt: skip
    return order, reject


def send(producer: EventProducer, *events: OrderRouted | ExecutionReport) -> None:
    for event in events:
        producer.send(SimMessage(event.topic_key, key_of(event), encode(event), time.time()))
    producer.flush()


def create_rules(settings: Settings, count: int, webhook_url: str) -> None:
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        channel = save_channel(
            session, settings, BENCH, kind="webhook", name="bench webhook",
            values={"url": webhook_url, "signing_secret": "bench-signing-secret-0123456789"},
        ).id  # fmt: skip
        for data in rule_mix(count):
            store.create_rule(session, BENCH, parse_rule({**data, "channel_ids": [channel]}))
        canary = {
            "name": "canary",
            "type": "pattern",
            "scope": "lp",
            "cooldown_s": 0,
            "channel_ids": [channel],
            "spec": {"metric": "failed_orders", "count": 1, "window_s": 60},
        }
        store.create_rule(session, BENCH, parse_rule(canary))
        session.commit()
    engine.dispose()


def env_for(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "TRADEDASH_DATABASE_URL": settings.database_url,
        "TRADEDASH_REDIS_URL": settings.redis_url,
        "TRADEDASH_TOPIC_PREFIX": settings.topic_prefix,
        "TRADEDASH_CONSUMER_GROUP": settings.consumer_group,
    }


def percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"samples": 0}
    array = np.array(values)
    return {
        "p50": round(float(np.percentile(array, 50)), 1),
        "p99": round(float(np.percentile(array, 99)), 1),
        "max": round(float(array.max()), 1),
        "samples": int(array.size),
    }


def _evaluate(settings: Settings, worker_queue: str, stop: Any, passes: Any) -> None:
    """The evaluator process: deliveries go to the bench's worker queue; each pass is reported
    with its timings and its notified firings (alert id → commit time)."""

    def on_pass(stats: Any, _batch: float | None) -> None:
        fired = {
            change.alert_id: stats.committed_at
            for change in stats.changes
            if change.to_state == "firing" and change.notified and change.alert_id
        }
        passes.put({"rules": stats.rules, "instances": stats.instances,
                    "fetch": stats.fetch_ms, "evaluate": stats.evaluate_ms,
                    "write": stats.write_ms, "fetch_cpu": stats.fetch_cpu_ms,
                    "evaluate_cpu": stats.evaluate_cpu_ms, "fired": fired,
                    "at": stats.committed_at})  # fmt: skip

    dispatch.set_dispatcher(dispatch.celery_dispatcher(settings, queue=worker_queue))
    profile_to = os.environ.get("BENCH_ALERTS_PROFILE")  # a file for cProfile's statistics
    if not profile_to:
        run_evaluator(settings, stop=stop, on_pass=on_pass)
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        run_evaluator(settings, stop=stop, on_pass=on_pass)
    finally:
        profiler.disable()
        profiler.dump_stats(profile_to)


def start_worker(
    settings: Settings, worker_queue: str, pool: str = "prefork", concurrency: int = 4
) -> subprocess.Popen[bytes]:
    """A real Celery worker of its own for the deliveries, ready when this returns."""
    cli = [sys.executable, "-m", "tradedash.cli"]
    worker = subprocess.Popen(
        [*cli, "worker", "--queues", worker_queue, "--pool", pool, "--concurrency",
         str(concurrency), "--loglevel", "WARNING"],
        env=env_for(settings), stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    celery = create_celery(settings)
    celery.send_task("tradedash.maintenance.ping", queue=worker_queue).get(timeout=120)
    celery.close()
    return worker


def measure(settings: Settings, args: argparse.Namespace, receiver: Receiver) -> dict[str, Any]:
    cli = [sys.executable, "-m", "tradedash.cli"]
    worker_queue = f"bench-alerts-{uuid.uuid4().hex[:6]}"
    worker = start_worker(settings, worker_queue, args.pool, args.concurrency)
    consumers = subprocess.Popen(
        [*cli, "ingest", "--processes", str(args.processes), "--loglevel", "WARNING"],
        env=env_for(settings), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    spawn = mp.get_context("spawn")
    stop = spawn.Event()
    passes: Any = spawn.Queue()
    evaluator = spawn.Process(target=_evaluate, args=(settings, worker_queue, stop, passes))
    evaluator.start()
    client = redis.Redis.from_url(settings.redis_url)
    toasts = client.pubsub(ignore_subscribe_messages=True)
    toasts.subscribe(alert_keys(settings.consumer_group)["channel"])
    simulator = subprocess.Popen(
        [*cli, "simulate", "--rate", str(args.rate), "--duration", str(args.seconds + 30)],
        env=env_for(settings), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        return _timed(settings, args, passes, toasts, receiver)
    finally:
        stop.set()
        simulator.terminate()
        consumers.terminate()
        simulator.wait(timeout=60)
        consumers.wait(timeout=60)
        evaluator.join(timeout=60)
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


def _drain(passes: Any) -> list[dict[str, Any]]:
    drained = []
    while True:
        try:
            drained.append(passes.get_nowait())
        except queue.Empty:
            return drained


def _canaries(
    producer: EventProducer, sent: dict[str, float], lock: threading.Lock,
    flushes: list[float], deadline: float, every_s: float,
) -> None:  # fmt: skip
    """Every ``every_s``, an order for a new LP then its rejection (timed from the send)."""
    count = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        lp = f"CANARY{count}"
        count += 1
        order, reject = canary_events(lp)
        send(producer, order)
        time.sleep(0.3)  # the order first, so the rejection finds it
        with lock:
            sent[lp] = time.time()
        send(producer, reject)
        flushes.append((time.monotonic() - started - 0.3) * 1000)
        time.sleep(max(0.0, every_s - (time.monotonic() - started)))


def _timed(
    settings: Settings, args: argparse.Namespace, pass_queue: Any, toasts: Any,
    receiver: Receiver,
) -> dict[str, Any]:  # fmt: skip
    producer = EventProducer(settings)
    time.sleep(20)  # consumers assigned, the simulator's flow in the rollups
    _drain(pass_queue)
    receiver.arrivals.clear()
    passes: list[dict[str, Any]] = []
    latencies: list[float] = []
    sent: dict[str, float] = {}
    flushes: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds
    canaries = threading.Thread(
        target=_canaries,
        args=(producer, sent, lock, flushes, deadline, args.canary_every),
        daemon=True,
    )
    canaries.start()
    while time.monotonic() < deadline + 5:  # canaries sent at the end get 5 s
        message = toasts.get_message(timeout=0.05)
        if message is not None:
            change = orjson.loads(message["data"])
            with lock:
                fired = change["to"] == "firing" and sent.pop(change["instance"], None)
            if fired:
                latencies.append((time.time() - fired) * 1000)
        passes.extend(_drain(pass_queue))
    canaries.join()
    passes.extend(_drain(pass_queue))
    time.sleep(3)  # the last passes' notifications arrive (later passes are not counted)
    summary = _summary(args, passes, latencies, len(sent), receiver.arrivals)
    return {**summary, "canary_send_ms": percentiles(flushes)}


def _summary(
    args: argparse.Namespace, passes: list[dict[str, Any]], latencies: list[float],
    missed: int, arrivals: dict[int, float],
) -> dict[str, Any]:  # fmt: skip
    committed = {alert: at for p in passes for alert, at in p["fired"].items()}
    delivered = [(arrivals[a] - at) * 1000 for a, at in committed.items() if a in arrivals]
    return {
        "rules": passes[-1]["rules"] if passes else 0,
        "instances_per_pass": int(np.median([p["instances"] for p in passes])) if passes else 0,
        "rate_events_per_s": args.rate,
        "event_to_firing_ms": percentiles(latencies),
        "canaries_missed": missed,
        "firing_to_delivered_ms": percentiles(delivered),
        "notifications_not_delivered": len(committed) - len(delivered),
        "passes": len(passes),
        "evaluate_ms_per_pass": percentiles([p["evaluate"] for p in passes]),
        "evaluate_cpu_ms_per_pass": percentiles([p["evaluate_cpu"] for p in passes]),
        "fetch_ms_per_pass": percentiles([p["fetch"] for p in passes]),
        "fetch_cpu_ms_per_pass": percentiles([p["fetch_cpu"] for p in passes]),
        "write_ms_per_pass": percentiles([p["write"] for p in passes]),
        "pass_total_ms": percentiles([p["fetch"] + p["evaluate"] + p["write"] for p in passes]),
        "slowest_passes": _slowest(passes),
        "targets": {"event_to_firing_p99_ms": 2000, "firing_to_delivered_p99_ms": 1000,
                    "evaluate_ms_per_batch": 100},
    }  # fmt: skip


def _slowest(passes: list[dict[str, Any]], count: int = 5) -> list[dict[str, Any]]:
    """The slowest passes with their parts, and when they ended (seconds into the timing): a
    stall that recurs at a fixed period shows here."""
    if not passes:
        return []
    first = min(p["at"] or 0.0 for p in passes)
    ranked = sorted(passes, key=lambda p: p["fetch"] + p["evaluate"] + p["write"], reverse=True)
    return [
        {
            "at_s": round((p["at"] or first) - first, 1),
            "fetch_ms": round(p["fetch"]),
            "evaluate_ms": round(p["evaluate"]),
            "write_ms": round(p["write"]),
            "fired": len(p["fired"]),
        }
        for p in ranked[:count]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--canary-every", type=float, default=1.5)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--pool", choices=("prefork", "threads"), default="prefork")
    parser.add_argument("--concurrency", type=int, default=4, help="of the delivery worker")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:6]
    settings = load_settings(
        topic_prefix=f"benchal{run}.",
        consumer_group=f"bench-alerts-{run}",
        database_name=f"tradedash_bench_alerts_{run}",
    )
    admin = to_conninfo(load_settings().database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE tradedash_bench_alerts_{run}")
    receiver = Receiver()
    try:
        upgrade(settings)
        ensure_topics(settings)
        create_rules(settings, args.rules, receiver.url)
        print(orjson.dumps(measure(settings, args, receiver)).decode(), flush=True)
    finally:
        receiver.stop()
        delete_topics(settings)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS tradedash_bench_alerts_{run} WITH (FORCE)")


if __name__ == "__main__":
    main()
