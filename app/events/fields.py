"""Constrained field types shared by the event structs, and the strict UTC timestamp rule.

The constraints live in the types (``msgspec.Meta``) so that msgspec checks them in C while
decoding; only the rules msgspec cannot express run in Python, in each struct's
``__post_init__``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from msgspec import Meta

PositiveNumber = Annotated[float, Meta(gt=0)]
"""A price or a quantity that must be strictly positive."""

NonNegativeNumber = Annotated[float, Meta(ge=0)]
"""A size, a filled quantity or a cost that may be zero but never negative."""

Identifier = Annotated[str, Meta(min_length=1, max_length=128)]
"""An identifier chosen by the trading engine (order, account, LP, rule, ...)."""

Symbol = Annotated[str, Meta(min_length=1, max_length=32)]

RuleName = Annotated[str, Meta(min_length=1, max_length=200)]

CurrencyCode = Annotated[str, Meta(pattern=r"\A[A-Z]{3}\Z")]
"""An ISO 4217 code, checked for its shape (three uppercase letters), not against the list."""

RuleVersion = Annotated[int, Meta(ge=1)]

Side = Literal["buy", "sell"]
AssetClass = Literal["fx", "metal", "index", "commodity", "crypto", "equity_cfd"]
OrderType = Literal["market", "limit", "stop"]
Book = Literal["A", "B"]
RuleBook = Literal["A", "B", "hybrid"]
ExecutionStatus = Literal["filled", "partially_filled", "rejected", "cancelled"]
RejectReason = Literal[
    "price_moved", "last_look", "no_liquidity", "timeout", "credit_limit", "market_closed", "other"
]
LpState = Literal["up", "degraded", "down"]

INTERNAL_VENUE = "INTERNAL"
"""The ``lp`` of execution reports for B-book (internalised) fills."""

# msgspec's own datetime decoding also accepts `+00:00`, `-00:00`, a lowercase `t`/`z`, a space
# separator and more than six fractional digits. The contract asks for the `Z` form only, so
# timestamps are decoded as text and checked here. For type checkers the field is a datetime,
# which is what it holds once `__post_init__` has run.
# The length bounds (20 to 27 characters: whole seconds up to microseconds) are checked in C.
if TYPE_CHECKING:
    UtcTimestamp = datetime
else:
    UtcTimestamp = Annotated[str, Meta(min_length=20, max_length=27)]

TIMESTAMP_LAYOUT_WHOLE_SECONDS = "--T::Z"
TIMESTAMP_LAYOUT_FRACTION = "--T::."
"""Characters 4, 7, 10, 13, 16 and 19 (``value[4:20:3]``) of a valid timestamp."""

parse_iso = datetime.fromisoformat


def parse_utc(value: object, field: str) -> datetime:
    """Return the UTC datetime of an RFC 3339 ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` string.

    A datetime (as built by the simulator) is accepted when it is in UTC. Anything else,
    including a valid time with a ``+00:00`` offset, raises ``ValueError("bad_timestamp[...]")``.
    """
    if type(value) is str:
        n = len(value)
        # Characters 4, 7, 10, 13, 16 and 19 carry the layout; fromisoformat checks the digits
        # and the calendar (month 13, February 30, hour 24 and second 60 are refused).
        layout = value[4:20:3]
        if (n == 20 and layout == TIMESTAMP_LAYOUT_WHOLE_SECONDS) or (
            22 <= n <= 27 and layout == TIMESTAMP_LAYOUT_FRACTION and value[-1] == "Z"
        ):
            try:
                return parse_iso(value)
            except ValueError:
                pass
        raise ValueError(
            f"bad_timestamp[{field}]: {value[:40]!r} is not an RFC 3339 UTC time ending in Z"
        )
    if isinstance(value, datetime) and value.tzinfo is UTC:
        return value
    raise ValueError(f"bad_timestamp[{field}]: {value!r} is not a UTC datetime")
