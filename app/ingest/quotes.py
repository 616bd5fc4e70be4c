"""Downsampling of LP quotes: the composite top of book per second and LP quote statistics.

Raw quotes are not stored (they are most of the traffic). A :class:`QuoteBook` is fed the
quotes of the symbols a consumer owns (quotes are keyed by symbol, so one consumer sees every
LP's quotes of a symbol, in order) and produces, per batch:

- ``quote_mid_1s`` rows: for each second, best bid and best ask over every LP whose latest
  quote is at most 5 s old at the end of the second, and their mid (METRICS.md's ``mid``).
  A second still open when the batch ends is emitted too and overwritten by the next batch
  (its quote count is added), so the stored value is the end-of-second state.
- ``lp_quote_stats_1m`` deltas: per LP, symbol and minute, the quote count, the spread
  weighted by the time each quote stood (until the LP's next quote, capped at the end of the
  quote's minute), min and max spread and the last quote time. All additive across batches.

The book's memory is the latest quote per LP and symbol; a consumer that is newly assigned a
partition starts with an empty book, so the first seconds after a rebalance may miss LPs that
have not quoted since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.events import Quote

STALE_AFTER_S = 5.0
"""An LP's quote counts in the composite for this long (METRICS.md)."""

UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


_LpQuote = tuple[float, float, float]
"""(time in epoch seconds, bid, ask) of an LP's latest quote; a tuple, as it is made per quote."""


@dataclass
class _SymbolState:
    second: int = -1
    count: int = 0
    carry: int = 0
    lps: dict[str, _LpQuote] = field(default_factory=dict)


@dataclass
class _LpMinute:
    quote_count: int = 0
    spread_tw_sum: float = 0.0
    spread_tw_seconds: float = 0.0
    spread_min: float = float("inf")
    spread_max: float = float("-inf")
    last_t: float = 0.0


MidRow = tuple[str, dt.datetime, float, float, float, int]
"""(symbol, ts of the second, best_bid, best_ask, mid, quote_count)"""

LpStatsRow = tuple[str, str, dt.datetime, int, float, float, float, float, dt.datetime]
"""(lp, symbol, minute, quote_count, spread_tw_sum, spread_tw_seconds, min, max, last ts)"""


def _at(seconds: float) -> dt.datetime:
    return _EPOCH + dt.timedelta(seconds=seconds)


class QuoteBook:
    """Latest quote per LP and symbol, turning quote streams into per-second composites."""

    def __init__(self) -> None:
        self._symbols: dict[str, _SymbolState] = {}
        self._mids: dict[tuple[str, int], MidRow] = {}
        self._lp_minutes: dict[tuple[str, str, int], _LpMinute] = {}

    def add(self, quotes: Iterable[Quote]) -> None:
        """Feed quotes in arrival order."""
        symbols, lp_minutes = self._symbols, self._lp_minutes
        for quote in quotes:
            t = quote.ts.timestamp()
            second = int(t)
            state = symbols.get(quote.symbol)
            if state is None:
                state = symbols[quote.symbol] = _SymbolState(second=second)
            elif second > state.second:
                self._close_second(quote.symbol, state)
                state.second, state.count = second, 0
            state.count += 1
            bid, ask = quote.bid, quote.ask
            previous = state.lps.get(quote.lp)
            if previous is None:
                state.lps[quote.lp] = (t, bid, ask)
            elif t >= previous[0]:
                self._weigh(quote.lp, quote.symbol, previous, t)
                state.lps[quote.lp] = (t, bid, ask)
            # else: a late quote older than the LP's latest one counts, but does not replace it
            key = (quote.lp, quote.symbol, second - second % 60)
            minute = lp_minutes.get(key)
            if minute is None:
                minute = lp_minutes[key] = _LpMinute()
            spread = ask - bid
            minute.quote_count += 1
            if spread < minute.spread_min:
                minute.spread_min = spread
            if spread > minute.spread_max:
                minute.spread_max = spread
            if t > minute.last_t:
                minute.last_t = t

    def _weigh(self, lp: str, symbol: str, previous: _LpQuote, now: float) -> None:
        since, bid, ask = previous
        start_minute = int(since) - int(since) % 60
        stood = min(now, start_minute + 60) - since
        if stood <= 0:
            return
        minute = self._lp_minutes.get((lp, symbol, start_minute))
        if minute is None:
            minute = self._lp_minutes[(lp, symbol, start_minute)] = _LpMinute()
        minute.spread_tw_sum += (ask - bid) * stood
        minute.spread_tw_seconds += stood

    def _close_second(self, symbol: str, state: _SymbolState) -> None:
        end = state.second + 1
        fresh_after = end - STALE_AFTER_S
        fresh = [q for q in state.lps.values() if q[0] > fresh_after]
        bids = [q[1] for q in fresh]
        asks = [q[2] for q in fresh]
        if not bids:  # every LP went stale: the count waits for the next quoted second
            state.carry += state.count
            return
        state.count += state.carry
        state.carry = 0
        best_bid, best_ask = max(bids), min(asks)
        row = (
            symbol,
            _at(state.second),
            best_bid,
            best_ask,
            (best_bid + best_ask) / 2,
            state.count,
        )
        key = (symbol, state.second)
        earlier = self._mids.get(key)
        if earlier is not None:  # the same second continued after an emitted open second
            row = (*row[:5], earlier[5] + state.count)
        self._mids[key] = row

    def drain(self) -> tuple[list[MidRow], list[LpStatsRow]]:
        """The rows to upsert for everything fed since the last drain (open seconds included)."""
        for symbol, state in self._symbols.items():
            if state.count:
                self._close_second(symbol, state)
                state.count = 0
        mids = list(self._mids.values())
        # A minute that only gained weight (its quote stood on) carries min = +inf, max = -inf
        # and its own start as last time: neutral under the upsert's least / greatest.
        stats = [
            (
                lp,
                symbol,
                _at(minute_start),
                m.quote_count,
                m.spread_tw_sum,
                m.spread_tw_seconds,
                m.spread_min,
                m.spread_max,
                _at(m.last_t if m.quote_count else minute_start),
            )
            for (lp, symbol, minute_start), m in self._lp_minutes.items()
        ]
        self._mids.clear()
        self._lp_minutes.clear()
        return mids, stats
