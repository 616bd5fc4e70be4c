"""The state machine of one alert instance, as a pure function of the previous state, the
rule's verdict at ``now`` and the rule's timings (Grafana's model).

``Normal → Pending → Firing → Recovering → Normal``, plus ``NoData`` and ``Error``:

- a breach starts ``Pending``; it fires once it has lasted ``pending_s`` (0: at once);
- a clear while ``Pending`` goes back to ``Normal`` (the pending period starts over);
- a clear while ``Firing`` starts ``Recovering``; the alert resolves once the condition has
  stayed clear for ``keep_firing_s`` (0: at once); a breach or a *hold* (between the threshold
  and the recovery threshold: hysteresis) while ``Recovering`` goes back to ``Firing`` without
  a new alert;
- no data for ``no_data_s`` (0: never) moves to ``NoData``; a failed evaluation to ``Error``.
  Neither resolves an open alert: the desk is told the data stopped, not that all is well, and
  the alert resolves only when data returns and clears.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace


class Verdict(enum.Enum):
    """What a rule says about an instance at one evaluation."""

    BREACH = "breach"
    """The condition holds."""
    HOLD = "hold"
    """Between the threshold and the recovery threshold: neither breach nor clear."""
    CLEAR = "clear"
    """The condition does not hold (past the recovery threshold, if any)."""
    NODATA = "nodata"
    ERROR = "error"


NORMAL, PENDING, FIRING, RECOVERING, NODATA, ERROR = (
    "normal",
    "pending",
    "firing",
    "recovering",
    "nodata",
    "error",
)


@dataclass(frozen=True)
class Timings:
    """The timing fields of a rule that the state machine needs."""

    pending_s: int = 0
    keep_firing_s: int = 0
    no_data_s: int = 0


@dataclass(frozen=True)
class InstanceState:
    """Where one alert instance is, and since when."""

    state: str = NORMAL
    since: dt.datetime | None = None
    pending_since: dt.datetime | None = None
    recovering_since: dt.datetime | None = None
    last_data_at: dt.datetime | None = None
    alert_open: bool = False
    """An alert (a firing episode) is open for this instance."""


@dataclass(frozen=True)
class Step:
    """The outcome of one evaluation: the new state and what happened to the alert."""

    state: InstanceState
    changed: bool
    fired: bool = False
    """A new alert opened (notify "firing")."""
    resolved: bool = False
    """The open alert closed (notify "resolved")."""


def _to(previous: InstanceState, now: dt.datetime, state: str, **changes: object) -> InstanceState:
    since = previous.since if previous.state == state else now
    return replace(previous, state=state, since=since, **changes)  # type: ignore[arg-type]


def advance(previous: InstanceState, verdict: Verdict, now: dt.datetime, timings: Timings) -> Step:
    """The state after ``verdict`` at ``now``."""
    if verdict is Verdict.ERROR:
        new = _to(previous, now, ERROR, pending_since=None, recovering_since=None)
        return Step(new, new.state != previous.state)
    if verdict is Verdict.NODATA:
        return _no_data(previous, now, timings)
    with_data = replace(previous, last_data_at=now)
    base = with_data.state
    if base in (NODATA, ERROR):
        base = FIRING if previous.alert_open else NORMAL
        with_data = replace(with_data, state=base)
    new, fired, resolved = _with_data(with_data, base, verdict, now, timings)
    if previous.state in (NODATA, ERROR) and new.state == base:
        new = replace(new, since=now)
    return Step(new, new.state != previous.state, fired, resolved)


def _no_data(previous: InstanceState, now: dt.datetime, timings: Timings) -> Step:
    if previous.state == NODATA or timings.no_data_s <= 0:
        return Step(previous, False)
    # counted from the last data, or from when the instance was first seen without any
    last = previous.last_data_at or previous.since
    if last is None:
        return Step(replace(previous, since=now), False)
    if (now - last).total_seconds() < timings.no_data_s:
        return Step(previous, False)
    new = _to(previous, now, NODATA, pending_since=None, recovering_since=None)
    return Step(new, True)


def _with_data(
    state: InstanceState, base: str, verdict: Verdict, now: dt.datetime, timings: Timings
) -> tuple[InstanceState, bool, bool]:
    breach = verdict is Verdict.BREACH
    if base in (NORMAL, PENDING):
        if not breach:
            return _to(state, now, NORMAL, pending_since=None), False, False
        started = state.pending_since or now
        if (now - started).total_seconds() >= timings.pending_s:
            opened = _to(state, now, FIRING, pending_since=None, alert_open=True)
            return opened, True, False
        return _to(state, now, PENDING, pending_since=started), False, False
    # FIRING or RECOVERING: an alert is open
    if verdict is not Verdict.CLEAR:
        return _to(state, now, FIRING, recovering_since=None), False, False
    started = state.recovering_since or now
    if (now - started).total_seconds() >= timings.keep_firing_s:
        closed = _to(state, now, NORMAL, recovering_since=None, alert_open=False)
        return closed, False, True
    return _to(state, now, RECOVERING, recovering_since=started), False, False
