"""Simulated runs shared by the simulator tests (each is generated once per session)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pytest

from app.events import (
    AccountSnapshot,
    Event,
    ExecutionReport,
    LpStatus,
    OrderRouted,
    PositionClosed,
    Quote,
    RulePublished,
)
from workers.simulator.generator import Simulation, timeline
from workers.simulator.options import SimulatorOptions

STALE_SECONDS = 5.0  # a quote older than this does not count for the composite (METRICS.md)


@dataclass
class Run:
    """The events of one simulation, grouped by type, with an as-of composite mid."""

    simulation: Simulation
    orders: dict[str, OrderRouted] = field(default_factory=dict)
    executions: list[ExecutionReport] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    positions: list[PositionClosed] = field(default_factory=list)
    accounts: list[AccountSnapshot] = field(default_factory=list)
    statuses: list[LpStatus] = field(default_factory=list)
    rules: list[RulePublished] = field(default_factory=list)
    _book: dict[str, dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]] = field(
        default_factory=dict
    )

    def add(self, event: Event) -> None:
        if isinstance(event, OrderRouted):
            self.orders[event.order_id] = event
        elif isinstance(event, ExecutionReport):
            self.executions.append(event)
        elif isinstance(event, Quote):
            self.quotes.append(event)
        elif isinstance(event, PositionClosed):
            self.positions.append(event)
        elif isinstance(event, AccountSnapshot):
            self.accounts.append(event)
        elif isinstance(event, LpStatus):
            self.statuses.append(event)
        else:
            self.rules.append(event)

    def index_quotes(self) -> None:
        rows: dict[str, dict[str, list[tuple[float, float, float]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for quote in self.quotes:
            rows[quote.symbol][quote.lp].append((quote.ts.timestamp(), quote.bid, quote.ask))
        for symbol, by_lp in rows.items():
            self._book[symbol] = {
                lp: tuple(np.array(column) for column in zip(*values, strict=True))
                for lp, values in by_lp.items()
            }

    def mid(self, symbol: str, t: float) -> float | None:
        """Composite mid from the emitted quotes: each LP's latest quote at or before ``t``."""
        best_bid, best_ask = -np.inf, np.inf
        for times, bids, asks in self._book[symbol].values():
            i = int(np.searchsorted(times, t, side="right")) - 1
            if i >= 0 and t - times[i] <= STALE_SECONDS:
                best_bid, best_ask = max(best_bid, bids[i]), min(best_ask, asks[i])
        if not (np.isfinite(best_bid) and np.isfinite(best_ask)):
            return None
        return float(best_bid + best_ask) / 2.0


def simulate(options: SimulatorOptions) -> Run:
    start, live_from, end = timeline(options, wall_now=0.0)
    run = Run(Simulation(options, start, live_from, end))
    for _, event in run.simulation.events():
        run.add(event)
    run.index_quotes()
    return run


@pytest.fixture(scope="session")
def busy_run() -> Run:
    """Four busy weekday hours (London/New York overlap) of history, with heavy order flow."""
    return simulate(
        SimulatorOptions(
            seed=3,
            now=datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
            backfill_days=4 / 24,
            duration=0,
            backfill_orders_per_day=250_000,
            accounts=300,
            realtime=False,
        )
    )


@pytest.fixture(scope="session")
def weekend_run() -> Run:
    """Two hours of a Saturday: FX, metals and indices are closed, crypto trades."""
    return simulate(
        SimulatorOptions(
            seed=4,
            now=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
            backfill_days=2 / 24,
            duration=0,
            backfill_orders_per_day=100_000,
            accounts=200,
            realtime=False,
        )
    )
