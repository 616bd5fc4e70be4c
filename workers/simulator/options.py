"""What a simulator run does; the CLI fills these from its flags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.events import MAX_MESSAGE_BYTES


@dataclass(frozen=True)
class SimulatorOptions:
    """Options of one run. The timeline is ``[now - backfill_days, now + duration)``: the past
    part is produced as fast as the broker takes it, the rest is paced by the wall clock."""

    seed: int = 7
    rate: float = 500.0
    """Target events per second in live mode (approximate, about +-25 %)."""
    duration: float | None = 60.0
    """Seconds of live simulation after ``now``; ``None`` runs until interrupted."""
    backfill_days: float = 0.0
    """Days of history to produce before ``now``."""
    bad_ratio: float = 0.0
    """Share of extra messages that are invalid, cycling through every rejection reason."""
    duplicate_ratio: float | None = None
    """Share of messages delivered twice (same key and bytes); defaults to ``bad_ratio``."""
    accounts: int = 500
    backfill_orders_per_day: float = 15_000.0
    """Orders (openings and closings) on a busy weekday of backfill."""
    backfill_quote_interval: float = 8.0
    """Mean seconds between background quotes of one LP and symbol at peak hours in backfill
    (live mode quotes as often as ``rate`` allows)."""
    now: datetime | None = None
    """Fix the present (UTC) for a reproducible run; ``None`` uses the wall clock."""
    realtime: bool = True
    """Pace the live part by the wall clock; ``False`` produces it as fast as possible."""
    max_message_bytes: int = MAX_MESSAGE_BYTES
    """Size of the consumer's limit, so that ``oversize`` bad messages exceed it."""

    @property
    def effective_duplicate_ratio(self) -> float:
        """The duplicate share actually used."""
        return self.bad_ratio if self.duplicate_ratio is None else self.duplicate_ratio
