"""A signed-in user's own preferences (timezone, reporting currency, display name) and password.

Validation returns a message per field, so the settings page can show each one next to its
input; the writes go through :func:`app.auth.users.update_user` or are audited here.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.auth.passwords import password_problem, verify_password
from app.auth.users import update_user
from app.db.models.auth import User

REPORTING_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD")
"""The currencies a user may report in (the desk's majors)."""

MAX_DISPLAY_NAME_LENGTH = 80


@dataclass(frozen=True)
class Preferences:
    """What a user may change about themselves, as the settings form submits it."""

    display_name: str
    timezone: str
    reporting_currency: str


def timezone_names() -> list[str]:
    """Every IANA timezone name this system knows, sorted (for the picker)."""
    return sorted(available_timezones())


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable IANA timezone, or None when it is."""
    if not name or name != name.strip():
        return "Choose a timezone, like Europe/London or UTC."
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"Unknown timezone {name!r}: use an IANA name such as Asia/Tokyo."
    return None


def currency_problem(code: str) -> str | None:
    """Why ``code`` is not one of :data:`REPORTING_CURRENCIES`, or None when it is."""
    if code not in REPORTING_CURRENCIES:
        return f"Choose one of {', '.join(REPORTING_CURRENCIES)}."
    return None


def display_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be shown as a user's name, or None when it can."""
    cleaned = name.strip()
    if not cleaned:
        return "Enter the name to show for you."
    if len(cleaned) > MAX_DISPLAY_NAME_LENGTH:
        return f"Use at most {MAX_DISPLAY_NAME_LENGTH} characters."
    return None


def preference_problems(preferences: Preferences) -> dict[str, str]:
    """Field name → message for every invalid field of ``preferences`` (empty when valid)."""
    checks = {
        "display_name": display_name_problem(preferences.display_name),
        "timezone": timezone_problem(preferences.timezone),
        "reporting_currency": currency_problem(preferences.reporting_currency),
    }
    return {field: message for field, message in checks.items() if message}


def save_preferences(session: Session, actor: Actor, user: User, preferences: Preferences) -> User:
    """Store valid ``preferences`` on ``user`` (the caller commits); raises ValueError if not."""
    problems = preference_problems(preferences)
    if problems:
        raise ValueError("; ".join(problems.values()))
    changed: dict[str, object] = {}
    if preferences.timezone != user.timezone:
        user.timezone = changed["timezone"] = preferences.timezone
    if preferences.reporting_currency != user.reporting_currency:
        user.reporting_currency = changed["reporting_currency"] = preferences.reporting_currency
    if changed:
        session.flush()
        record(session, actor, "user.settings", user.email, changed)
    name = preferences.display_name.strip()
    if name != user.display_name:
        update_user(session, actor, user, display_name=name)
    return user


def password_change_problems(user: User, current: str, new: str, confirm: str) -> dict[str, str]:
    """Field name → message for a password change by ``user`` themselves (empty when valid)."""
    problems: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        problems["current"] = "That is not your current password."
    policy = password_problem(new)
    if policy:
        problems["new"] = policy[0].upper() + policy[1:] + "."
    elif new == current:
        problems["new"] = "Choose a password different from the current one."
    if new != confirm:
        problems["confirm"] = "The two new passwords differ."
    return problems


def change_own_password(
    session: Session, actor: Actor, user: User, current: str, new: str, confirm: str
) -> User:
    """Replace ``user``'s password after checking the current one (the caller commits).

    Raises ValueError when :func:`password_change_problems` finds any problem.
    """
    problems = password_change_problems(user, current, new, confirm)
    if problems:
        raise ValueError("; ".join(problems.values()))
    return update_user(session, actor, user, password=new)
