"""Routing metrics (METRICS.md, Routing): where orders went, and what became of them.

The inputs are order counts and USD notionals, usually already grouped by the read model
(:mod:`app.queries.routing`). An order's notional is ``qty × arrival mid`` converted to USD at
the order's time; orders whose rate is unknown count in the shares by count but not by
notional, and are reported as unconverted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

BOOKS = ("A", "B")
OUTCOMES = ("filled", "partially_filled", "rejected", "cancelled", "pending")
"""Final outcome of an order; ``pending`` = no execution report has arrived yet."""
FLOW_STAGES = ("segment", "rule", "book", "lp", "outcome")
FLOW_COLUMNS = {
    "segment": "client_segment",
    "rule": "rule_id",
    "book": "book",
    "lp": "lp",
    "outcome": "outcome",
}
"""Sankey stage -> column of the grouped order frame."""
UNKNOWN_SEGMENT = "unknown"
INTERNAL = "INTERNAL"


def shares(amounts: Mapping[str, float]) -> dict[str, float] | None:
    """Each key's fraction of the total (they sum to 1); None when the total is zero."""
    total = sum(amounts.values())
    if total <= 0:
        return None
    return {key: value / total for key, value in amounts.items()}


def book_shares(amounts: Mapping[str, float]) -> dict[str, float] | None:
    """A-book and B-book shares of order counts or notionals; both books always present."""
    return shares({book: float(amounts.get(book, 0.0)) for book in BOOKS})


def lp_shares(a_book_orders: Mapping[str, float]) -> dict[str, float]:
    """Each LP's share of A-book orders (by the first LP tried), largest first; {} if none."""
    result = shares(a_book_orders) or {}
    return dict(sorted(result.items(), key=lambda item: (-item[1], item[0])))


def final_outcome(statuses: Sequence[str]) -> str:
    """An order's outcome from its attempts' statuses in time order: ``filled`` if any attempt
    filled, else ``partially_filled`` if any did, else the last attempt's status (``rejected``
    after all attempts, or ``cancelled``); ``pending`` before any report arrived."""
    if not statuses:
        return "pending"
    if "filled" in statuses:
        return "filled"
    if "partially_filled" in statuses:
        return "partially_filled"
    return statuses[-1]


@dataclass(frozen=True)
class FlowNode:
    stage: str
    label: str


@dataclass(frozen=True)
class FlowLink:
    source: int
    target: int
    orders: int


@dataclass(frozen=True)
class OrderFlow:
    """A Sankey diagram: nodes per stage, links between adjacent stages (indices into nodes)."""

    nodes: list[FlowNode] = field(default_factory=list)
    links: list[FlowLink] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[dict[str, object]]]:
        return {
            "nodes": [{"stage": n.stage, "label": n.label} for n in self.nodes],
            "links": [
                {"source": k.source, "target": k.target, "value": k.orders} for k in self.links
            ],
        }


def flow_labels(groups: pd.DataFrame) -> pd.DataFrame:
    """The grouped orders with the labels the flow shows: an unlabelled segment is
    ``unknown`` and the B-book's venue is ``INTERNAL``."""
    labelled = groups.copy()
    labelled["client_segment"] = labelled["client_segment"].fillna(UNKNOWN_SEGMENT)
    labelled["lp"] = labelled["lp"].where(labelled["book"] != "B", INTERNAL).fillna(INTERNAL)
    return labelled


def order_flow(groups: pd.DataFrame) -> OrderFlow:
    """Segment → rule → book → LP → outcome from orders grouped by those columns with an
    ``orders`` count; each link's value is the number of orders along it.

    Summed in plain Python over the (few hundred) grouped rows: a pandas ``groupby`` per pair
    of stages cost ~8 ms, most of the summary's time outside the database. Labels are the
    columns' ``astype(str)`` values, nodes and links in sorted label order, as before."""
    if groups.empty:
        return OrderFlow()
    labelled = flow_labels(groups)
    labels = {stage: labelled[FLOW_COLUMNS[stage]].astype(str).tolist() for stage in FLOW_STAGES}
    orders = [int(n) for n in labelled["orders"].tolist()]
    nodes: list[FlowNode] = []
    index: dict[tuple[str, str], int] = {}
    for stage in FLOW_STAGES:
        for label in sorted(set(labels[stage])):
            index[(stage, label)] = len(nodes)
            nodes.append(FlowNode(stage, label))
    links: list[FlowLink] = []
    for left, right in zip(FLOW_STAGES, FLOW_STAGES[1:], strict=False):
        summed: dict[tuple[str, str], int] = {}
        for key, n in zip(zip(labels[left], labels[right], strict=True), orders, strict=True):
            summed[key] = summed.get(key, 0) + n
        for source, target in sorted(summed):
            links.append(
                FlowLink(index[(left, source)], index[(right, target)], summed[(source, target)])
            )
    return OrderFlow(nodes, links)


@dataclass(frozen=True)
class RoutingSummary:
    """A window's routing: book shares by count and notional, LP shares, the order flow."""

    orders: int
    orders_by_book: dict[str, int]
    notional_usd_by_book: dict[str, float]
    share_by_count: dict[str, float] | None
    share_by_notional: dict[str, float] | None
    unconverted_orders: int
    a_book_orders_by_lp: dict[str, int]
    lp_share: dict[str, float]
    flow: OrderFlow


def summarise(groups: pd.DataFrame) -> RoutingSummary:
    """The routing summary of orders grouped by segment, rule, book, LP and outcome, with
    columns ``orders``, ``notional_usd`` (converted orders only) and ``unconverted``."""
    by_book = groups.groupby("book")[["orders", "notional_usd", "unconverted"]].sum()
    counts = {b: int(by_book["orders"].get(b, 0)) for b in BOOKS}
    notional = {b: float(by_book["notional_usd"].get(b, 0.0)) for b in BOOKS}
    a_book = groups[groups["book"] == "A"]
    by_lp = _int_sums(a_book.groupby(a_book["lp"].fillna("unknown"))["orders"].sum().items())
    return RoutingSummary(
        orders=sum(counts.values()),
        orders_by_book=counts,
        notional_usd_by_book=notional,
        share_by_count=book_shares(counts),
        share_by_notional=book_shares(notional),
        unconverted_orders=int(groups["unconverted"].sum()) if len(groups) else 0,
        a_book_orders_by_lp=by_lp,
        lp_share=lp_shares(by_lp),
        flow=order_flow(groups),
    )


def _int_sums(items: Iterable[tuple[object, object]]) -> dict[str, int]:
    return {str(key): int(value) for key, value in items}  # type: ignore[call-overload]


def shares_over_time(per_bucket: pd.DataFrame) -> pd.DataFrame:
    """Per bucket from rows (bucket, book, orders, notional_usd): A-book and B-book orders and
    notionals, and the A-book share by count and by notional (NaN for an empty bucket)."""
    wide = per_bucket.pivot_table(
        index="bucket", columns="book", values=["orders", "notional_usd"], aggfunc="sum"
    ).fillna(0)
    out = pd.DataFrame(index=wide.index)
    for book in BOOKS:
        out[f"orders_{book.lower()}"] = _column(wide, "orders", book).astype("int64")
        out[f"notional_usd_{book.lower()}"] = _column(wide, "notional_usd", book)
    for kind in ("orders", "notional_usd"):
        total = out[f"{kind}_a"] + out[f"{kind}_b"]
        share = (out[f"{kind}_a"] / total).where(total > 0)
        label = "count" if kind == "orders" else "notional"
        out[f"a_share_{label}"] = share
        out[f"b_share_{label}"] = 1 - share
    return out.reset_index()


def _column(wide: pd.DataFrame, measure: str, book: str) -> pd.Series:
    if (measure, book) in wide.columns:
        return wide[(measure, book)].astype("float64")
    return pd.Series(0.0, index=wide.index)
