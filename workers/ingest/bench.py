"""`make bench-ingest`: end-to-end ingest throughput on this machine, with its own ceiling.

1. Builds a production-like stream (mostly quotes) from the simulator, replayed with fresh
   event ids until it is large enough for a run of at least 60 s, into private topics.
2. Measures, on the same database in the same run, the raw binary COPY rate of the same number
   of quote rows into a plain table: the ceiling of what storing them could cost.
3. Starts the consumers (one process per core) on the backlog and waits until every event is
   stored, its rollups updated and its offsets committed; samples the lag meanwhile.
4. A live phase: the simulator produces in real time while the consumers run; the consumers
   report the delay from each event's ``ts`` to the commit of its batch.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
import uuid

import orjson
import psycopg
from confluent_kafka import Consumer, TopicPartition

from app.config import Settings, load_settings
from app.db.migrate import upgrade
from app.ingest.store import to_conninfo
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator import SimulatorOptions
from workers.simulator.messages import SimMessage, generate_messages
from workers.simulator.producer import EventProducer

ID_START = len(b'{"event_id":"')


def template(seconds: float) -> list[SimMessage]:
    now = dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC)
    options = SimulatorOptions(duration=seconds, rate=20_000, realtime=False, now=now)
    return [m for m in generate_messages(options, now.timestamp()) if m.defect is None]


def produce(settings: Settings, messages: list[SimMessage], copies: int) -> int:
    producer = EventProducer(settings)
    sent = 0
    for copy in range(copies):
        prefix = f"{copy:08x}".encode()
        for m in messages:
            value = m.value[:ID_START] + prefix + m.value[ID_START + 8 :]
            producer.send(m._replace(value=value))
            sent += 1
    producer.flush()
    return sent


def copy_ceiling(settings: Settings, rows: int) -> float:
    """Rows per second of a binary COPY of quote-shaped rows into an indexed table."""
    now = dt.datetime.now(dt.UTC)
    data = [
        (uuid.uuid4(), now, "LP_ALPHA", "EURUSD", 1.08501, 1.08504, 1e6, 1e6)
        for _ in range(min(rows, 1_000_000))
    ]
    with psycopg.connect(to_conninfo(settings.database_url)) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy_ceiling")
        conn.execute(
            "CREATE TABLE bench_copy_ceiling (event_id uuid, ts timestamptz, lp text, "
            "symbol text, bid float8, ask float8, bid_size float8, ask_size float8, "
            "PRIMARY KEY (event_id, ts))"
        )
        conn.commit()
        start = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bench_copy_ceiling FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(
                ["uuid", "timestamptz", "text", "text", "float8", "float8", "float8", "float8"]
            )
            for row in data:
                copy.write_row(row)
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_copy_ceiling")
        conn.commit()
    return len(data) / elapsed


def stored_total(settings: Settings) -> int:
    with psycopg.connect(to_conninfo(settings.database_url)) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(events_stored + duplicates_ignored + dead_letters), 0) "
            "FROM ingest_stats WHERE topic LIKE %s",
            [settings.topic_prefix + "%"],
        ).fetchone()
    return int(row[0]) if row else 0


def lag(settings: Settings) -> int:
    consumer = Consumer(
        {"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": settings.consumer_group}
    )
    try:
        partitions = [
            TopicPartition(t, p)
            for t in settings.topics.values()
            for p in range(settings.topic_partitions)
        ]
        committed = consumer.committed(partitions, timeout=10)
        total = 0
        for tp in committed:
            high = consumer.get_watermark_offsets(tp, timeout=10)[1]
            total += high - max(tp.offset, 0)
        return total
    finally:
        consumer.close()


def env_for(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "TRADEDASH_TOPIC_PREFIX": settings.topic_prefix,
        "TRADEDASH_CONSUMER_GROUP": settings.consumer_group,
        "TRADEDASH_DATABASE_URL": settings.database_url,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=7_000_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--live-seconds", type=float, default=30.0)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:6]
    settings = load_settings(
        topic_prefix=f"bench{run}.",
        consumer_group=f"bench-{run}",
        database_name=f"tradedash_bench_{run}",
    )
    admin = to_conninfo(load_settings().database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE tradedash_bench_{run}")
    upgrade(settings)
    ensure_topics(settings)
    try:
        base = template(30.0)
        copies = max(1, -(-args.events // len(base)))
        t0 = time.perf_counter()
        sent = produce(settings, base, copies)
        produce_s = time.perf_counter() - t0
        ceiling = copy_ceiling(settings, sent)
        consumers = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tradedash.cli",
                "ingest",
                "--processes",
                str(args.processes),
                "--loglevel",
                "WARNING",
            ],
            env=env_for(settings),
            stdout=subprocess.PIPE,
            text=True,
        )
        start = time.perf_counter()
        done = 0
        while done < sent and time.perf_counter() - start < 900:
            time.sleep(1)
            done = stored_total(settings)
        elapsed = time.perf_counter() - start
        backlog_lag = lag(settings)
        rate = done / elapsed
        live = live_phase(settings, args.live_seconds)
        consumers.terminate()
        out, _ = consumers.communicate(timeout=60)
        latencies = [
            orjson.loads(line[len("LATENCY ") :])
            for line in out.splitlines()
            if line.startswith("LATENCY ")
        ]
        result = {
            "events": sent,
            "produce_s": round(produce_s, 1),
            "drain_s": round(elapsed, 1),
            "events_per_s": round(rate),
            "target_per_s": 100_000,
            "lag_at_end": backlog_lag,
            "copy_ceiling_rows_per_s": round(ceiling),
            "fraction_of_copy_ceiling": round(rate / ceiling, 3),
            "live": live,
            "live_latency_ms": latencies,
            "consumer_processes": args.processes,
        }
        print(orjson.dumps(result).decode())
    finally:
        delete_topics(settings)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS tradedash_bench_{run} WITH (FORCE)")


def live_phase(settings: Settings, seconds: float) -> dict[str, float]:
    """Simulator in real time while the consumers run."""
    before = stored_total(settings)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradedash.cli",
            "simulate",
            "--rate",
            "5000",
            "--duration",
            str(seconds),
        ],
        env=env_for(settings),
        capture_output=True,
        text=True,
        check=True,
    )
    time.sleep(3)
    return {
        "seconds": seconds,
        "stored": stored_total(settings) - before,
        "simulator": len(proc.stdout),
    }


if __name__ == "__main__":
    main()
