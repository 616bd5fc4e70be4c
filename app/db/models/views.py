"""What a user keeps of the web app's look and filters: named views (a page URL with its
filter query) they can reopen or share as a link."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Identity, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class SavedView(Base):
    """A user's named view: ``url`` is a page path with its filter query (``/exposure?...``)."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str]
    url: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
