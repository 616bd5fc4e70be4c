"""Alert rules: instances, states, silences (alert engine).

Revision ID: a1e7c3000001
Revises: 9b2c7e4d1f60
Create Date: 2026-11-24 13:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "a1e7c3000001"
down_revision: str | Sequence[str] | None = "9b2c7e4d1f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
