"""The evaluator's deferred dispatcher: the ids of a pass are held until it flushes them, then
sent in one call; a broker outage is logged, not raised (the sweep re-sends)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.notify.dispatch import DeferredDispatcher

pytestmark = pytest.mark.unit


def test_ids_wait_for_the_flush_and_go_in_one_call() -> None:
    calls: list[list[int]] = []
    deferred = DeferredDispatcher(lambda ids: calls.append(list(ids)))
    deferred([1, 2])
    deferred([3])
    assert calls == []
    deferred.flush()
    assert calls == [[1, 2, 3]]
    deferred.flush()  # nothing held: no call
    assert calls == [[1, 2, 3]]


def test_a_broker_outage_is_logged_and_the_next_ids_still_go(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[int] = []

    def send(ids: Sequence[int]) -> None:
        if 13 in ids:
            raise ConnectionError("broker down")
        sent.extend(ids)

    deferred = DeferredDispatcher(send)
    deferred([13])
    deferred.flush()
    assert "could not dispatch deliveries [13]" in caplog.text
    deferred([14])
    deferred.flush()
    assert sent == [14]
