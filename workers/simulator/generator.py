"""The simulated trading engine: a pure, seeded generator of contract events in time order.

The simulation advances one simulated second at a time. Each step applies LP incidents and
heartbeats, publishes rule versions that take effect, lets clients open positions (a Poisson
process following the intraday activity curve), runs the scheduled closes and margin checks,
and adds the LPs' background quotes. Events are released once every event before them is known,
so the output is ordered by ``ts``. Nothing here touches Kafka or the wall clock.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import numpy as np

from app.events import Event, Side

from .clients import LEVERAGE_CAP, Account, make_accounts
from .factory import EventFactory
from .hours import activity, is_open
from .instruments import INSTRUMENTS, Instrument
from .lps import LP_PROFILES, LpProfile
from .market import Market
from .options import SimulatorOptions
from .routing import Decision, Router, initial_rules, second_versions
from .status import HEARTBEAT_SECONDS, LpStatusBoard
from .trading import Dealer, Fill, Position

_HOURS = ("fx", "index", "equity_us", "crypto")
_EVENTS_PER_OPENING = 30.0  # orders, reports, refresh quotes, snapshots of one round trip
_SNAPSHOT_EVERY = 300.0
_STOP_OUT_LEVEL = 50.0
_MAX_OPEN_POSITIONS = 5
_TAIL_SECONDS = 10.0
_LIVE_STEP = 1.0
_BACKFILL_STEP = 10.0  # events this long after the end (late execution reports) still go out


def timeline(options: SimulatorOptions, wall_now: float) -> tuple[float, float, float]:
    """(start, live_from, end) of a run in epoch seconds."""
    now = options.now.astimezone(UTC).timestamp() if options.now is not None else wall_now
    start = now - options.backfill_days * 86_400.0
    end = math.inf if options.duration is None else now + options.duration
    return start, now, end


class Simulation:
    """All the state of one run; iterate :meth:`events` to drive it."""

    def __init__(self, options: SimulatorOptions, start: float, live_from: float, end: float):
        self.options = options
        self.start, self.live_from, self.end = start, live_from, end
        seed = options.seed
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.market = Market(INSTRUMENTS, seed, start)
        self.board = LpStatusBoard(LP_PROFILES, seed, start)
        self.factory = EventFactory(seed, start)
        self.router = Router(random.Random(seed + 11))
        self.accounts = make_accounts(options.accounts, random.Random(seed + 5))
        self.dealer = Dealer(self.market, self.board, self.factory, self.rng, self._emit)
        self._account_weights = list(
            itertools.accumulate(account.segment.activity for account in self.accounts)
        )
        self._out: list[tuple[float, int, Event]] = []
        self._actions: list[tuple[float, int, Callable[[float], None]]] = []
        self._seq = itertools.count()
        self._next_heartbeat = {profile.name: start for profile in LP_PROFILES}
        span = (end - start) if math.isfinite(end) else 3_600.0
        self._rule_updates = [(start + 0.4 * span, second_versions(self.accounts, self.rng))]
        self._streams: list[tuple[LpProfile, Instrument, int]] = []
        self._stream_key: tuple[object, ...] = ()
        self._rates_key: tuple[object, ...] = ()
        self._rates = np.zeros(0)

    # -- plumbing --------------------------------------------------------------------------

    def _emit(self, t: float, event: Event) -> None:
        heapq.heappush(self._out, (t, next(self._seq), event))

    def _schedule(self, t: float, action: Callable[[float], None]) -> None:
        heapq.heappush(self._actions, (t, next(self._seq), action))

    def events(self) -> Iterator[tuple[float, Event]]:
        """Every event of the run as ``(epoch seconds, event)``, in time order."""
        for rule in initial_rules():
            self._emit(self.start, self.factory.rule(rule, self.start))
        for account in self.accounts:
            self._snapshot(account, self.start)
        second = float(math.floor(self.start))
        while second < self.end:
            # History needs no fine pacing: coarser steps make a week of backfill cheaper.
            length = _LIVE_STEP if second >= self.live_from else _BACKFILL_STEP
            step_end = min(second + length, self.end, max(self.live_from, second + _LIVE_STEP))
            self._step(second, step_end)
            yield from self._release(step_end)
            second = step_end
        yield from self._release(self.end + _TAIL_SECONDS)

    def _release(self, before: float) -> Iterator[tuple[float, Event]]:
        out = self._out
        while out and out[0][0] < before:
            t, _, event = heapq.heappop(out)
            yield t, event

    # -- one simulated second ------------------------------------------------------------------

    def _step(self, second: float, step_end: float) -> None:
        """Simulate ``[second, step_end)``."""
        self._lp_status(step_end)
        while self._rule_updates and self._rule_updates[0][0] < step_end:
            t, rules = self._rule_updates.pop(0)
            for rule in rules:
                self.router.publish(rule)
                self._emit(t, self.factory.rule(rule, t))
        live = second >= self.live_from
        length = step_end - second
        openings = self._opening_rate(second, live)
        for offset in sorted(self.np_rng.random(self.np_rng.poisson(openings * length)).tolist()):
            self._schedule(second + offset * length, self._open)
        if second // 60 != step_end // 60:
            self._schedule(second, self._margin_round)
        actions = self._actions
        while actions and actions[0][0] < step_end:
            t, _, action = heapq.heappop(actions)
            action(t)
        self._background_quotes(second, step_end, live, openings)

    def _lp_status(self, step_end: float) -> None:
        for change in self.board.advance(step_end):
            self._emit(change.t, self.factory.lp_status(change.lp, change.t, change.status,
                                                        change.detail))  # fmt: skip
            self._next_heartbeat[change.lp] = change.t + HEARTBEAT_SECONDS
        for lp, due in self._next_heartbeat.items():
            while due < step_end:
                self._emit(due, self.factory.lp_status(lp, due, self.board.state[lp], None))
                due += HEARTBEAT_SECONDS
            self._next_heartbeat[lp] = due

    def _opening_rate(self, second: float, live: bool) -> float:
        """Expected openings per second, by mode, time of day and which markets are open."""
        if live:
            peak = min(max(self.options.rate / 500.0, 0.02), 5.0)
        else:
            peak = self.options.backfill_orders_per_day / 2.0 / (86_400.0 * 0.6)
        open_share = sum(i.popularity for i in INSTRUMENTS if is_open(i.hours, second))
        open_share /= sum(i.popularity for i in INSTRUMENTS)
        return peak * activity(second) * open_share

    def _background_quotes(
        self, second: float, step_end: float, live: bool, openings: float
    ) -> None:
        streams = self._open_streams(second)
        if not streams:
            return
        if live:
            target = max(
                self.options.rate - openings * _EVENTS_PER_OPENING, 0.1 * self.options.rate
            )
            per_stream = target * (step_end - second) / len(streams)
            self.dealer.sparse_quotes = per_stream < 0.5
        else:
            per_stream = (step_end - second) / self.options.backfill_quote_interval
            self.dealer.sparse_quotes = True
        levels = {hours: activity(second, hours) for hours in _HOURS}  # type: ignore[arg-type]
        lams = self._stream_rates(streams, levels, per_stream, live)
        counts = self.np_rng.poisson(lams)
        for index in np.flatnonzero(counts).tolist():
            profile, instrument, _ = streams[index]
            degraded = self.board.is_degraded(profile.name)
            level = levels[instrument.hours]
            for offset in self.np_rng.random(counts[index]).tolist():
                t = second + offset * (step_end - second)
                quote = self.market.quote(profile, instrument, t, degraded, level)
                self._emit(t, self.factory.quote(quote))

    def _stream_rates(
        self,
        streams: list[tuple[LpProfile, Instrument, int]],
        levels: dict[str, float],
        per_stream: float,
        live: bool,
    ) -> np.ndarray:
        """Expected quotes of each stream in this step (cached while nothing changes)."""
        key = (self._stream_key, tuple(levels.values()), per_stream, live)
        if key != self._rates_key:
            self._rates_key = key
            self._rates = np.array(
                [
                    per_stream * profile.quote_rate_factor * (1.0 if live else levels[i.hours])
                    for profile, i, _ in streams
                ]
            )
        return self._rates

    def _open_streams(self, second: float) -> list[tuple[LpProfile, Instrument, int]]:
        """(LP, instrument) pairs quoting now; rebuilt only when a market or an LP changes."""
        key = tuple(is_open(h, second) for h in _HOURS) + tuple(self.board.state.values())  # type: ignore[arg-type]
        if key != self._stream_key:
            self._stream_key = key
            self._streams = [
                (profile, instrument, number)
                for number, (profile, instrument) in enumerate(
                    itertools.product(LP_PROFILES, INSTRUMENTS)
                )
                if profile.quotes(instrument.asset_class)
                and self.board.is_up(profile.name)
                and is_open(instrument.hours, second)
            ]
        return self._streams

    # -- clients -------------------------------------------------------------------------------

    def _open(self, t: float) -> None:
        rng = self.rng
        account = rng.choices(self.accounts, cum_weights=self._account_weights)[0]
        instruments = [i for i in INSTRUMENTS if is_open(i.hours, t)]
        if not instruments or len(account.open_positions) >= _MAX_OPEN_POSITIONS:
            return
        instrument = rng.choices(instruments, [i.popularity for i in instruments])[0]
        equity, margin_used = self._valuation(account, t)
        if equity < 0.1 * account.segment.median_balance and not account.open_positions:
            account.balance += account.segment.median_balance  # a deposit
            equity = account.balance
            self._snapshot(account, t)
        qty = self._size(account, instrument, t, equity - margin_used)
        if qty <= 0:
            return
        side = self._direction(account, instrument, t)
        if side is None:
            return
        usd = self.market.usd_per_unit(instrument.quote_ccy, t)
        notional_usd = qty * self.market.mid(instrument.symbol, t) * usd
        lps_up = [lp.name for lp in self.dealer.quoting_lps(instrument)]
        decision = self.router.route(account, instrument, notional_usd, lps_up)
        position = Position(self.factory.next_id("P"), account, instrument, side, qty, t, 0.0,
                            decision.book, None, decision.rule)  # fmt: skip
        fill = self.dealer.place(position, decision, side, t, closing=False)
        if fill is not None:
            self._opened(position, fill)

    def _opened(self, position: Position, fill: Fill) -> None:
        position.qty = fill.qty
        position.open_t = fill.t
        position.open_price = self.dealer.client_price(position, fill, position.side)
        position.venue_open_price = fill.price
        position.open_commission_usd = fill.commission_usd
        position.open_pfof_usd = fill.pfof_usd
        position.lp = fill.lp if position.book == "A" else None
        account = position.account
        account.open_positions[position.position_id] = position
        self._snapshot(account, fill.t)
        hold = account.segment.median_hold_seconds * self.rng.lognormvariate(0.0, 1.0)
        self._schedule(fill.t + min(hold, 3 * 86_400.0), lambda t: self._close(position, t))

    def _size(self, account: Account, instrument: Instrument, t: float, free: float) -> float:
        segment = account.segment
        mid = self.market.mid(instrument.symbol, t)
        to_account = self.market.usd_per_unit(instrument.quote_ccy, t) / self.market.usd_per_unit(
            account.currency, t
        )
        leverage = max(segment.leverage * LEVERAGE_CAP[instrument.asset_class], 1.0)
        margin_per_unit = mid * to_account / leverage
        if segment.margin_usage > 0:
            units = segment.margin_usage * free * self.rng.uniform(0.6, 1.4) / margin_per_unit
        else:
            lots = min(max(segment.median_lots * self.rng.lognormvariate(0.0, 0.8), 0.01), 10.0)
            units = lots * instrument.lot_units
        units = min(units, 0.95 * free / margin_per_unit, 10.0 * instrument.lot_units)
        return round(math.floor(units / instrument.qty_step) * instrument.qty_step, 6)

    def _direction(self, account: Account, instrument: Instrument, t: float) -> Side | None:
        """Buy or sell. Clients with foresight side with the mid's next 30 seconds, and only
        trade when it will move by more than twice the typical spread (None: no trade)."""
        move = self.market.mid(instrument.symbol, t + 30.0) - self.market.mid(instrument.symbol, t)
        foresight = account.segment.foresight
        if foresight > 0.6 and abs(move) < 2 * instrument.spread_pips * instrument.pip_size:
            return None
        up = move > 0 if move != 0 else self.rng.random() < 0.5
        right = self.rng.random() < foresight
        return "buy" if up == right else "sell"

    def _closer(self, position: Position) -> Callable[[float], None]:
        return lambda t: self._close(position, t)

    def _close(self, position: Position, t: float) -> None:
        account, instrument = position.account, position.instrument
        if position.position_id not in account.open_positions:
            return  # already closed (stop-out)
        if not is_open(instrument.hours, t):
            self._schedule(t + 900.0, lambda later: self._close(position, later))
            return
        lps: tuple[str, ...] = ()
        if position.book == "A":
            up = [lp.name for lp in self.dealer.quoting_lps(instrument)]
            lps = self.router.lp_sequence(position.rule, up)
            if not lps:
                self._schedule(t + 30.0, lambda later: self._close(position, later))
                return
        side: Side = "sell" if position.side == "buy" else "buy"
        decision = Decision(position.rule, position.book, lps)
        fill = self.dealer.place(position, decision, side, t, closing=True)
        if fill is None:
            self._schedule(t + 5.0, lambda later: self._close(position, later))
            return
        del account.open_positions[position.position_id]
        close_price = self.dealer.client_price(position, fill, side)
        closed = self.dealer.closed_event(position, fill, close_price)
        self._emit(fill.t, closed)
        account.balance += closed.client_pnl
        self._snapshot(account, fill.t)

    # -- accounts ------------------------------------------------------------------------------

    def _valuation(self, account: Account, t: float) -> tuple[float, float]:
        """(equity, margin used) of an account at ``t`` in its currency."""
        equity, margin_used = account.balance, 0.0
        for position in account.open_positions.values():
            unrealised, margin = self.dealer.margin(position, t)
            equity += unrealised
            margin_used += margin
        return equity, margin_used

    def _snapshot(self, account: Account, t: float) -> None:
        equity, margin_used = self._valuation(account, t)
        account.last_snapshot = t
        self._emit(t, self.factory.account(t, account.account_id, account.client_id,
                                           account.balance, equity, margin_used,
                                           account.currency))  # fmt: skip

    def _margin_round(self, t: float) -> None:
        """Periodic snapshots of accounts with positions, and stop-outs below 50 % margin."""
        for account in self.accounts:
            if not account.open_positions or t - account.last_snapshot < _SNAPSHOT_EVERY:
                continue
            self._snapshot(account, t)
            equity, margin_used = self._valuation(account, t)
            if margin_used > 0 and equity / margin_used * 100.0 < _STOP_OUT_LEVEL:
                for position in list(account.open_positions.values()):
                    self._schedule(t + 0.001, self._closer(position))


def generate_events(
    options: SimulatorOptions, wall_now: float | None = None
) -> Iterator[tuple[float, Event]]:
    """The events of a run, in time order, as ``(epoch seconds, event)``.

    ``wall_now`` is the present when ``options.now`` is not set (default: the clock, read once).
    """
    if wall_now is None:
        wall_now = datetime.now(UTC).timestamp()
    start, live_from, end = timeline(options, wall_now)
    return Simulation(options, start, live_from, end).events()
