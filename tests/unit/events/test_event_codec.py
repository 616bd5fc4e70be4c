"""The event contract in code: valid round trips and one case per reason for refusing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from app.events import (
    REASON_CODES,
    Event,
    Invalid,
    decode,
    decode_batch,
    encode,
    key_of,
    topic_of,
)

pytestmark = pytest.mark.unit

TOPICS = ("orders", "executions", "quotes", "positions", "accounts", "lp_status", "rules")
EXPECTED_KEYS = {
    "orders": b"O-1",
    "executions": b"O-1",
    "quotes": b"USDJPY",
    "positions": b"P-1",
    "accounts": b"A-1",
    "lp_status": b"LP_CHARLIE",
    "rules": b"R-LARGE-A",
}
Message = dict[str, Any]
MakeMessage = Callable[[str, Callable[[Message], object] | None], bytes]


@pytest.mark.parametrize("topic", TOPICS)
def test_round_trip(topic: str, examples: dict[str, Event]) -> None:
    event = examples[topic]
    decoded = decode(topic, encode(event))
    assert decoded == event
    assert topic_of(event) == topic
    assert key_of(event) == EXPECTED_KEYS[topic]


@pytest.mark.parametrize("topic", TOPICS)
def test_timestamps_are_utc_datetimes(topic: str, make_message: MakeMessage) -> None:
    event = decode(topic, make_message(topic, None))
    assert not isinstance(event, Invalid)
    assert event.ts == datetime(2026, 11, 24, 10, 15, 30, 123456, tzinfo=UTC)
    assert event.ts.tzinfo is UTC


@pytest.mark.parametrize("topic", TOPICS)
def test_unknown_fields_are_ignored(topic: str, make_message: MakeMessage) -> None:
    raw = make_message(topic, lambda m: m.update(venue_session="FIX-7", extra={"a": [1, 2]}))
    assert decode(topic, raw) == decode(topic, make_message(topic, None))


@pytest.mark.parametrize(
    "ts",
    ["2026-11-24T10:15:30Z", "2026-11-24T10:15:30.1Z", "2026-11-24T10:15:30.123456Z"],
)
def test_accepted_timestamp_forms(ts: str, make_message: MakeMessage) -> None:
    assert not isinstance(decode("quotes", make_message("quotes", lambda m: m.update(ts=ts))),
                          Invalid)  # fmt: skip


@pytest.mark.parametrize(
    "ts",
    [
        "2026-11-24T10:15:30+00:00",  # UTC, but not the contract's Z form
        "2026-11-24T10:15:30-00:00",
        "2026-11-24T11:15:30+01:00",
        "2026-11-24T10:15:30",
        "2026-11-24 10:15:30Z",
        "2026-11-24t10:15:30z",
        "2026-11-24T10:15:30.Z",
        "2026-11-24T10:15:30,5Z",
        "2026-11-24T10:15:30.1234567Z",
        "2026-02-30T10:15:30Z",
        "2026-11-24T24:00:00Z",
        "2026-11-24T23:59:60Z",
        "2026-W48-2T10:15:30Z",
        "2026-11-24T10:15Z",
        "20261124T101530Z",
        "",
    ],
)
def test_refused_timestamp_forms(ts: str, make_message: MakeMessage) -> None:
    result = decode("quotes", make_message("quotes", lambda m: m.update(ts=ts)))
    assert isinstance(result, Invalid)
    assert (result.reason, result.field) == ("bad_timestamp", "ts")


def _set(**fields: object) -> Callable[[Message], object]:
    return lambda message: message.update(fields)


def _drop(field: str) -> Callable[[Message], object]:
    return lambda message: message.pop(field)


FIELD_CASES = [
    # (topic, change, reason, field)
    ("orders", _drop("order_id"), "missing_field", "order_id"),
    ("orders", _drop("lp"), "missing_field", "lp"),
    ("quotes", _drop("event_id"), "missing_field", "event_id"),
    ("quotes", _set(bid="1.1"), "wrong_type", "bid"),
    ("orders", _set(rule_version=True), "wrong_type", "rule_version"),
    ("rules", _set(conditions=[1, 2]), "wrong_type", "conditions"),
    ("lp_status", _set(detail=42), "wrong_type", "detail"),
    ("quotes", _set(ts=1732443330), "wrong_type", "ts"),
    ("orders", _set(qty=-1000), "negative_quantity", "qty"),
    ("executions", _set(fill_qty=-5), "negative_quantity", "fill_qty"),
    ("quotes", _set(ask_size=-1), "negative_quantity", "ask_size"),
    ("orders", _set(qty=0), "out_of_range", "qty"),
    ("orders", _set(pip_size=0), "out_of_range", "pip_size"),
    ("quotes", _set(bid=-1.2), "out_of_range", "bid"),
    ("executions", _set(commission=-0.5), "out_of_range", "commission"),
    ("accounts", _set(margin_used=-1), "out_of_range", "margin_used"),
    ("rules", _set(rule_version=0), "out_of_range", "rule_version"),
    ("lp_status", _set(lp=""), "out_of_range", "lp"),
    ("orders", _set(side="hold"), "unknown_enum", "side"),
    ("orders", _set(asset_class="bond"), "unknown_enum", "asset_class"),
    ("executions", _set(reject_reason="bored"), "unknown_enum", "reject_reason"),
    ("lp_status", _set(status="sleeping"), "unknown_enum", "status"),
    ("rules", _set(book="C"), "unknown_enum", "book"),
    ("executions", _set(sent_ts="2026-11-24T10:15:30+00:00"), "bad_timestamp", "sent_ts"),
    ("positions", _set(open_ts="yesterday"), "bad_timestamp", "open_ts"),
    ("rules", _set(effective_from="2026-13-01T00:00:00Z"), "bad_timestamp", "effective_from"),
    ("quotes", _set(event_type="order.routed"), "wrong_event_type", "event_type"),
    ("orders", _set(event_type="quote"), "wrong_event_type", "event_type"),
    ("quotes", _set(schema_version=2), "bad_schema_version", "schema_version"),
    ("quotes", _set(schema_version="1"), "bad_schema_version", "schema_version"),
    ("quotes", _set(event_id="not-a-uuid"), "bad_event_id", "event_id"),
    ("quotes", _set(event_id=12345), "bad_event_id", "event_id"),
    ("executions", _set(currency="usd"), "bad_currency", "currency"),
    ("accounts", _set(currency="EURO"), "bad_currency", "currency"),
    ("positions", _set(currency="US\n"), "bad_currency", "currency"),
]

RULE_CASES = [
    ("quotes", _set(bid=151.3), "crossed_quote"),
    ("orders", _set(arrival_bid=1.09), "crossed_book"),
    ("executions", _set(market_bid=1.09), "crossed_book"),
    ("orders", _set(limit_price=None), "missing_limit_price"),
    ("orders", _set(order_type="stop", limit_price=None), "missing_limit_price"),
    ("executions", _set(status="rejected", fill_qty=0, fill_price=None), "missing_reject_reason"),
    ("executions", _set(fill_price=None), "fill_mismatch"),
    ("executions", _set(fill_qty=0), "fill_mismatch"),
    ("executions", _set(status="rejected", reject_reason="last_look"), "fill_mismatch"),
    ("executions", _set(status="cancelled", fill_qty=50_000), "fill_mismatch"),
    ("executions", _set(fill_qty=200_000), "overfill"),
    ("accounts", _set(margin_level=None), "bad_margin_level"),
    ("accounts", _set(margin_level=300.0), "bad_margin_level"),
    ("accounts", _set(margin_used=0), "bad_margin_level"),
    ("orders", _set(book="B"), "lp_on_b_book"),
    ("orders", _set(lp=None), "missing_lp"),
    ("executions", _set(sent_ts="2026-11-24T10:15:31Z"), "time_order"),
    ("positions", _set(open_ts="2026-11-25T00:00:00Z"), "time_order"),
]

BYTE_CASES = [
    (b"", "not_json"),
    (b"{", "not_json"),
    (b'{"event_id": }', "not_json"),
    (b"\xff\xfe{}", "not_json"),
    (b"[]", "not_object"),
    (b'"a string"', "not_object"),
    (b"42", "not_object"),
    (b"null", "not_object"),
]


@pytest.mark.parametrize(("topic", "change", "reason", "field"), FIELD_CASES)
def test_field_refusals(
    topic: str, change: Callable[[Message], object], reason: str, field: str,
    make_message: MakeMessage,
) -> None:  # fmt: skip
    result = decode(topic, make_message(topic, change))
    assert isinstance(result, Invalid)
    assert (result.reason, result.field) == (reason, field)
    assert result.summary == f"{reason}: {field}"


@pytest.mark.parametrize(("topic", "change", "reason"), RULE_CASES)
def test_cross_field_refusals(
    topic: str, change: Callable[[Message], object], reason: str, make_message: MakeMessage
) -> None:
    result = decode(topic, make_message(topic, change))
    assert isinstance(result, Invalid)
    assert result.reason == reason
    assert result.message


@pytest.mark.parametrize(("raw", "reason"), BYTE_CASES)
def test_unparseable_messages(raw: bytes, reason: str) -> None:
    result = decode("orders", raw)
    assert isinstance(result, Invalid)
    assert result.reason == reason


def test_numbers_beyond_float_range_are_refused(make_message: MakeMessage) -> None:
    raw = make_message("quotes", _set(ask="HUGE")).replace(b'"HUGE"', b"1e400")
    result = decode("quotes", raw)
    assert isinstance(result, Invalid)
    assert (result.reason, result.field) == ("out_of_range", "ask")


def test_trailing_bytes_after_the_object_are_refused(make_message: MakeMessage) -> None:
    result = decode("quotes", make_message("quotes", None) + b' {"again": 1}')
    assert isinstance(result, Invalid) and result.reason == "not_json"


def test_a_missing_value_is_refused() -> None:
    result = decode("quotes", None)
    assert isinstance(result, Invalid) and result.reason == "not_json"


def test_oversize_is_refused_before_parsing(make_message: MakeMessage) -> None:
    raw = make_message("quotes", None)
    assert not isinstance(decode("quotes", raw, max_bytes=len(raw)), Invalid)
    result = decode("quotes", raw, max_bytes=len(raw) - 1)
    assert isinstance(result, Invalid) and result.reason == "oversize"
    # Not even JSON: the size check comes first.
    assert decode("quotes", b"x" * (1024 * 1024 + 1)).reason == "oversize"


@pytest.mark.parametrize("depth", [10_000, 1_000_000])
def test_deep_nesting_is_refused_without_crashing(depth: int, make_message: MakeMessage) -> None:
    raw = make_message("quotes", None)
    nested = raw[:-1] + b',"x":' + b"[" * depth + b"]" * depth + b"}"
    result = decode("quotes", nested, max_bytes=len(nested))
    assert isinstance(result, Invalid) and result.reason == "too_deep"


def test_deep_nesting_inside_rule_conditions(make_message: MakeMessage) -> None:
    depth = 5_000
    nested = b'{"a":' * depth + b"1" + b"}" * depth
    raw = make_message("rules", None).replace(
        b'"conditions":{', b'"conditions":{"deep":' + nested + b",", 1
    )
    result = decode("rules", raw)
    assert isinstance(result, Invalid) and result.reason == "too_deep"


def test_decode_batch_keeps_order_and_isolates_bad_messages(make_message: MakeMessage) -> None:
    good = make_message("quotes", None)
    crossed = make_message("quotes", _set(bid=200.0))
    results = decode_batch("quotes", [good, b"nope", crossed, None, good])
    assert [r.reason if isinstance(r, Invalid) else "ok" for r in results] == [
        "ok", "not_json", "crossed_quote", "not_json", "ok",
    ]  # fmt: skip


def test_unknown_topic_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        decode("trades", b"{}")


def test_nullable_fields_accept_null(make_message: MakeMessage) -> None:
    raw = make_message("orders", _set(client_segment=None, order_type="market", limit_price=None))
    assert not isinstance(decode("orders", raw), Invalid)
    raw = make_message("orders", _set(book="B", lp=None))
    assert not isinstance(decode("orders", raw), Invalid)


def test_integers_are_accepted_where_numbers_are_expected(make_message: MakeMessage) -> None:
    raw = make_message("quotes", _set(bid=151, ask=152, bid_size=0, ask_size=0))
    quote = decode("quotes", raw)
    assert not isinstance(quote, Invalid)
    assert orjson.loads(encode(quote))["bid"] == 151.0


def test_every_reason_code_has_a_case() -> None:
    covered = {case[2] for case in FIELD_CASES} | {case[2] for case in RULE_CASES}
    covered |= {case[1] for case in BYTE_CASES} | {"oversize", "too_deep"}
    assert covered == set(REASON_CODES) - {"invalid"}
