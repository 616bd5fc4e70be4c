"""The simulator behaves like the business it stands in for, measured on its own events."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from app.events import INTERNAL_VENUE, ExecutionReport
from workers.simulator.instruments import BY_SYMBOL
from workers.simulator.lps import BY_NAME
from workers.simulator.status import HEARTBEAT_SECONDS

pytestmark = pytest.mark.unit


def _sign(side: str) -> int:
    return 1 if side == "buy" else -1


def _markout_pips(run, execution: ExecutionReport, horizon: float) -> float | None:
    """Client-view markout of a fill (METRICS.md), from the emitted quotes."""
    order = run.orders[execution.order_id]
    mid = run.mid(order.symbol, execution.ts.timestamp() + horizon)
    if mid is None or execution.fill_price is None:
        return None
    return _sign(order.side) * (mid - execution.fill_price) / order.pip_size


def test_b_book_share_is_in_the_configured_range(busy_run) -> None:
    books = Counter(order.book for order in busy_run.orders.values())
    share = books["B"] / sum(books.values())
    assert 0.55 <= share <= 0.85


def test_eurusd_spread_at_every_lp_is_between_a_tenth_and_one_pip(busy_run) -> None:
    spreads = np.array([(q.ask - q.bid) / 0.0001 for q in busy_run.quotes if q.symbol == "EURUSD"])
    assert len(spreads) > 1_000
    assert spreads.min() >= 0.1 - 1e-6
    assert spreads.max() <= 1.0 + 1e-6


def test_toxic_clients_fills_show_positive_markouts(busy_run) -> None:
    toxic = {account.client_id for account in busy_run.simulation.accounts if account.toxic}
    markouts: dict[bool, list[float]] = defaultdict(list)
    for execution in busy_run.executions:
        order = busy_run.orders[execution.order_id]
        if execution.fill_qty == 0 or order.asset_class != "fx":
            continue
        markout = _markout_pips(busy_run, execution, 30.0)
        if markout is not None:
            markouts[order.client_id in toxic].append(markout)
    assert len(markouts[True]) > 500
    assert np.mean(markouts[True]) > 0.1  # a fraction of a pip in the client's favour
    assert np.mean(markouts[False]) < 0


def test_unfair_last_look_rejects_the_orders_that_would_have_cost_the_lp(busy_run) -> None:
    """Rejects of unfair LPs would have won for the client (their markouts beat those of the
    fills); the rejects of fair LPs look like their fills."""

    def reject_minus_fill_markout(kind: str) -> float:
        rejected, filled = [], []
        for execution in busy_run.executions:
            order = busy_run.orders[execution.order_id]
            profile = BY_NAME.get(execution.lp)
            if profile is None or profile.last_look != kind or order.asset_class != "fx":
                continue
            mid_before = busy_run.mid(order.symbol, execution.sent_ts.timestamp())
            mid_after = busy_run.mid(order.symbol, execution.ts.timestamp() + 1.0)
            if mid_before is None or mid_after is None:
                continue
            move = _sign(order.side) * (mid_after - mid_before) / order.pip_size
            if execution.reject_reason in ("last_look", "price_moved"):
                rejected.append(move)
            elif execution.fill_qty > 0:
                filled.append(move)
        assert len(rejected) > 50, kind
        return float(np.mean(rejected) - np.mean(filled))

    unfair, fair = reject_minus_fill_markout("unfair"), reject_minus_fill_markout("fair")
    assert unfair > 0.08
    assert unfair > fair + 0.05


def test_latency_and_reject_rates_per_lp_are_realistic(busy_run) -> None:
    latency = defaultdict(list)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    for execution in busy_run.executions:
        latency[execution.lp].append((execution.ts - execution.sent_ts).total_seconds() * 1000)
        statuses[execution.lp][execution.status] += 1
    for lp, values in latency.items():
        if lp == INTERNAL_VENUE:
            assert np.median(values) < 5
            continue
        assert 5 <= np.median(values) <= 150, lp
        reject_rate = statuses[lp]["rejected"] / sum(statuses[lp].values())
        assert 0.01 <= reject_rate <= 0.2, (lp, reject_rate)
    assert max(np.percentile(values, 99) for values in latency.values()) > 500  # a fat tail


def test_arrival_and_market_prices_are_the_composite_of_emitted_quotes(busy_run) -> None:
    quotes_at = defaultdict(list)
    for quote in busy_run.quotes:
        quotes_at[(quote.symbol, quote.ts)].append(quote)
    for order in list(busy_run.orders.values())[:2_000]:
        book = quotes_at[(order.symbol, order.ts)]
        assert book, order.order_id
        assert order.arrival_bid == max(q.bid for q in book)
        assert order.arrival_ask == min(q.ask for q in book)
    for execution in busy_run.executions[:2_000]:
        book = quotes_at[(busy_run.orders[execution.order_id].symbol, execution.ts)]
        assert execution.market_bid == max(q.bid for q in book)
        assert execution.market_ask == min(q.ask for q in book)


def test_b_book_fills_are_at_the_touch_and_only_a_book_orders_reroute(busy_run) -> None:
    attempts = Counter(execution.order_id for execution in busy_run.executions)
    for execution in busy_run.executions:
        if execution.lp == INTERNAL_VENUE and execution.fill_price is not None:
            side = busy_run.orders[execution.order_id].side
            touch = execution.market_ask if side == "buy" else execution.market_bid
            assert execution.fill_price == touch
    rerouted = [order_id for order_id, count in attempts.items() if count > 1]
    assert rerouted and all(busy_run.orders[o].book == "A" for o in rerouted)


def test_closed_positions_carry_consistent_profit_and_loss(busy_run) -> None:
    assert len(busy_run.positions) > 1_000
    b_book = np.array([p.broker_pnl for p in busy_run.positions if p.book == "B"])
    for position in busy_run.positions:
        if position.book == "B":
            assert position.broker_pnl == pytest.approx(-position.client_pnl, abs=0.011)
        assert position.open_ts <= position.ts
        price_move = _sign(position.side) * (position.close_price - position.open_price)
        if position.client_pnl != 0 and price_move != 0 and position.lp is None:
            assert (
                np.sign(price_move) == np.sign(position.client_pnl)
                or abs(position.client_pnl)
                < 0.05 * position.qty * BY_SYMBOL[position.symbol].pip_size * 10
            )
    profit_factor = b_book[b_book > 0].sum() / -b_book[b_book < 0].sum()
    assert profit_factor > 1.0  # the B-book earns what retail clients lose
    by_client: dict[str, float] = defaultdict(float)
    for position in busy_run.positions:
        by_client[position.client_id] += position.client_pnl
    losing = np.mean([pnl < 0 for pnl in by_client.values()])
    assert 0.5 <= losing <= 0.85


def test_some_accounts_approach_a_margin_call(busy_run) -> None:
    levels = np.array([a.margin_level for a in busy_run.accounts if a.margin_level is not None])
    assert (levels < 150).any()
    assert all(a.margin_level is None for a in busy_run.accounts if a.margin_used == 0)


def test_lp_status_heartbeats_are_at_most_ten_seconds_apart(busy_run) -> None:
    times = defaultdict(list)
    for status in busy_run.statuses:
        times[status.lp].append(status.ts.timestamp())
    assert set(times) == set(BY_NAME)
    for lp, values in times.items():
        assert np.diff(values).max() <= HEARTBEAT_SECONDS + 1e-6, lp


def test_lp_incidents_are_announced(busy_run) -> None:
    board = busy_run.simulation.board
    changes = [s for s in busy_run.statuses if s.detail is not None]
    # Whatever happened is announced, and the board ends in the last announced state.
    last = {s.lp: s.status for s in sorted(changes, key=lambda s: s.ts)}
    for lp, status in last.items():
        assert board.state[lp] == status or board.state[lp] == "up"


def test_rule_versions_are_published_then_used(busy_run) -> None:
    published = {(r.rule_id, r.rule_version): r.effective_from for r in busy_run.rules}
    assert ("R-TOXIC-WATCH", 2) in published and ("R-LARGE-A", 2) in published
    for order in busy_run.orders.values():
        assert (order.rule_id, order.rule_version) in published
        assert published[(order.rule_id, order.rule_version)] <= order.ts
    used = Counter((o.rule_id, o.rule_version) for o in busy_run.orders.values())
    assert used[("R-TOXIC-WATCH", 2)] > 0 and used[("R-RETAIL-B", 1)] > 0


def test_weekends_trade_only_crypto(weekend_run) -> None:
    assert weekend_run.quotes and weekend_run.orders
    assert {q.symbol for q in weekend_run.quotes} <= {"BTCUSD", "ETHUSD"}
    assert {o.asset_class for o in weekend_run.orders.values()} == {"crypto"}
