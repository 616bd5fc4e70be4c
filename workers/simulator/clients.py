"""The broker's clients: segments with different sizes, balances, leverage and skill.

The engine's own label (``client_segment`` on orders) is ``retail``, ``professional`` or ``vip``.
Toxic clients hide among retail and professional accounts: they trade in the direction the mid
is about to move (they "know" the next 30 seconds), so their fills show positive markouts.
Aggressive retail clients use most of their margin, so their accounts approach margin calls.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .trading import Position


@dataclass(frozen=True)
class Segment:
    """A kind of client: its label, how it sizes trades and how well it guesses direction."""

    name: str
    label: str
    share: float
    median_lots: float
    median_balance: float
    leverage: float
    foresight: float  # probability of trading the way the mid moves next (0.5 = no skill)
    median_hold_seconds: float
    activity: float  # relative number of trades per day
    margin_usage: float  # share of free margin a trade uses (sizes trades when > 0)


SEGMENTS: tuple[Segment, ...] = (
    Segment("retail", "retail", 0.55, 0.15, 4_000, 30, 0.44, 2_700, 1.0, 0.0),
    Segment("aggressive", "retail", 0.12, 0.3, 2_500, 30, 0.45, 1_800, 1.6, 0.45),
    Segment("professional", "professional", 0.15, 1.0, 60_000, 100, 0.5, 5_400, 1.4, 0.0),
    Segment("vip", "vip", 0.05, 4.0, 400_000, 100, 0.5, 14_400, 0.8, 0.0),
    Segment("toxic", "retail", 0.08, 0.3, 25_000, 30, 0.82, 300, 2.5, 0.0),
    Segment("toxic_pro", "professional", 0.05, 2.0, 150_000, 100, 0.78, 400, 2.5, 0.0),
)

LEVERAGE_CAP: dict[str, float] = {
    "fx": 1.0,
    "metal": 0.67,
    "index": 0.67,
    "commodity": 0.34,
    "crypto": 0.067,
    "equity_cfd": 0.17,
}
"""Leverage per asset class as a share of the account's FX leverage (ESMA-style tiers)."""

ACCOUNT_CURRENCIES = (("USD", 0.75), ("EUR", 0.18), ("GBP", 0.07))


@dataclass
class Account:
    """A client's trading account and its running state."""

    account_id: str
    client_id: str
    segment: Segment
    currency: str
    balance: float
    open_positions: dict[str, Position] = field(default_factory=dict)
    last_snapshot: float = 0.0

    @property
    def toxic(self) -> bool:
        """Whether the client trades with foresight (hidden from the engine's labels)."""
        return self.segment.foresight > 0.6


def make_accounts(count: int, rng: random.Random) -> list[Account]:
    """A deterministic population of ``count`` accounts, one client each."""
    segments = list(SEGMENTS)
    weights = [segment.share for segment in SEGMENTS]
    currencies = [currency for currency, _ in ACCOUNT_CURRENCIES]
    currency_weights = [weight for _, weight in ACCOUNT_CURRENCIES]
    accounts = []
    for number in range(count):
        segment = rng.choices(segments, weights)[0]
        balance = segment.median_balance * rng.lognormvariate(0.0, 0.6)
        accounts.append(
            Account(
                account_id=f"A{100_000 + number}",
                client_id=f"C{500_000 + number * 7}",
                segment=segment,
                currency=rng.choices(currencies, currency_weights)[0],
                balance=round(balance, 2),
            )
        )
    return accounts
