"""Routing rules: which book an order goes to and, for the A-book, which LPs to try in turn.

Rules are evaluated in priority order; the first that matches decides. Two rules get a second
version during a run (published on ``te.rules.v1`` when they take effect): the toxic watchlist
learns some of the toxic accounts, and the large-order threshold is lowered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from app.events import Book, RuleBook

from .clients import Account
from .instruments import Instrument


@dataclass(frozen=True)
class RuleVersion:
    """One version of a routing rule as the engine publishes it."""

    rule_id: str
    version: int
    name: str
    book: RuleBook
    conditions: dict[str, Any]
    lp_weights: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """Where an order goes: the book, the rule that decided, and the LPs to try in order."""

    rule: RuleVersion
    book: Book
    lps: tuple[str, ...]


_FX_WEIGHTS = {"LP_ALPHA": 3.0, "LP_BRAVO": 3.0, "LP_CHARLIE": 1.0, "LP_DELTA": 2.0,
               "LP_FOXTROT": 2.0, "LP_ECHO": 1.0, "LP_GOLF": 1.0}  # fmt: skip


def initial_rules() -> list[RuleVersion]:
    """Version 1 of every rule, in priority order."""
    return [
        RuleVersion("R-TOXIC-WATCH", 1, "Toxic watchlist to A-book", "A",
                    {"account_ids": []}, {"LP_ALPHA": 3.0, "LP_DELTA": 2.0, "LP_CHARLIE": 1.0}),
        RuleVersion("R-LARGE-A", 1, "Large tickets to A-book", "A",
                    {"min_notional_usd": 500_000}, _FX_WEIGHTS),
        RuleVersion("R-CRYPTO-HYBRID", 1, "Crypto: hedge big, keep small", "hybrid",
                    {"asset_class": "crypto", "a_book_min_notional_usd": 50_000},
                    {"LP_ECHO": 2.0, "LP_BRAVO": 1.0}),
        RuleVersion("R-PRO-A", 1, "Professional clients to A-book", "A",
                    {"client_segment": ["professional", "vip"]}, _FX_WEIGHTS),
        RuleVersion("R-RETAIL-B", 1, "Retail flow internalised", "B",
                    {"client_segment": ["retail"]}),
        RuleVersion("R-FAILOVER-B", 1, "No LP available: internalise", "B",
                    {"fallback": True}),
    ]  # fmt: skip


def second_versions(accounts: list[Account], rng: random.Random) -> list[RuleVersion]:
    """The mid-run updates: a watchlist of about half the toxic accounts, a lower threshold."""
    toxic = sorted(account.account_id for account in accounts if account.toxic)
    watched = sorted(rng.sample(toxic, len(toxic) // 2)) if toxic else []
    rules = {rule.rule_id: rule for rule in initial_rules()}
    watch, large = rules["R-TOXIC-WATCH"], rules["R-LARGE-A"]
    return [
        RuleVersion(watch.rule_id, 2, watch.name, "A", {"account_ids": watched}, watch.lp_weights),
        RuleVersion(large.rule_id, 2, large.name, "A", {"min_notional_usd": 250_000},
                    large.lp_weights),
    ]  # fmt: skip


class Router:
    """The engine's routing table: current rule versions and the decision for an order."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.rules = {rule.rule_id: rule for rule in initial_rules()}
        self._order = list(self.rules)

    def publish(self, rule: RuleVersion) -> None:
        """Start using a new version of a rule."""
        self.rules[rule.rule_id] = rule

    def route(
        self, account: Account, instrument: Instrument, notional_usd: float, lps_up: list[str]
    ) -> Decision:
        """Decide the book and the LP sequence for a new position's opening order."""
        for rule_id in self._order:
            rule = self.rules[rule_id]
            book = self._matches(rule, account, instrument, notional_usd)
            if book is None:
                continue
            if book == "B":
                return Decision(rule, "B", ())
            lps = self.lp_sequence(rule, lps_up)
            if lps:
                return Decision(rule, "A", lps)
        return Decision(self.rules["R-FAILOVER-B"], "B", ())

    def _matches(
        self, rule: RuleVersion, account: Account, instrument: Instrument, notional_usd: float
    ) -> Book | None:
        conditions = rule.conditions
        if "account_ids" in conditions:
            return "A" if account.account_id in conditions["account_ids"] else None
        if "min_notional_usd" in conditions:
            return "A" if notional_usd >= conditions["min_notional_usd"] else None
        if "asset_class" in conditions:
            if instrument.asset_class != conditions["asset_class"]:
                return None
            return "A" if notional_usd >= conditions["a_book_min_notional_usd"] else "B"
        if "client_segment" in conditions and account.segment.label in conditions["client_segment"]:
            return "B" if rule.book == "B" else "A"
        return None

    def lp_sequence(self, rule: RuleVersion, lps_up: list[str]) -> tuple[str, ...]:
        """Up to three LPs, drawn by the rule's weights among those quoting the symbol."""
        candidates = [lp for lp in lps_up if rule.lp_weights.get(lp, 0.0) > 0]
        sequence: list[str] = []
        while candidates and len(sequence) < 3:
            weights = [rule.lp_weights[lp] for lp in candidates]
            chosen = self._rng.choices(candidates, weights)[0]
            sequence.append(chosen)
            candidates.remove(chosen)
        return tuple(sequence)
