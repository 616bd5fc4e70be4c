"""A signed-in user's own preferences (timezone, reporting currency, display name, theme,
default filters, overview cards), their saved views, and their password.

Validation returns a message per field, so the settings page can show each one next to its
input; the writes go through :func:`app.auth.users.update_user` or are audited here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.auth.passwords import password_problem, verify_password
from app.auth.users import update_user
from app.db.models.auth import User
from app.db.models.views import SavedView
from app.filter_state import parse_query_string, to_query

REPORTING_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD")
"""The currencies a user may report in (the desk's majors)."""

MAX_DISPLAY_NAME_LENGTH = 80
THEMES = ("light", "dark")
OVERVIEW_CARD_TITLES = {
    "orders_rate": "Orders / s",
    "ab_split": "A / B split",
    "fill_ratio": "Fill ratio",
    "reject_rate": "Reject rate",
    "latency_p99": "Latency p99",
    "exposure": "Net exposure",
    "pnl_today": "Broker P/L today",
}
"""Every KPI card the overview can show, with its title, in the default order."""
OVERVIEW_CARDS = tuple(OVERVIEW_CARD_TITLES)
MAX_VIEW_NAME_LENGTH = 60
MAX_VIEWS = 100


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


@dataclass(frozen=True)
class UiPreferences:
    """How the web app looks to a user: stored as ``users.ui_preferences`` (JSON)."""

    theme: str = "light"
    default_filters: str = ""
    """A filter query string (``window=1h&books=B``) applied when a link sets no filter."""
    overview_cards: tuple[str, ...] = field(default=OVERVIEW_CARDS)
    """The overview's KPI cards, in the order shown."""


def ui_preferences(user: User) -> UiPreferences:
    """``user``'s stored look, every unknown or invalid part replaced by its default."""
    stored: dict[str, Any] = user.ui_preferences or {}
    theme = stored.get("theme")
    cards = stored.get("overview_cards")
    filters = stored.get("default_filters")
    known_cards: tuple[str, ...] = OVERVIEW_CARDS
    if isinstance(cards, list):
        known_cards = tuple(dict.fromkeys(c for c in cards if c in OVERVIEW_CARDS))
    return UiPreferences(
        theme=theme if theme in THEMES else "light",
        default_filters=to_query(parse_query_string(filters)[0])
        if isinstance(filters, str)
        else "",
        overview_cards=known_cards,
    )


def overview_cards_problem(cards: list[str]) -> str | None:
    """Why ``cards`` cannot be the overview's cards, or None when they can."""
    unknown = [card for card in cards if card not in OVERVIEW_CARDS]
    if unknown:
        return f"Unknown card(s): {', '.join(unknown)}."
    if not cards:
        return "Choose at least one card."
    return None


def save_ui_preferences(
    session: Session, actor: Actor, user: User, preferences: UiPreferences
) -> User:
    """Store ``preferences`` on ``user`` (the caller commits); raises ValueError if invalid."""
    if preferences.theme not in THEMES:
        raise ValueError(f"Unknown theme {preferences.theme!r}.")
    problem = overview_cards_problem(list(preferences.overview_cards))
    if problem:
        raise ValueError(problem)
    filters, notices = parse_query_string(preferences.default_filters)
    if notices:
        raise ValueError(" ".join(notices))
    stored = {
        "theme": preferences.theme,
        "default_filters": to_query(filters),
        "overview_cards": list(dict.fromkeys(preferences.overview_cards)),
    }
    if stored != user.ui_preferences:
        user.ui_preferences = stored
        session.flush()
        record(session, actor, "user.ui_preferences", user.email, stored)
    return user


def view_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be saved as a view (only this app's own page paths), or None."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or url.startswith("//"):
        return "A view is a page of this app, like /exposure?window=1h."
    if len(url) > 2000:
        return "That link is too long to save."
    return None


def view_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a saved view, or None when it can."""
    cleaned = name.strip()
    if not cleaned:
        return "Name the view."
    if len(cleaned) > MAX_VIEW_NAME_LENGTH:
        return f"Use at most {MAX_VIEW_NAME_LENGTH} characters."
    return None


def saved_views(session: Session, user_id: int) -> list[SavedView]:
    """``user_id``'s saved views, by name."""
    query = select(SavedView).where(SavedView.user_id == user_id).order_by(SavedView.name)
    return list(session.scalars(query))


def save_view(session: Session, actor: Actor, user: User, name: str, url: str) -> SavedView:
    """Save (or overwrite, by name) one of ``user``'s views; raises ValueError if invalid."""
    problem = view_name_problem(name) or view_url_problem(url)
    if problem:
        raise ValueError(problem)
    name = name.strip()
    view = session.scalar(
        select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name)
    )
    if view is None:
        if len(saved_views(session, user.id)) >= MAX_VIEWS:
            raise ValueError(f"You have {MAX_VIEWS} saved views: delete one first.")
        view = SavedView(user_id=user.id, name=name, url=url)
        session.add(view)
    else:
        view.url = url
    session.flush()
    record(session, actor, "view.save", user.email, {"name": name, "url": url})
    return view


def delete_view(session: Session, actor: Actor, user: User, view_id: int) -> bool:
    """Delete one of ``user``'s own views; False when it is not theirs or does not exist."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        return False
    session.delete(view)
    session.flush()
    record(session, actor, "view.delete", user.email, {"name": view.name, "url": view.url})
    return True
