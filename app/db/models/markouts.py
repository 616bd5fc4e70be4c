"""``fill_markouts``: one row per fill with the client's markout at 0, 1, 5, 30 and 60 s.

Filled by :func:`app.queries.markouts.compute_markouts` (the ``tradedash.markouts.compute``
Celery task) once the composite mid is known 60 s past the fill. The order's dimensions are
copied in, so the scorecard filters markouts like the rollups without joining the orders.
A markout is NULL when no composite mid at most 5 s old existed at the horizon.
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.orm import Mapped

from app.db.base import Base
from app.db.models.events import EventKey


class FillMarkout(EventKey, Base):
    """The markouts (pips, client view) of one fill; ``(event_id, ts)`` is the execution's."""

    __tablename__ = "fill_markouts"
    __table_args__ = (Index(None, "lp", "ts"),)

    lp: Mapped[str]
    symbol: Mapped[str]
    book: Mapped[str]
    rule_id: Mapped[str]
    rule_version: Mapped[int]
    side: Mapped[int]
    """+1 for a client buy, −1 for a sell."""
    fill_qty: Mapped[float]
    fill_price: Mapped[float]
    pip_size: Mapped[float]
    markout_0: Mapped[float | None]
    markout_1: Mapped[float | None]
    markout_5: Mapped[float | None]
    markout_30: Mapped[float | None]
    markout_60: Mapped[float | None]
