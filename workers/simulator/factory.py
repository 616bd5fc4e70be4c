"""Builds contract events from the simulation's state: identifiers, timestamps, envelopes."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.events import (
    AccountSnapshot,
    LpState,
    LpStatus,
    Quote,
    RulePublished,
)

from .market import LpQuote
from .routing import RuleVersion


def utc(t: float) -> datetime:
    """The UTC datetime of epoch seconds, rounded to the microsecond as the contract allows."""
    return datetime.fromtimestamp(round(t, 6), UTC)


class EventFactory:
    """Event ids drawn from the seeded generator (so runs are reproducible) and run-unique
    business ids (``O-<tag>-00000001``) so two runs never reuse an order or position id."""

    def __init__(self, seed: int, start: float) -> None:
        self._rng = random.Random(seed * 31 + 17)
        self.tag = f"{(seed * 2_654_435_761 + int(start)) % 0xFFFFFF:06x}"
        self._counters: dict[str, int] = {}

    def event_id(self) -> UUID:
        """A random (version 4) UUID from the seeded generator."""
        return UUID(int=self._rng.getrandbits(128), version=4)

    def next_id(self, prefix: str) -> str:
        """The next business identifier of a kind, e.g. ``O-1a2b3c-00000042``."""
        number = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = number
        return f"{prefix}-{self.tag}-{number:08d}"

    def envelope(self, event_type: str, t: float) -> dict[str, Any]:
        """The common fields of an event recorded at ``t``."""
        return {
            "event_id": self.event_id(),
            "event_type": event_type,
            "schema_version": 1,
            "ts": utc(t),
        }

    def quote(self, quote: LpQuote) -> Quote:
        """The ``quote`` event of one LP price."""
        return Quote(
            **self.envelope("quote", quote.t),
            lp=quote.lp,
            symbol=quote.symbol,
            bid=quote.bid,
            ask=quote.ask,
            bid_size=quote.bid_size,
            ask_size=quote.ask_size,
        )

    def lp_status(self, lp: str, t: float, status: LpState, detail: str | None) -> LpStatus:
        """An ``lp.status`` event (a change or a heartbeat)."""
        return LpStatus(**self.envelope("lp.status", t), lp=lp, status=status, detail=detail)

    def rule(self, rule: RuleVersion, t: float) -> RulePublished:
        """A ``rule.published`` event for a rule version taking effect at ``t``."""
        conditions = dict(rule.conditions)
        if rule.lp_weights:
            conditions["lp_weights"] = dict(rule.lp_weights)
        return RulePublished(
            **self.envelope("rule.published", t),
            rule_id=rule.rule_id,
            rule_version=rule.version,
            name=rule.name,
            book=rule.book,
            conditions=conditions,
            effective_from=utc(t),
        )

    def account(
        self,
        t: float,
        account_id: str,
        client_id: str,
        balance: float,
        equity: float,
        margin_used: float,
        currency: str,
    ) -> AccountSnapshot:
        """An ``account.snapshot``; the margin level is derived from the rounded amounts."""
        balance, equity, margin_used = round(balance, 2), round(equity, 2), round(margin_used, 2)
        level = round(equity / margin_used * 100.0, 2) if margin_used > 0 else None
        return AccountSnapshot(
            **self.envelope("account.snapshot", t),
            account_id=account_id,
            client_id=client_id,
            balance=balance,
            equity=equity,
            margin_used=margin_used,
            margin_level=level,
            currency=currency,
        )
