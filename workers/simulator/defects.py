"""Bad messages and duplicate deliveries, to exercise the consumers' dead-letter path.

Each defect turns one valid message into an invalid one of a given kind; the kind is the reason
code :func:`app.events.decode` must give it. Every topic gets the kinds that make sense for its
fields, and together the topics cover every code the decoder has (except the generic
``invalid``, which nothing well-formed produces).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import orjson

Message = dict[str, Any]
Mutation = Callable[[Message, random.Random], None]

_TIMESTAMP_FIELD = {"executions": "sent_ts", "positions": "open_ts", "rules": "effective_from"}
_QUANTITY_FIELD = {"orders": "qty", "executions": "fill_qty", "quotes": "bid_size",
                   "positions": "qty"}  # fmt: skip
_ENUM_FIELD = {"orders": "side", "executions": "status", "positions": "book",
               "lp_status": "status", "rules": "book"}  # fmt: skip
_BOUNDED_FIELD = {"orders": ("pip_size", 0), "executions": ("requested_price", -1.5),
                  "quotes": ("ask", 0), "positions": ("open_price", -3),
                  "accounts": ("margin_used", -10), "lp_status": ("lp", ""),
                  "rules": ("rule_version", 0)}  # fmt: skip
_TYPED_FIELD = {"orders": ("qty", "1000"), "executions": ("commission", "0.5"),
                "quotes": ("bid", "1.1"), "positions": ("client_pnl", "12.5"),
                "accounts": ("equity", True), "lp_status": ("detail", 42),
                "rules": ("conditions", [1, 2])}  # fmt: skip
_BAD_TIMESTAMPS = (
    "2026-11-24T10:15:00+00:00",
    "2026-11-24T11:15:00+01:00",
    "2026-11-24T10:15:00",
    "2026-11-24 10:15:00Z",
    "2026-02-30T10:15:00Z",
    "2026-11-24T10:15:00.1234567Z",
    "1732443300",
)


def _set(field: str, value: object) -> Mutation:
    def mutate(message: Message, rng: random.Random) -> None:
        message[field] = value

    return mutate


def _missing(message: Message, rng: random.Random) -> None:
    del message[rng.choice(sorted(message))]


def _bad_timestamp(field: str) -> Mutation:
    def mutate(message: Message, rng: random.Random) -> None:
        message[rng.choice(("ts", field))] = rng.choice(_BAD_TIMESTAMPS)

    return mutate


def _negative(field: str) -> Mutation:
    def mutate(message: Message, rng: random.Random) -> None:
        message[field] = -abs(message[field]) - 1.0

    return mutate


def _cross_field_defects(topic: str) -> dict[str, Mutation]:
    """The rules between fields that each topic can break."""
    if topic == "quotes":
        return {"crossed_quote": lambda m, r: m.update(bid=m["ask"] * 1.01)}
    if topic == "orders":
        return {
            "crossed_book": lambda m, r: m.update(arrival_bid=m["arrival_ask"] * 1.01),
            "missing_limit_price": lambda m, r: m.update(order_type="limit", limit_price=None),
            "lp_on_b_book": lambda m, r: m.update(book="B", lp="LP_ALPHA"),
            "missing_lp": lambda m, r: m.update(book="A", lp=None),
        }
    if topic == "executions":
        return {
            "crossed_book": lambda m, r: m.update(market_bid=m["market_ask"] * 1.01),
            "missing_reject_reason": lambda m, r: m.update(
                status="rejected", fill_qty=0, fill_price=None, reject_reason=None
            ),
            "fill_mismatch": lambda m, r: m.update(
                status="filled", fill_qty=m["requested_qty"], fill_price=None
            ),
            "overfill": lambda m, r: m.update(
                status="filled", fill_qty=m["requested_qty"] * 2, fill_price=m["requested_price"]
            ),
            "time_order": lambda m, r: m.update(sent_ts="2099-01-01T00:00:00Z"),
        }
    if topic == "positions":
        return {"time_order": lambda m, r: m.update(open_ts="2099-01-01T00:00:00Z")}
    if topic == "accounts":
        return {
            "bad_margin_level": lambda m, r: m.update(
                margin_used=1000.0, margin_level=m["equity"] / 10.0 + 7.0
            ),
        }
    return {}


def field_defects(topic: str) -> dict[str, Mutation]:
    """Reason code -> how to break a decoded message of ``topic`` that way."""
    defects: dict[str, Mutation] = {
        "missing_field": _missing,
        "bad_timestamp": _bad_timestamp(_TIMESTAMP_FIELD.get(topic, "ts")),
        "wrong_event_type": _set("event_type", "order.cancelled"),
        "bad_schema_version": _set("schema_version", 2),
        "bad_event_id": _set("event_id", "not-a-uuid"),
        "out_of_range": _set(*_BOUNDED_FIELD[topic]),
        "wrong_type": _set(*_TYPED_FIELD[topic]),
    }
    if topic in _QUANTITY_FIELD:
        defects["negative_quantity"] = _negative(_QUANTITY_FIELD[topic])
    if topic in _ENUM_FIELD:
        defects["unknown_enum"] = _set(_ENUM_FIELD[topic], "sideways")
    if topic in ("executions", "positions", "accounts"):
        defects["bad_currency"] = _set("currency", "usd")
    defects.update(_cross_field_defects(topic))
    return defects


BYTE_DEFECTS = ("oversize", "not_json", "not_object", "too_deep")


def defect_kinds(topic: str) -> tuple[str, ...]:
    """Every defect the simulator can put in a message of ``topic``."""
    return BYTE_DEFECTS + tuple(field_defects(topic))


def corrupt(topic: str, value: bytes, kind: str, rng: random.Random, max_bytes: int) -> bytes:
    """A copy of a valid message value broken in the way named by ``kind``."""
    if kind == "not_json":
        return rng.choice((value[: len(value) // 2], value.replace(b'"', b"'", 4), b"\xff\xfe"))
    if kind == "not_object":
        return rng.choice((b"[" + value + b"]", b'"just a string"', b"42", b"null"))
    message: Message = orjson.loads(value)
    if kind == "oversize":
        message["padding"] = "x" * (max_bytes + 1)
    elif kind == "too_deep":
        depth = 100_000
        return value[:-1] + b',"nested":' + b"[" * depth + b"]" * depth + b"}"
    else:
        field_defects(topic)[kind](message, rng)
    return orjson.dumps(message)
