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
    """A dispatcher that sends one deliver task per id to ``queue`` (``alerts``)."""
    client = Celery("tradedash-notify", broker=settings.redis_url, set_as_current=False)

    def send(delivery_ids: Sequence[int]) -> None:
        for delivery_id in delivery_ids:
            client.send_task(DELIVER_TASK, args=[delivery_id], queue=queue)

    return send


@cache
def _default() -> Dispatcher:
    return celery_dispatcher(load_settings())


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    """Use ``dispatcher`` from now on (``None``: back to Celery with the environment's settings)."""
    global _dispatcher
    _dispatcher = dispatcher


def dispatch(delivery_ids: Sequence[int]) -> None:
    """Send the deliveries to the workers; a broker outage is logged, the sweep re-sends later."""
    if not delivery_ids:
        return
    try:
        (_dispatcher or _default())(delivery_ids)
    except Exception:  # the rows are committed and queued: the periodic sweep picks them up
        log.exception("could not dispatch deliveries %s; the sweep will retry", list(delivery_ids))
