"""When a user's Redis snapshot may stand in for the database: same user, same password
fingerprint, active, and confirmed no longer than the trust window ago."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.auth.session_snapshots import TRUST_FOR, UserSnapshot, is_trusted, snapshot_key

pytestmark = pytest.mark.unit

CONFIRMED = 1_800_000_000.0
SNAPSHOT = UserSnapshot(7, "desk@broker.example", "Desk", "manager", True, "ab12", CONFIRMED)


@pytest.mark.parametrize(
    ("age_s", "trusted"),
    [(0, True), (60, True), (15 * 60, True), (15 * 60 + 1, False), (-1, False)],
)
def test_a_snapshot_is_trusted_for_fifteen_minutes(age_s: int, trusted: bool) -> None:
    assert TRUST_FOR == dt.timedelta(minutes=15)
    assert is_trusted(SNAPSHOT, 7, "ab12", CONFIRMED + age_s) is trusted


def test_another_user_fingerprint_or_a_deactivated_user_is_never_trusted() -> None:
    assert not is_trusted(SNAPSHOT, 8, "ab12", CONFIRMED)
    assert not is_trusted(SNAPSHOT, 7, "cd34", CONFIRMED)
    assert not is_trusted(dataclasses.replace(SNAPSHOT, active=False), 7, "ab12", CONFIRMED)


def test_a_shorter_window_can_be_chosen() -> None:
    five = dt.timedelta(minutes=5)
    assert is_trusted(SNAPSHOT, 7, "ab12", CONFIRMED + 300, five)
    assert not is_trusted(SNAPSHOT, 7, "ab12", CONFIRMED + 301, five)


def test_the_key_names_user_and_fingerprint() -> None:
    assert snapshot_key(7, "ab12") == "td:auth:user-snapshot:7:ab12"
