"""Micro-benchmark: decode + validate rate of simulator messages, per core.

Run with ``python -m workers.simulator.bench_decode``. CPU time (not wall time) is measured,
so other processes on the machine disturb the figures less; the best of several rounds counts.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import UTC, datetime

from app.events import Invalid, decode_batch

from .messages import generate_messages
from .options import SimulatorOptions


def sample_messages(count: int) -> dict[str, list[bytes]]:
    """At least ``count`` quote values and a few thousand of every other topic."""
    options = SimulatorOptions(
        seed=1,
        now=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        backfill_days=0,
        duration=count / 1_800.0,
        rate=2_000.0,
        realtime=False,
    )
    values: dict[str, list[bytes]] = defaultdict(list)
    for message in generate_messages(options):
        values[message.topic].append(message.value)
    return values


def rate(topic: str, values: list[bytes], rounds: int, batch: int = 10_000) -> float:
    """Best events per CPU-second of :func:`decode_batch` on consumer-sized batches."""
    best = 0.0
    for _ in range(rounds):
        for first in range(0, len(values), batch):
            chunk = values[first : first + batch]
            started = time.process_time()
            results = decode_batch(topic, chunk)
            elapsed = time.process_time() - started
            if elapsed > 0:
                best = max(best, len(chunk) / elapsed)
            assert not any(isinstance(result, Invalid) for result in results)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quotes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    values = sample_messages(args.quotes)
    for topic in ("quotes", "orders", "executions", "accounts"):
        sample = values[topic]
        size = sum(map(len, sample)) / len(sample)
        print(
            f"{topic:<11} {len(sample):>7} messages of {size:.0f} B: "
            f"{rate(topic, sample, args.rounds):>12,.0f} events/s per core"
        )


if __name__ == "__main__":
    main()
