"""Prices: one random-walk mid per symbol, and each LP's quotes around it.

The mid has a knot every simulated second (a lognormal random walk drawn in hourly blocks from
the symbol's own generator, so it does not depend on who asks first) and is linear in between.
Each LP quotes the mid plus a small skew, with its own spread that widens at quiet hours. All
quotes taken at the same instant never cross, so the composite top of book the engine stamps on
orders and execution reports is exactly the best bid and ask of the quotes it emits then.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from .hours import activity
from .instruments import USD_CONVERSION, Instrument
from .lps import LpProfile

_BLOCK = 3600
_SECONDS_PER_YEAR = 365.0 * 86_400.0
_SKEW_SHARE = 0.25  # max LP skew as a share of the narrowest allowed half spread
_SIZE_STEPS = (0.5, 1.0, 1.0, 2.0)  # quoted size as a multiple of the LP's usual size


class MidPath:
    """The mid of one symbol over simulated time."""

    def __init__(self, instrument: Instrument, seed: int, origin: float) -> None:
        self._rng = np.random.default_rng(seed)
        self._sigma = instrument.annual_vol / math.sqrt(_SECONDS_PER_YEAR)
        self._origin = math.floor(origin)
        self._blocks: dict[int, list[float]] = {}
        self._next_block = 0
        self._last = instrument.price

    def at(self, t: float) -> float:
        """The mid at ``t`` (seconds since the epoch); at most a few hours back may be asked."""
        offset = t - self._origin
        index = int(offset // _BLOCK)
        block = self._blocks.get(index)
        if block is None:
            block = self._extend_to(index)
        within = offset - index * _BLOCK
        knot = int(within)
        left = block[knot]
        return left + (block[knot + 1] - left) * (within - knot)

    def _extend_to(self, index: int) -> list[float]:
        if index < self._next_block:
            raise ValueError("the mid path no longer holds that time")
        while self._next_block <= index:
            steps = self._rng.standard_normal(_BLOCK) * self._sigma
            knots = self._last * np.exp(np.concatenate(([0.0], np.cumsum(steps))))
            self._blocks[self._next_block] = knots.tolist()
            self._last = float(knots[-1])
            self._blocks.pop(self._next_block - 4, None)
            self._next_block += 1
        return self._blocks[index]


@dataclass(frozen=True)
class LpQuote:
    """One LP's price for one symbol at one instant."""

    lp: str
    symbol: str
    t: float
    bid: float
    ask: float
    bid_size: float
    ask_size: float


class Market:
    """Mids of every symbol and the quotes LPs stream around them."""

    def __init__(self, instruments: tuple[Instrument, ...], seed: int, origin: float) -> None:
        self.instruments = {instrument.symbol: instrument for instrument in instruments}
        self.paths = {
            instrument.symbol: MidPath(instrument, seed * 1_000 + number, origin)
            for number, instrument in enumerate(instruments)
        }
        self._rng = random.Random(seed * 7_919 + 1)

    def mid(self, symbol: str, t: float) -> float:
        """The true mid of ``symbol`` at ``t``."""
        return self.paths[symbol].at(t)

    def quote(
        self,
        lp: LpProfile,
        instrument: Instrument,
        t: float,
        degraded: bool,
        level: float | None = None,
    ) -> LpQuote:
        """A fresh quote of ``lp`` for ``instrument`` at ``t``; ``level`` is the activity at
        ``t`` when the caller already knows it."""
        rng = self._rng
        pip = instrument.pip_size
        if level is None:
            level = activity(t, instrument.hours)
        quiet = 1.8 - 0.8 * level
        spread = instrument.spread_pips * lp.spread_factor * quiet * math.exp(0.15 * rng.gauss())
        if degraded:
            spread *= 2.0
        spread = min(max(spread, instrument.min_spread_pips), instrument.max_spread_pips)
        half = spread * pip / 2.0
        skew_limit = _SKEW_SHARE * instrument.min_spread_pips * pip / 2.0
        skew = max(-skew_limit, min(skew_limit, rng.gauss() * skew_limit / 2.0))
        mid = self.paths[instrument.symbol].at(t) + skew
        digits = instrument.digits
        scale = 10.0**digits
        lots = lp.quote_size / 100_000.0 * instrument.lot_units
        draw = rng.random()
        return LpQuote(
            lp=lp.name,
            symbol=instrument.symbol,
            t=t,
            bid=round(math.floor((mid - half) * scale) / scale, digits),
            ask=round(math.ceil((mid + half) * scale) / scale, digits),
            bid_size=lots * _SIZE_STEPS[int(draw * 4.0)],
            ask_size=lots * _SIZE_STEPS[int(draw * 16.0) % 4],
        )

    def usd_per_unit(self, currency: str, t: float) -> float:
        """USD value of one unit of ``currency`` at ``t`` (from the conversion pair's mid)."""
        if currency == "USD":
            return 1.0
        pair, inverted = USD_CONVERSION[currency]
        mid = self.paths[pair].at(t)
        return 1.0 / mid if inverted else mid
