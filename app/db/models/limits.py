"""Risk limits the managers configure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class ExposureLimit(Base):
    """The notional exposure limit (USD) of one symbol; utilisation = exposure / limit."""

    __tablename__ = "exposure_limits"

    symbol: Mapped[str] = mapped_column(primary_key=True)
    limit_usd: Mapped[Decimal]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
