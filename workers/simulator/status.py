"""LP up/degraded/down periods, announced on every change and by heartbeats."""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.events import LpState

from .lps import LpProfile

HEARTBEAT_SECONDS = 10.0
"""Each LP's status is re-sent at this interval at least (the contract's maximum)."""

_DAY = 86_400.0


@dataclass(frozen=True)
class StatusChange:
    """What to announce on ``lp.status``."""

    lp: str
    t: float
    status: LpState
    detail: str | None


class LpStatusBoard:
    """Scheduled outages and degraded periods of every LP, drawn from their daily rates."""

    def __init__(self, profiles: tuple[LpProfile, ...], seed: int, start: float) -> None:
        self._rng = random.Random(seed * 104_729 + 3)
        self._profiles = {profile.name: profile for profile in profiles}
        self.state: dict[str, LpState] = {profile.name: "up" for profile in profiles}
        self._until = {profile.name: start for profile in profiles}
        self._next_incident = {name: self._draw_next(name, start) for name in self._profiles}

    def _draw_next(self, name: str, after: float) -> float:
        profile = self._profiles[name]
        rate = (profile.outages_per_day + profile.degradations_per_day) / _DAY
        return after + self._rng.expovariate(rate)

    def is_up(self, lp: str) -> bool:
        """Whether the LP accepts orders and streams quotes (degraded still does)."""
        return self.state[lp] != "down"

    def is_degraded(self, lp: str) -> bool:
        """Whether the LP is slow and rejecting more than usual."""
        return self.state[lp] == "degraded"

    def advance(self, t: float) -> list[StatusChange]:
        """Apply the incidents that start or end by ``t`` and return the changes, in time order."""
        changes: list[StatusChange] = []
        for name, profile in self._profiles.items():
            while True:
                end = self._until[name] if self.state[name] != "up" else None
                start = self._next_incident[name]
                if end is not None and end <= t:
                    self.state[name] = "up"
                    changes.append(StatusChange(name, end, "up", "recovered"))
                    self._next_incident[name] = max(self._next_incident[name], end)
                elif end is None and start <= t:
                    changes.append(self._begin(profile, start))
                else:
                    break
        changes.sort(key=lambda change: change.t)
        return changes

    def _begin(self, profile: LpProfile, start: float) -> StatusChange:
        rng = self._rng
        total = profile.outages_per_day + profile.degradations_per_day
        state: LpState
        if rng.random() < profile.outages_per_day / total:
            state, minutes, detail = "down", rng.lognormvariate(2.0, 0.8), "session disconnected"
        else:
            state, minutes = "degraded", rng.lognormvariate(2.8, 0.7)
            detail = rng.choice(("high latency", "wide spreads", "partial liquidity"))
        self.state[profile.name] = state
        self._until[profile.name] = start + 60.0 * minutes
        self._next_incident[profile.name] = self._draw_next(profile.name, self._until[profile.name])
        return StatusChange(profile.name, start, state, detail)
