"""Market hours and the intraday activity curve, on float UTC epoch seconds (fast to compute)."""

from __future__ import annotations

from .instruments import TradingHours

_DAY = 86_400.0
_THURSDAY = 3  # 1970-01-01 was a Thursday; Monday is 0 as in datetime.weekday()

# Share of peak activity by UTC hour: Asia quiet, London busy, London/New York overlap busiest,
# the hour around the 21:00-22:00 rollover quietest.
_HOURLY_ACTIVITY = (
    0.30, 0.30, 0.35, 0.35, 0.35, 0.40, 0.50, 0.75,
    0.85, 0.85, 0.80, 0.80, 0.95, 1.00, 1.00, 1.00,
    0.90, 0.75, 0.65, 0.55, 0.45, 0.15, 0.20, 0.25,
)  # fmt: skip


def weekday_and_hour(t: float) -> tuple[int, float]:
    """(weekday, hour of day as a float) of a UTC epoch time; Monday is 0."""
    day, seconds = divmod(t, _DAY)
    return int(day + _THURSDAY) % 7, seconds / 3600.0


def is_open(hours: TradingHours, t: float) -> bool:
    """Whether a market with these hours trades at ``t``: FX from Sunday 22:00 to Friday 22:00 UTC,
    indices the same minus a daily 21:00-22:00 break, US equities 14:30-21:00 on weekdays,
    crypto always."""
    if hours == "crypto":
        return True
    weekday, hour = weekday_and_hour(t)
    if hours == "equity_us":
        return weekday < 5 and 14.5 <= hour < 21.0
    fx_open = not (weekday == 5 or (weekday == 4 and hour >= 22) or (weekday == 6 and hour < 22))
    if hours == "index":
        return fx_open and not 21.0 <= hour < 22.0
    return fx_open


def activity(t: float, hours: TradingHours = "fx") -> float:
    """Relative trading activity (0-1] at ``t``; crypto is flatter and open at weekends."""
    weekday, hour = weekday_and_hour(t)
    base = _HOURLY_ACTIVITY[int(hour)]
    if hours == "crypto":
        return (0.35 if weekday >= 5 else 0.45) + 0.3 * base
    return base
