"""``run_simulator``: the one entry point of ``tradedash simulate``."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.config import Settings
from workers.kafka_topics import ensure_topics

from .messages import generate_messages
from .options import SimulatorOptions
from .producer import EventProducer

_PROGRESS_EVERY = 10.0  # seconds of wall clock between progress callbacks


@dataclass
class SimulatorReport:
    """What a run produced."""

    events: Counter[str] = field(default_factory=Counter)
    """Valid events per topic short name."""
    bad: Counter[str] = field(default_factory=Counter)
    """Invalid messages per reason code the consumers should record."""
    duplicates: int = 0
    delivered: int = 0
    failed: int = 0
    first_error: str | None = None
    bytes: int = 0
    seconds: float = 0.0
    first_ts: datetime | None = None
    last_ts: datetime | None = None

    @property
    def messages(self) -> int:
        """All messages produced: valid, bad and duplicates."""
        return sum(self.events.values()) + sum(self.bad.values()) + self.duplicates

    def summary(self) -> str:
        """A few human-readable lines for the command line."""
        rate = self.messages / self.seconds if self.seconds else 0.0
        lines = [
            f"{self.messages} messages ({self.bytes / 1e6:.1f} MB) in {self.seconds:.1f} s "
            f"= {rate:,.0f}/s; delivered {self.delivered}, failed {self.failed}",
            "events: " + ", ".join(f"{k} {v}" for k, v in sorted(self.events.items())),
        ]
        if self.bad or self.duplicates:
            bad = ", ".join(f"{k} {v}" for k, v in sorted(self.bad.items()))
            lines.append(f"bad: {bad or 'none'}; duplicates: {self.duplicates}")
        if self.first_ts and self.last_ts:
            lines.append(f"event time {self.first_ts.isoformat()} .. {self.last_ts.isoformat()}")
        if self.first_error:
            lines.append(f"first delivery error: {self.first_error}")
        return "\n".join(lines)


def run_simulator(
    settings: Settings,
    options: SimulatorOptions,
    *,
    stop: threading.Event | None = None,
    progress: Callable[[SimulatorReport], None] | None = None,
) -> SimulatorReport:
    """Create the topics if needed, then produce the run's messages to Kafka.

    History (before ``now``) goes out as fast as the broker takes it; the live part follows the
    wall clock unless ``options.realtime`` is False. Stops early when ``stop`` is set or on
    Ctrl-C, and always flushes before returning the report.
    """
    ensure_topics(settings)
    producer = EventProducer(settings)
    report = SimulatorReport()
    started = time.monotonic()
    next_progress = started + _PROGRESS_EVERY
    wall_now = time.time()
    try:
        for message in generate_messages(options, wall_now):
            if stop is not None and stop.is_set():
                break
            if options.realtime:
                _pace(producer, message.t)
            producer.send(message)
            _count(report, message.topic, message.defect, len(message.value), message.t)
            if progress is not None and time.monotonic() >= next_progress:
                next_progress += _PROGRESS_EVERY
                report.seconds = time.monotonic() - started
                progress(report)
    except KeyboardInterrupt:
        pass
    finally:
        producer.flush()
        report.delivered, report.failed = producer.delivered, producer.failed
        report.first_error = producer.first_error
        report.seconds = time.monotonic() - started
    return report


def _pace(producer: EventProducer, t: float) -> None:
    """Hold a live event until its time comes (serving delivery reports meanwhile)."""
    ahead = t - time.time()
    while ahead > 0.005:
        producer.wait(ahead)
        ahead = t - time.time()


def _count(report: SimulatorReport, topic: str, defect: str | None, size: int, t: float) -> None:
    report.bytes += size
    if defect is None:
        report.events[topic] += 1
        ts = datetime.fromtimestamp(t, UTC)
        if report.first_ts is None:
            report.first_ts = ts
        report.last_ts = ts
    elif defect == "duplicate":
        report.duplicates += 1
    else:
        report.bad[defect] += 1
