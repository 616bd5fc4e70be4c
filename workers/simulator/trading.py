"""The life of a client trade: opening order, attempts at venues, position, closing order.

Everything an order causes is computed when it arrives (the mid path is known ahead, so the
venue's price at the end of its hold time is too) and emitted with the right future
timestamps; the generator releases events in time order. Before every order and every
execution report, each LP quoting the symbol sends a fresh quote stamped at that instant, so the
``arrival_*`` and ``market_*`` prices are exactly the composite top of book of emitted quotes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from app.events import (
    INTERNAL_VENUE,
    Book,
    Event,
    ExecutionReport,
    ExecutionStatus,
    OrderRouted,
    OrderType,
    PositionClosed,
    RejectReason,
    Side,
)

from .clients import LEVERAGE_CAP, Account
from .factory import EventFactory, utc
from .instruments import Instrument
from .lps import BY_NAME, TIMEOUT_SECONDS, LpProfile
from .market import Market
from .routing import Decision, RuleVersion
from .status import LpStatusBoard

Emit = Callable[[float, Event], None]

ENGINE_DELAY = 0.0004  # seconds from the routing decision to the request leaving the engine
MARKOUT_HORIZONS = (1.0, 5.0, 30.0, 60.0)
RAW_COMMISSION_PER_MILLION = 25.0  # charged per side to professional-type accounts
RETAIL_MARKUP_PIPS = 0.3  # added to A-book fills of spread-only (retail) accounts


@dataclass
class Position:
    """An open client position and what it cost so far."""

    position_id: str
    account: Account
    instrument: Instrument
    side: Side
    qty: float
    open_t: float
    open_price: float
    book: Book
    lp: str | None
    rule: RuleVersion
    venue_open_price: float = 0.0
    open_commission_usd: float = 0.0
    open_pfof_usd: float = 0.0


@dataclass
class Fill:
    """The outcome of an order: the venue price, the quantity and the venue's costs."""

    t: float
    lp: str
    qty: float
    price: float
    commission_usd: float
    pfof_usd: float


class Dealer:
    """Turns client decisions into orders, execution reports and closed positions."""

    def __init__(
        self,
        market: Market,
        board: LpStatusBoard,
        factory: EventFactory,
        rng: random.Random,
        emit: Emit,
    ) -> None:
        self.market = market
        self.board = board
        self.factory = factory
        self.rng = rng
        self.emit = emit
        self.sparse_quotes = False  # set when background quotes are too rare for markouts

    def quoting_lps(self, instrument: Instrument) -> list[LpProfile]:
        """The LPs streaming this instrument right now (down ones are silent)."""
        return [
            profile
            for name, profile in BY_NAME.items()
            if profile.quotes(instrument.asset_class) and self.board.is_up(name)
        ]

    def refresh_book(self, instrument: Instrument, t: float) -> tuple[float, float]:
        """Emit a fresh quote of every quoting LP at ``t``; return the composite bid and ask."""
        best_bid, best_ask = 0.0, math.inf
        for profile in self.quoting_lps(instrument):
            quote = self.market.quote(profile, instrument, t, self.board.is_degraded(profile.name))
            self.emit(t, self.factory.quote(quote))
            best_bid = max(best_bid, quote.bid)
            best_ask = min(best_ask, quote.ask)
        if best_ask == math.inf:  # nobody quotes: fall back to the mid and the typical spread
            mid = self.market.mid(instrument.symbol, t)
            half = instrument.spread_pips * instrument.pip_size / 2
            best_bid = round(mid - half, instrument.digits)
            best_ask = round(mid + half, instrument.digits)
        return best_bid, best_ask

    def place(
        self, position: Position, decision: Decision, side: Side, t: float, closing: bool
    ) -> Fill | None:
        """Emit the order and its attempts; return the fill, or None if every venue refused."""
        instrument = position.instrument
        bid, ask = self.refresh_book(instrument, t)
        order_type, limit_price = self._order_type(instrument, side, bid, ask, closing)
        order_id = self.factory.next_id("O")
        self.emit(
            t,
            OrderRouted(
                **self.factory.envelope("order.routed", t),
                order_id=order_id,
                client_id=position.account.client_id,
                account_id=position.account.account_id,
                symbol=instrument.symbol,
                asset_class=instrument.asset_class,
                pip_size=instrument.pip_size,
                side=side,
                qty=position.qty,
                order_type=order_type,
                limit_price=limit_price,
                arrival_bid=bid,
                arrival_ask=ask,
                book=decision.book,
                lp=decision.lps[0] if decision.book == "A" else None,
                rule_id=decision.rule.rule_id,
                rule_version=decision.rule.version,
                client_segment=position.account.segment.label,
            ),
        )
        sent = t + ENGINE_DELAY * (0.5 + self.rng.random())
        if decision.book == "B":
            return self._internal_fill(order_id, position, side, sent, bid, ask)
        for lp in decision.lps:
            fill, sent = self._attempt(order_id, position, side, lp, sent, limit_price, closing)
            if fill is not None:
                return fill
        return None

    def _order_type(
        self, instrument: Instrument, side: Side, bid: float, ask: float, closing: bool
    ) -> tuple[OrderType, float | None]:
        draw = self.rng.random()
        if closing or draw < 0.85:
            return "market", None
        # Marketable limits with a slippage tolerance, and stops that have just triggered.
        price = ask if side == "buy" else bid
        if draw < 0.95:
            tolerance = (1 if side == "buy" else -1) * 0.5 * instrument.pip_size
            return "limit", round(price + tolerance, instrument.digits)
        return "stop", price

    def _internal_fill(
        self, order_id: str, position: Position, side: Side, sent: float, bid: float, ask: float
    ) -> Fill | None:
        done = sent + 0.0005 + 0.0025 * self.rng.random()
        market_bid, market_ask = self.refresh_book(position.instrument, done)
        requested = ask if side == "buy" else bid
        if self.rng.random() < 0.003:
            self._report(order_id, position, INTERNAL_VENUE, sent, done, requested, None, 0.0,
                         "rejected", "credit_limit", market_bid, market_ask, 0.0, 0.0)  # fmt: skip
            return None
        # The broker fills its own clients at the composite touch of the moment it executes.
        price = market_ask if side == "buy" else market_bid
        self._report(order_id, position, INTERNAL_VENUE, sent, done, requested, price,
                     position.qty, "filled", None, market_bid, market_ask, 0.0, 0.0)  # fmt: skip
        return Fill(done, INTERNAL_VENUE, position.qty, price, 0.0, 0.0)

    def _attempt(
        self,
        order_id: str,
        position: Position,
        side: Side,
        lp: str,
        sent: float,
        limit_price: float | None,
        closing: bool,
    ) -> tuple[Fill | None, float]:
        """One request to an LP; returns the fill (if any) and when the next request may leave."""
        profile = BY_NAME[lp]
        instrument = position.instrument
        degraded = self.board.is_degraded(lp)
        sign = 1 if side == "buy" else -1
        before = self.market.quote(profile, instrument, sent, degraded)
        requested = before.ask if side == "buy" else before.bid
        hold = profile.hold_time(self.rng, degraded)
        timed_out = hold > TIMEOUT_SECONDS
        done = sent + min(hold, TIMEOUT_SECONDS)
        after = self.market.quote(profile, instrument, done, degraded)
        now_price = after.ask if side == "buy" else after.bid
        # Last look judges the mid's move during the hold: > 0 means that filling at the
        # requested price now costs the LP money.
        mid_path = self.market.paths[instrument.symbol]
        judged_until = max(done, sent + profile.last_look_window)
        moved_against_lp = sign * (mid_path.at(judged_until) - mid_path.at(sent))
        market_bid, market_ask = self.refresh_book(instrument, done)
        reason = self._reject_reason(profile, moved_against_lp, degraded, timed_out)
        price = requested
        if reason is None:
            price = self._fill_price(profile, requested, now_price, moved_against_lp)
            if limit_price is not None and sign * (price - limit_price) > 0:
                reason = "price_moved"
        if reason is not None:
            self._report(order_id, position, lp, sent, done, requested, None, 0.0, "rejected",
                         reason, market_bid, market_ask, 0.0, 0.0)  # fmt: skip
            return None, done + ENGINE_DELAY
        qty = position.qty
        status: ExecutionStatus = "filled"
        if not closing and qty > 0.5 * before.ask_size and self.rng.random() < 0.5:
            qty = max(
                instrument.qty_step, _round_step(qty * self.rng.uniform(0.3, 0.9), instrument)
            )
            status = "partially_filled" if qty < position.qty else "filled"
        notional_usd = qty * price * self.market.usd_per_unit(instrument.quote_ccy, done)
        commission = round(notional_usd / 1e6 * profile.commission_per_million, 2)
        pfof = round(notional_usd / 1e6 * profile.pfof_per_million, 2)
        self._report(order_id, position, lp, sent, done, requested, price, qty, status, None,
                     market_bid, market_ask, commission, pfof)  # fmt: skip
        return Fill(done, lp, qty, price, commission, pfof), done

    def _reject_reason(
        self, profile: LpProfile, moved: float, degraded: bool, timed_out: bool
    ) -> RejectReason | None:
        rng = self.rng
        if timed_out:
            return "timeout"
        # A fair LP rejects on any move, whichever way; an unfair one only when it would lose.
        if profile.last_look == "fair" or (profile.last_look == "unfair" and moved > 0):
            if moved != 0 and rng.random() < profile.last_look_reject_rate:
                return "last_look" if rng.random() < 0.6 else "price_moved"
        if rng.random() < profile.base_reject_rate * (3.0 if degraded else 1.0):
            return profile.other_reject_reason(rng)
        return None

    def _fill_price(
        self, profile: LpProfile, requested: float, now_price: float, moved: float
    ) -> float:
        if moved > 0 and self.rng.random() < profile.adverse_slippage_rate:
            return now_price  # the client gets the worse, current price
        if moved < 0 and self.rng.random() < profile.improvement_passed_rate:
            return now_price  # the LP passes the price improvement on
        return requested

    def _report(
        self,
        order_id: str,
        position: Position,
        lp: str,
        sent: float,
        done: float,
        requested_price: float,
        fill_price: float | None,
        fill_qty: float,
        status: ExecutionStatus,
        reason: RejectReason | None,
        market_bid: float,
        market_ask: float,
        commission: float,
        pfof: float,
    ) -> None:
        self.emit(
            done,
            ExecutionReport(
                **self.factory.envelope("execution.report", done),
                exec_id=self.factory.next_id("X"),
                order_id=order_id,
                lp=lp,
                status=status,
                requested_qty=position.qty,
                fill_qty=fill_qty,
                requested_price=requested_price,
                fill_price=fill_price,
                sent_ts=utc(sent),
                market_bid=market_bid,
                market_ask=market_ask,
                reject_reason=reason,
                commission=commission,
                pfof=pfof,
                currency="USD",
            ),
        )
        if self.sparse_quotes:
            # Background quotes are thinned out in backfill: refresh the book at the markout
            # horizons of every attempt, so markouts of fills and of rejects can be computed.
            for horizon in MARKOUT_HORIZONS:
                self.refresh_book(position.instrument, done + horizon)

    def client_price(self, position: Position, fill: Fill, side: Side) -> float:
        """The client's price: the venue's, plus the broker's markup on retail A-book fills."""
        if position.book == "B" or position.account.segment.label != "retail":
            return fill.price
        markup = RETAIL_MARKUP_PIPS * position.instrument.pip_size
        return round(
            fill.price + (markup if side == "buy" else -markup), position.instrument.digits
        )

    def closed_event(self, position: Position, fill: Fill, close_price: float) -> PositionClosed:
        """The ``position.closed`` event with client and broker P/L in the account currency."""
        account, instrument = position.account, position.instrument
        t = fill.t
        sign = 1 if position.side == "buy" else -1
        to_account = self.market.usd_per_unit(instrument.quote_ccy, t) / self.market.usd_per_unit(
            account.currency, t
        )
        usd_to_account = 1.0 / self.market.usd_per_unit(account.currency, t)
        price_pnl = sign * (close_price - position.open_price) * position.qty * to_account
        notional = position.qty * (position.open_price + close_price) * to_account
        commission = 0.0
        if account.segment.label != "retail":
            commission = notional / 1e6 * RAW_COMMISSION_PER_MILLION
        client_pnl = price_pnl - commission
        if position.book == "B":
            broker_pnl = -client_pnl
        else:
            # The broker's hedge at the LP mirrors the client's trade at venue prices; what is
            # left is the markup, the client's commission, PFOF less the venue's commissions.
            hedge_pnl = sign * (fill.price - position.venue_open_price) * position.qty * to_account
            venue_net_usd = (
                position.open_pfof_usd
                + fill.pfof_usd
                - position.open_commission_usd
                - fill.commission_usd
            )
            broker_pnl = hedge_pnl - price_pnl + commission + venue_net_usd * usd_to_account
        return PositionClosed(
            **self.factory.envelope("position.closed", t),
            position_id=position.position_id,
            account_id=account.account_id,
            client_id=account.client_id,
            symbol=instrument.symbol,
            side=position.side,
            qty=position.qty,
            open_ts=utc(position.open_t),
            open_price=position.open_price,
            close_price=close_price,
            book=position.book,
            lp=position.lp,
            rule_id=position.rule.rule_id,
            rule_version=position.rule.version,
            client_pnl=round(client_pnl, 2),
            broker_pnl=round(broker_pnl, 2),
            currency=account.currency,
        )

    def margin(self, position: Position, t: float) -> tuple[float, float]:
        """(unrealised P/L, margin used) of a position in its account's currency."""
        instrument = position.instrument
        mid = self.market.mid(instrument.symbol, t)
        to_account = self.market.usd_per_unit(instrument.quote_ccy, t) / self.market.usd_per_unit(
            position.account.currency, t
        )
        sign = 1 if position.side == "buy" else -1
        leverage = position.account.segment.leverage * LEVERAGE_CAP[instrument.asset_class]
        unrealised = sign * (mid - position.open_price) * position.qty * to_account
        return unrealised, position.qty * mid * to_account / max(leverage, 1.0)


def _round_step(qty: float, instrument: Instrument) -> float:
    steps = math.floor(qty / instrument.qty_step)
    return round(steps * instrument.qty_step, 6)
