"""Alerting: data-completeness rules (no schema change).

The ``completeness`` alert rule type keeps its settings in the rule's JSON specification like
every other type, so it needs no table or column; this revision only keeps the chain's place.

Revision ID: a1e7c3700011
Revises: a1e7c3700010
Create Date: 2026-11-24 14:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "a1e7c3700011"
down_revision: str | Sequence[str] | None = "a1e7c3700010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
