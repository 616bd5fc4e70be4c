"""Liquidity provider profiles: how fast, how picky and how expensive each venue is.

The figures follow the typical numbers of the business: hold-time medians of 5-150 ms with
tails to seconds, reject rates of 1-15 %, and last look that is either symmetric (a fair LP
rejects whenever the price moved, whichever way) or asymmetric (an unfair LP rejects mostly the
orders that would have cost it money). Unfair LPs also see the market a little ahead (faster
data): their decision follows the mid over ``last_look_window`` seconds, which is what makes the
markouts of their rejects visibly better for the client than those of their fills.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from app.events import RejectReason

from .instruments import AssetClass

TIMEOUT_SECONDS = 3.0
"""The engine gives up on a venue after this long and records a ``timeout`` reject."""


@dataclass(frozen=True)
class LpProfile:
    """How one venue behaves. Rates are probabilities per attempt; costs are USD per million."""

    name: str
    asset_classes: frozenset[AssetClass]
    latency_median_ms: float
    latency_sigma: float
    tail_probability: float
    base_reject_rate: float
    reject_reasons: tuple[tuple[RejectReason, float], ...]
    last_look: str  # "none", "fair" or "unfair"
    last_look_reject_rate: float
    last_look_window: float  # seconds of price move the decision looks at, at least the hold
    adverse_slippage_rate: float
    improvement_passed_rate: float
    spread_factor: float
    quote_rate_factor: float
    commission_per_million: float
    pfof_per_million: float
    outages_per_day: float
    degradations_per_day: float
    quote_size: float

    def quotes(self, asset_class: AssetClass) -> bool:
        """Whether this venue streams prices for instruments of ``asset_class``."""
        return asset_class in self.asset_classes

    def hold_time(self, rng: random.Random, degraded: bool) -> float:
        """Seconds the venue holds an order: lognormal, with a Pareto tail on bad luck."""
        ms = self.latency_median_ms * math.exp(rng.gauss(0.0, self.latency_sigma))
        if rng.random() < self.tail_probability:
            ms *= 1.0 + 10.0 * rng.paretovariate(1.5)
        if degraded:
            ms *= 4.0
        return ms / 1000.0

    def other_reject_reason(self, rng: random.Random) -> RejectReason:
        """A reason for a reject that is not about the price moving."""
        reasons = [reason for reason, _ in self.reject_reasons]
        weights = [weight for _, weight in self.reject_reasons]
        return rng.choices(reasons, weights)[0]


_FX_METAL_INDEX: frozenset[AssetClass] = frozenset({"fx", "metal", "index", "commodity"})

LP_PROFILES: tuple[LpProfile, ...] = (
    LpProfile(
        name="LP_ALPHA",  # tier-1 bank: fair last look, reliable
        asset_classes=_FX_METAL_INDEX,
        latency_median_ms=25, latency_sigma=0.45, tail_probability=0.005,
        base_reject_rate=0.015,
        reject_reasons=(("no_liquidity", 3), ("credit_limit", 1), ("other", 1)),
        last_look="fair", last_look_reject_rate=0.04, last_look_window=0.0,
        adverse_slippage_rate=0.05, improvement_passed_rate=0.5,
        spread_factor=0.9, quote_rate_factor=1.0,
        commission_per_million=8.0, pfof_per_million=0.0,
        outages_per_day=0.05, degradations_per_day=0.2, quote_size=5_000_000,
    ),
    LpProfile(
        name="LP_BRAVO",  # non-bank market maker: fastest, tightest, unfair last look
        asset_classes=frozenset({"fx", "metal", "crypto"}),
        latency_median_ms=8, latency_sigma=0.35, tail_probability=0.002,
        base_reject_rate=0.01,
        reject_reasons=(("no_liquidity", 2), ("other", 1)),
        last_look="unfair", last_look_reject_rate=0.2, last_look_window=1.0,
        adverse_slippage_rate=0.10, improvement_passed_rate=0.0,
        spread_factor=0.7, quote_rate_factor=1.5,
        commission_per_million=4.0, pfof_per_million=2.0,
        outages_per_day=0.1, degradations_per_day=0.3, quote_size=2_000_000,
    ),
    LpProfile(
        name="LP_CHARLIE",  # regional bank: slow with a fat tail
        asset_classes=_FX_METAL_INDEX,
        latency_median_ms=120, latency_sigma=0.7, tail_probability=0.02,
        base_reject_rate=0.03,
        reject_reasons=(("no_liquidity", 2), ("credit_limit", 2), ("other", 1)),
        last_look="fair", last_look_reject_rate=0.06, last_look_window=0.0,
        adverse_slippage_rate=0.08, improvement_passed_rate=0.3,
        spread_factor=1.15, quote_rate_factor=0.6,
        commission_per_million=10.0, pfof_per_million=0.0,
        outages_per_day=0.3, degradations_per_day=0.5, quote_size=3_000_000,
    ),
    LpProfile(
        name="LP_DELTA",  # ECN: firm prices (no last look), passes improvement on
        asset_classes=frozenset({"fx", "metal", "index", "commodity", "equity_cfd"}),
        latency_median_ms=45, latency_sigma=0.4, tail_probability=0.005,
        base_reject_rate=0.02,
        reject_reasons=(("no_liquidity", 4), ("market_closed", 1)),
        last_look="none", last_look_reject_rate=0.0, last_look_window=0.0,
        adverse_slippage_rate=0.15, improvement_passed_rate=1.0,
        spread_factor=1.0, quote_rate_factor=1.0,
        commission_per_million=12.0, pfof_per_million=0.0,
        outages_per_day=0.05, degradations_per_day=0.1, quote_size=1_000_000,
    ),
    LpProfile(
        name="LP_ECHO",  # crypto and index specialist, often degraded
        asset_classes=frozenset({"crypto", "index", "equity_cfd"}),
        latency_median_ms=60, latency_sigma=0.6, tail_probability=0.02,
        base_reject_rate=0.035,
        reject_reasons=(("no_liquidity", 3), ("other", 1), ("credit_limit", 1)),
        last_look="fair", last_look_reject_rate=0.05, last_look_window=0.0,
        adverse_slippage_rate=0.2, improvement_passed_rate=0.2,
        spread_factor=1.1, quote_rate_factor=0.8,
        commission_per_million=20.0, pfof_per_million=5.0,
        outages_per_day=0.5, degradations_per_day=2.0, quote_size=500_000,
    ),
    LpProfile(
        name="LP_FOXTROT",  # cheap and pays for flow, but flaky and mildly unfair
        asset_classes=frozenset({"fx", "metal"}),
        latency_median_ms=15, latency_sigma=0.8, tail_probability=0.04,
        base_reject_rate=0.05,
        reject_reasons=(("no_liquidity", 2), ("other", 2), ("credit_limit", 1)),
        last_look="unfair", last_look_reject_rate=0.12, last_look_window=1.0,
        adverse_slippage_rate=0.12, improvement_passed_rate=0.1,
        spread_factor=0.95, quote_rate_factor=1.2,
        commission_per_million=3.0, pfof_per_million=6.0,
        outages_per_day=2.0, degradations_per_day=3.0, quote_size=1_000_000,
    ),
    LpProfile(
        name="LP_GOLF",  # CFD house for indices, oil and equities
        asset_classes=frozenset({"index", "commodity", "equity_cfd", "metal"}),
        latency_median_ms=35, latency_sigma=0.5, tail_probability=0.01,
        base_reject_rate=0.02,
        reject_reasons=(("no_liquidity", 2), ("market_closed", 1), ("other", 1)),
        last_look="fair", last_look_reject_rate=0.04, last_look_window=0.0,
        adverse_slippage_rate=0.1, improvement_passed_rate=0.4,
        spread_factor=1.05, quote_rate_factor=0.9,
        commission_per_million=9.0, pfof_per_million=1.0,
        outages_per_day=0.1, degradations_per_day=0.3, quote_size=200_000,
    ),
)  # fmt: skip

BY_NAME: dict[str, LpProfile] = {profile.name: profile for profile in LP_PROFILES}
