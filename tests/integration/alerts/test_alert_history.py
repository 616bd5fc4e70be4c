"""Predictive rules read their minute history from one frame per source table and scope: the
same values as reading it rule by rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from app.alerts.engine import Fetcher, load_active_rules
from app.alerts.sources import series

from .conftest import committing, insert_rollups, make_rule, rollup

pytestmark = pytest.mark.integration


def test_shared_lookback_frames_give_the_rule_by_rule_series(session: Session) -> None:
    now = dt.datetime.now(dt.UTC).replace(second=20, microsecond=0)
    minute = now.replace(second=0)
    specs = [
        {"metric": "reject_rate", "lookback_s": 600, "window_s": 60},
        {"metric": "latency_ms", "lookback_s": 1800, "window_s": 90},
        {"metric": "attempts", "lookback_s": 900, "window_s": 300},
    ]
    with committing(session):
        for number, spec in enumerate(specs):
            make_rule(
                session,
                name=f"trend {number}",
                type="predictive",
                spec={**spec, "operator": ">", "value": 90},
            )
        insert_rollups(
            session.connection(),
            [
                rollup(minute - dt.timedelta(minutes=m), lp=lp, attempts=10 + m, rejects=m % 7)
                for m in range(45)
                for lp in ("LP1", "LP2")
            ],
        )
    rules = load_active_rules(session)
    fetcher = Fetcher()
    frames = fetcher.lookback_frames(session, rules, now)
    assert len(frames) == 1  # one read of exec_rollup_1m per LP for the three rules
    for rule in rules:
        spec = rule.definition.spec
        shared = fetcher.history(session, rule.definition, now, frames)
        end = minute
        start = end - dt.timedelta(seconds=spec.lookback_s)  # type: ignore[union-attr]
        alone = series(
            session.connection(),
            spec.metric,
            "lp",
            spec.window_s,
            start,
            end,  # type: ignore[union-attr]
        )
        assert shared is not None and len(alone) == spec.lookback_s // 60 + 1  # type: ignore[union-attr]
        pd.testing.assert_frame_equal(shared, alone)
    # within the same minute the histories are kept: nothing more to read
    assert fetcher.lookback_frames(session, rules, now + dt.timedelta(seconds=30)) == {}
