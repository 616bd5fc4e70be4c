"""Handing queued deliveries to the Celery workers (task ``tradedash.notify.deliver``).

``app/`` does not import the worker package; it sends the task by name through a Celery client
built from the settings. A process may install another dispatcher (tests, or a process with its
own Celery app) with :func:`set_dispatcher`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache

from celery import Celery

from app.config import Settings, load_settings

log = logging.getLogger(__name__)

DELIVER_TASK = "tradedash.notify.deliver"
QUEUE = "alerts"

Dispatcher = Callable[[Sequence[int]], None]

_dispatcher: Dispatcher | None = None


def celery_dispatcher(settings: Settings, *, queue: str = QUEUE) -> Dispatcher:
    """A dispatcher that sends one deliver task per id to ``queue`` (``alerts``), the ids of
    one call through one broker connection."""
    client = Celery("tradedash-notify", broker=settings.redis_url, set_as_current=False)

    def send(delivery_ids: Sequence[int]) -> None:
        with client.producer_or_acquire() as producer:
            for delivery_id in delivery_ids:
                client.send_task(DELIVER_TASK, args=[delivery_id], queue=queue, producer=producer)

    return send


class DeferredDispatcher:
    """Holds the ids handed to it until :meth:`flush` sends them through ``send`` in one call.

    The alert evaluator installs one so that a committed pass first publishes its changes (the
    page's toast) and only then waits for the broker. A thread would not do: while the next pass
    holds the GIL, a sending thread waits a switch interval after every broker round trip."""

    def __init__(self, send: Dispatcher) -> None:
        self._send = send
        self._ids: list[int] = []

    def __call__(self, delivery_ids: Sequence[int]) -> None:
        self._ids.extend(delivery_ids)

    def flush(self) -> None:
        """Send the held ids (a broker outage is logged: the sweep re-sends them)."""
        ids, self._ids = self._ids, []
        dispatch_now(self._send, ids)


@cache
def _default() -> Dispatcher:
    return celery_dispatcher(load_settings())


def installed_dispatcher() -> Dispatcher | None:
    """The dispatcher :func:`set_dispatcher` installed (None: Celery from the environment)."""
    return _dispatcher


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    """Use ``dispatcher`` from now on (``None``: back to Celery with the environment's settings)."""
    global _dispatcher
    _dispatcher = dispatcher


def dispatch(delivery_ids: Sequence[int]) -> None:
    """Send the deliveries to the workers; a broker outage is logged, the sweep re-sends later."""
    dispatch_now(_dispatcher or _default(), delivery_ids)


def dispatch_now(send: Dispatcher, delivery_ids: Sequence[int]) -> None:
    """``send(delivery_ids)``, logging instead of raising (the rows are committed and queued:
    the periodic sweep picks them up)."""
    if not delivery_ids:
        return
    try:
        send(delivery_ids)
    except Exception:
        log.exception("could not dispatch deliveries %s; the sweep will retry", list(delivery_ids))
