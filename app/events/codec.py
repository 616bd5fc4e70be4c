"""Bytes to events and back: the one place where Kafka message values are parsed and built.

Decoding is on the hot path of ingestion (about a million quotes per second per core), so each
topic has one cached ``msgspec.json.Decoder`` and a valid message costs a single C call plus the
few checks in the struct's ``__post_init__``. All the work of explaining a refusal is done on the
error path only.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from .invalid import Invalid, invalid_from_error
from .schema import EVENT_TYPES, Event

MAX_MESSAGE_BYTES = 1024 * 1024
"""Messages longer than this are refused before parsing (``oversize``)."""

_DECODERS = {key: msgspec.json.Decoder(cls).decode for key, cls in EVENT_TYPES.items()}
_ENCODER = msgspec.json.Encoder()


def decode(
    topic_key: str, raw: bytes | None, *, max_bytes: int = MAX_MESSAGE_BYTES
) -> Event | Invalid:
    """Parse and validate one message value of the topic ``topic_key`` (``"quotes"``, ...)."""
    return decode_batch(topic_key, (raw,), max_bytes=max_bytes)[0]


def decode_batch(
    topic_key: str, raws: Iterable[bytes | None], *, max_bytes: int = MAX_MESSAGE_BYTES
) -> list[Event | Invalid]:
    """Parse and validate message values of one topic; one result per value, in order.

    Raises ``KeyError`` for an unknown topic key (a programming error, not a bad message).
    """
    decode_one = _DECODERS[topic_key]
    results: list[Event | Invalid] = []
    append = results.append
    for raw in raws:
        if raw is None or len(raw) > max_bytes:
            append(_refuse_size(raw, max_bytes))
            continue
        try:
            append(decode_one(raw))
        except msgspec.ValidationError as error:
            append(invalid_from_error(error, raw))
        except msgspec.DecodeError as error:
            append(Invalid(reason="not_json", message=str(error)))
        except RecursionError:
            # msgspec guards its recursion with the interpreter's limit, so deeply nested
            # input (even inside an ignored field) ends here instead of crashing.
            append(Invalid(reason="too_deep", message="JSON nested deeper than the parser allows"))
    return results


def _refuse_size(raw: bytes | None, max_bytes: int) -> Invalid:
    if raw is None:
        return Invalid(reason="not_json", message="the message has no value (tombstone)")
    return Invalid(reason="oversize", message=f"{len(raw)} bytes is more than {max_bytes}")


def encode(event: Event) -> bytes:
    """The JSON bytes of an event, as the trading engine sends them."""
    return _ENCODER.encode(event)


def topic_of(event: Event) -> str:
    """The short topic name an event belongs to (``"orders"``, ``"quotes"``, ...)."""
    return event.topic_key


def key_of(event: Event) -> bytes:
    """The Kafka key of an event: its order_id, symbol, position_id, account_id, lp or rule_id."""
    key: str = getattr(event, event.key_field)
    return key.encode()
