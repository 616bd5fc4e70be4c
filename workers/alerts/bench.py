"""`make bench-alerts`: the alert engine under load on this machine.

1. A fresh database and private topics; 1,000 enabled rules of every type (thresholds,
   patterns, composites, expressions, anomalies, predictions) over LPs, symbols and the whole
   flow, plus one canary rule (``failed_orders >= 1`` per LP).
2. The ingest consumers (one process per core) and the simulator producing live at
   ``--rate`` events/s (20k by default); the alert evaluator runs in this process.
3. Every ``--canary-every`` seconds the bench sends one rejected order for a new LP and times
   it from the send to the canary's alert on the ``td:{group}:alerts`` channel (event → state
   change). Each evaluation pass reports its fetch, evaluation and write times.

Prints one JSON line: p50/p99 of event → firing, and per pass the evaluation time of the rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import threading
import time
import uuid
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
from workers.alerts.evaluator import alert_keys, run_evaluator
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator.messages import SimMessage
from workers.simulator.producer import EventProducer

BENCH = Actor("bench", "admin")
METRICS_BY_SCOPE = {
    "lp": ("reject_rate", "latency_ms", "slippage_pips", "fill_ratio", "attempts"),
    "symbol": ("reject_rate", "latency_ms", "slippage_pips", "volume_usd"),
    "global": ("reject_rate", "latency_ms", "attempts"),
}


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


def create_rules(settings: Settings, count: int) -> None:
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        for data in rule_mix(count):
            store.create_rule(session, BENCH, parse_rule(data))
        canary = {
            "name": "canary",
            "type": "pattern",
            "scope": "lp",
            "cooldown_s": 0,
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


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    cli = [sys.executable, "-m", "tradedash.cli"]
    consumers = subprocess.Popen(
        [*cli, "ingest", "--processes", str(args.processes), "--loglevel", "WARNING"],
        env=env_for(settings), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    passes: list[dict[str, float]] = []
    stop = threading.Event()

    def on_pass(stats: Any, _batch: float | None) -> None:
        passes.append({"rules": stats.rules, "instances": stats.instances,
                       "fetch": stats.fetch_ms, "evaluate": stats.evaluate_ms,
                       "write": stats.write_ms})  # fmt: skip

    evaluator = threading.Thread(
        target=run_evaluator,
        args=(settings,),
        kwargs={"stop": stop, "on_pass": on_pass},
        daemon=True,
    )
    evaluator.start()
    client = redis.Redis.from_url(settings.redis_url)
    toasts = client.pubsub(ignore_subscribe_messages=True)
    toasts.subscribe(alert_keys(settings.consumer_group)["channel"])
    simulator = subprocess.Popen(
        [*cli, "simulate", "--rate", str(args.rate), "--duration", str(args.seconds + 30)],
        env=env_for(settings), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        return _timed(settings, args, passes, toasts)
    finally:
        stop.set()
        simulator.terminate()
        consumers.terminate()
        simulator.wait(timeout=60)
        consumers.wait(timeout=60)
        evaluator.join(timeout=60)


def _timed(
    settings: Settings, args: argparse.Namespace, passes: list[dict[str, float]], toasts: Any
) -> dict[str, Any]:
    producer = EventProducer(settings)
    time.sleep(20)  # consumers assigned, the simulator's flow in the rollups
    passes.clear()
    latencies: list[float] = []
    sent: dict[str, float] = {}
    deadline = time.monotonic() + args.seconds
    next_canary = time.monotonic()
    while time.monotonic() < deadline:
        if time.monotonic() >= next_canary:
            lp = f"CANARY{len(sent)}"
            order, reject = canary_events(lp)
            send(producer, order)
            time.sleep(0.3)  # the order first, so the rejection finds it
            sent[lp] = time.time()
            send(producer, reject)
            next_canary = time.monotonic() + args.canary_every
        message = toasts.get_message(timeout=0.05)
        if message is not None:
            change = orjson.loads(message["data"])
            if change["instance"] in sent and change["to"] == "firing":
                latencies.append((time.time() - sent.pop(change["instance"])) * 1000)
    evaluation = [p["evaluate"] for p in passes]
    return {
        "rules": passes[-1]["rules"] if passes else 0,
        "instances_per_pass": int(np.median([p["instances"] for p in passes])) if passes else 0,
        "rate_events_per_s": args.rate,
        "event_to_firing_ms": percentiles(latencies),
        "canaries_missed": len(sent),
        "passes": len(passes),
        "evaluate_ms_per_pass": percentiles(evaluation),
        "fetch_ms_per_pass": percentiles([p["fetch"] for p in passes]),
        "write_ms_per_pass": percentiles([p["write"] for p in passes]),
        "pass_total_ms": percentiles([p["fetch"] + p["evaluate"] + p["write"] for p in passes]),
        "targets": {"event_to_firing_p99_ms": 2000, "evaluate_ms_per_batch": 100},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--canary-every", type=float, default=1.5)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
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
    try:
        upgrade(settings)
        ensure_topics(settings)
        create_rules(settings, args.rules)
        print(orjson.dumps(measure(settings, args)).decode(), flush=True)
    finally:
        delete_topics(settings)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS tradedash_bench_alerts_{run} WITH (FORCE)")


if __name__ == "__main__":
    main()
