"""One colour per book, LP and severity, whatever chart and whichever LPs are on screen."""

from __future__ import annotations

import pandas as pd
import pytest

from app.charts import palette, theme
from app.charts.execution import volume_by_hour
from app.charts.routing import reject_rate_lines

pytestmark = pytest.mark.unit

DEMO_LPS = ["LP_ALPHA", "LP_BRAVO", "LP_CHARLIE", "LP_DELTA", "LP_ECHO", "LP_FOXTROT", "LP_GOLF"]


def test_an_lp_keeps_its_colour_whichever_lps_are_shown() -> None:
    alone = palette.lp_colours(["LP_GOLF"])
    together = palette.lp_colours(DEMO_LPS)
    assert alone["LP_GOLF"] == together["LP_GOLF"] == palette.lp_colour("LP_GOLF")
    assert theme.colour_map(["LP_GOLF", "LP_ALPHA"]) == {
        "LP_GOLF": together["LP_GOLF"],
        "LP_ALPHA": together["LP_ALPHA"],
    }
    assert len(set(together.values())) == len(DEMO_LPS)  # the demo's LPs are all told apart
    assert palette.lp_colour("LP_NEVER_SEEN") in palette.LP_COLOURS
    assert not set(palette.LP_COLOURS) & set(palette.BOOK.values())
    assert palette.lp_colour("INTERNAL") == palette.BOOK["B"]


def test_books_and_severities_have_fixed_colours() -> None:
    assert palette.book_colour("A") == "#2563eb"
    assert palette.book_colour("B") == "#f59e0b"
    assert palette.severity_colour("critical") == "#dc2626"
    assert palette.severity_colour("bogus") == palette.UNKNOWN


def test_charts_take_their_colours_from_the_palette() -> None:
    hours = pd.to_datetime(["2026-11-24 10:00", "2026-11-24 10:00"], utc=True)
    volume = pd.DataFrame(
        {"hour": hours, "book": ["A", "B"], "notional_usd": [1.0, 2.0], "fills": [1, 2]}
    )
    bars = {trace.name: trace.marker.color for trace in volume_by_hour(volume).data}
    assert bars == {"A-book": palette.BOOK["A"], "B-book": palette.BOOK["B"]}
    series = pd.DataFrame(
        {
            "bucket": hours,
            "lp": ["LP_GOLF", "LP_ALPHA"],
            "reject_rate": [0.1, 0.2],
            "rejects": [1, 2],
            "attempts": [10, 10],
        }  # fmt: skip
    )
    lines = {trace.name: trace.line.color for trace in reject_rate_lines(series).data}
    assert lines == {
        "LP_GOLF": palette.lp_colour("LP_GOLF"),
        "LP_ALPHA": palette.lp_colour("LP_ALPHA"),
    }


def test_the_dark_theme_replaces_only_the_template() -> None:
    figure = theme.empty_figure("nothing").to_plotly_json()
    answer = {"response": {"g": {"figure": figure}}, "other": [{"layout": "x"}]}
    dark = theme.restyle(answer, "dark")
    template = dark["response"]["g"]["figure"]["layout"]["template"]
    assert template["layout"]["paper_bgcolor"] == theme.DARK_PAPER
    assert dark["response"]["g"]["figure"]["data"] == figure["data"]
    assert dark["other"] == [{"layout": "x"}]
    assert theme.restyle({"a": 1}, "light") == {"a": 1}
