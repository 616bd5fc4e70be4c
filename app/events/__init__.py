"""The trading engine's event contract (version 1) in code: structs, decoding and encoding.

Consumers call :func:`decode_batch` (or :func:`decode`) with a topic's short name and the raw
message values and get, for each, an event struct or an :class:`Invalid` for the dead-letter
store. The simulator builds structs and sends :func:`encode` of them, keyed by :func:`key_of`.
"""

from .codec import MAX_MESSAGE_BYTES, decode, decode_batch, encode, key_of, topic_of
from .fields import (
    INTERNAL_VENUE,
    Book,
    ExecutionStatus,
    LpState,
    OrderType,
    RejectReason,
    RuleBook,
    Side,
)
from .invalid import REASON_CODES, Invalid, ReasonCode
from .schema import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    AccountSnapshot,
    Event,
    ExecutionReport,
    LpStatus,
    OrderRouted,
    PositionClosed,
    Quote,
    RulePublished,
)

__all__ = [
    "EVENT_TYPES",
    "INTERNAL_VENUE",
    "MAX_MESSAGE_BYTES",
    "REASON_CODES",
    "SCHEMA_VERSION",
    "AccountSnapshot",
    "Book",
    "ExecutionStatus",
    "LpState",
    "OrderType",
    "RejectReason",
    "RuleBook",
    "Side",
    "Event",
    "ExecutionReport",
    "Invalid",
    "LpStatus",
    "OrderRouted",
    "PositionClosed",
    "Quote",
    "ReasonCode",
    "RulePublished",
    "decode",
    "decode_batch",
    "encode",
    "key_of",
    "topic_of",
]
