"""Market charts: candlesticks with moving averages, Bollinger bands, fills, volume and RSI; the
volatility heatmap; cumulative broker P/L per LP. Frames in, plotly figures out."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.charts.theme import DOWN, MUTED, TEMPLATE, UP, colour_map, empty_figure, figure, title
from app.charts.time_axis import label_time_axis, local_times
from app.formatting import zone
from app.metrics.indicators import BOLLINGER_WIDTH, RSI_PERIOD, bollinger_bands, rsi, sma

MOVING_AVERAGES = (20, 50)
WARMUP_BUCKETS = max(*MOVING_AVERAGES, RSI_PERIOD + 1)
"""Candles before the window the indicators need so that they start on its first candle."""


def with_indicators(candles: pd.DataFrame) -> pd.DataFrame:
    """``candles`` plus ``sma20``, ``sma50``, ``bb_upper``, ``bb_middle``, ``bb_lower`` and
    ``rsi`` computed on the closes."""
    out = candles.copy()
    close = out["close"].astype("float64")
    for window in MOVING_AVERAGES:
        out[f"sma{window}"] = sma(close, window)
    bands = bollinger_bands(close)
    out["bb_upper"], out["bb_middle"], out["bb_lower"] = (
        bands["upper"],
        bands["middle"],
        bands["lower"],
    )
    out["rsi"] = rsi(close)
    return out


def price_chart(
    candles: pd.DataFrame,
    fills: pd.DataFrame,
    symbol: str,
    *,
    visible_from: dt.datetime | None = None,
    timezone: str = "UTC",
) -> go.Figure:
    """Candles of ``market.candles`` (indicators computed on every row, then rows before
    ``visible_from`` dropped), fills as ▲ buy / ▼ sell markers, volume bars and RSI(14), on a
    time axis in ``timezone``."""
    heading = title(
        f"{symbol}",
        f"mid candles, SMA 20/50, Bollinger (20, {BOLLINGER_WIDTH:g}σ), ▲▼ client fills",
    )
    data = with_indicators(candles)
    if visible_from is not None and not data.empty:
        data = data[pd.to_datetime(data["bucket"], utc=True) >= pd.Timestamp(visible_from)]
    if data.empty:
        return empty_figure(title=heading, height=640)
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, row_heights=[0.62, 0.18, 0.2], vertical_spacing=0.03
    )
    x = local_times(data["bucket"], timezone)
    fig.add_trace(
        go.Candlestick(
            x=x,
            open=data["open"],
            high=data["high"],
            low=data["low"],
            close=data["close"],
            name=symbol,
            increasing_line_color=UP,
            decreasing_line_color=DOWN,
        ),
        row=1,
        col=1,
    )
    band = {"color": "rgba(100, 116, 139, 0.5)", "width": 1}
    fig.add_trace(go.Scatter(x=x, y=data["bb_upper"], name="BB upper", line=band), row=1, col=1)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=data["bb_lower"],
            name="BB lower",
            line=band,
            fill="tonexty",
            fillcolor="rgba(100, 116, 139, 0.08)",
        ),
        row=1,
        col=1,
    )
    for window, colour in zip(MOVING_AVERAGES, ("#2563eb", "#f59e0b"), strict=True):
        fig.add_trace(
            go.Scatter(x=x, y=data[f"sma{window}"], name=f"SMA {window}", line={"color": colour}),
            row=1,
            col=1,
        )
    _add_fills(fig, fills, timezone)
    fig.add_trace(
        go.Bar(x=x, y=data["volume_usd"], name="Volume (USD)", marker_color="#94a3b8"),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=x, y=data["rsi"], name=f"RSI {RSI_PERIOD}", line={"color": "#8b5cf6"}),
        row=3,
        col=1,
    )
    for level in (30, 70):
        fig.add_hline(y=level, line={"color": MUTED, "width": 1, "dash": "dot"}, row=3, col=1)
    fig.update_layout(template=TEMPLATE, title=heading, height=660, xaxis_rangeslider_visible=False)
    fig.update_yaxes(title_text="mid", row=1, col=1)
    fig.update_yaxes(title_text="USD", tickformat="~s", row=2, col=1)
    fig.update_yaxes(title_text="RSI", range=[0, 100], row=3, col=1)
    return label_time_axis(fig, timezone, "xaxis3")


def _add_fills(fig: go.Figure, fills: pd.DataFrame, timezone: str) -> None:
    for side, marker, colour in (("buy", "triangle-up", UP), ("sell", "triangle-down", DOWN)):
        part = fills[fills["side"] == side] if not fills.empty else fills
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=local_times(part["ts"], timezone),
                y=part["fill_price"],
                mode="markers",
                name=f"Client {side}s",
                marker={"symbol": marker, "size": 7, "color": colour, "opacity": 0.75},
                customdata=part[["lp", "fill_qty"]].to_numpy(),
                hovertemplate="%{x|%H:%M:%S} %{y} · %{customdata[0]} · qty %{customdata[1]:,.0f}"
                f"<extra>{side}</extra>",
            ),
            row=1,
            col=1,
        )


def local_hours(timezone: str, at: dt.datetime) -> tuple[list[int], list[str]]:
    """The UTC hours of day in the order of ``timezone``'s clock at ``at`` (00 local first),
    and their local labels (``09`` or ``05:30`` in a zone off the whole hour)."""
    offset = dt.datetime.fromtimestamp(at.timestamp(), zone(timezone)).utcoffset()
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    local = {h: (h * 60 + minutes) % (24 * 60) for h in range(24)}
    order = sorted(range(24), key=local.__getitem__)
    whole = minutes % 60 == 0
    labels = [
        f"{local[h] // 60:02d}" if whole else f"{local[h] // 60:02d}:{local[h] % 60:02d}"
        for h in order
    ]
    return order, labels


def volatility_heatmap(
    volatility: pd.DataFrame, timezone: str = "UTC", at: dt.datetime | None = None
) -> go.Figure:
    """Symbol × hour of day heatmap of the standard deviation of 1-minute log returns of the
    mid (``market.volatility_by_hour``, by UTC hour), in basis points; the hours are read in
    ``timezone`` with its offset ``at`` that time (now by default)."""
    heading = title("Volatility by hour of day", "std of 1-minute log returns of the mid, bp")
    if volatility.empty:
        return empty_figure(title=heading)
    grid = volatility.assign(bp=volatility["volatility"] * 1e4).pivot(
        index="symbol", columns="hour", values="bp"
    )
    order, labels = local_hours(timezone, at or dt.datetime.now(dt.UTC))
    grid = grid.reindex(columns=order)
    fig = figure(title=heading, height=max(320, 110 + 22 * len(grid)))
    fig.add_trace(
        go.Heatmap(
            z=grid.to_numpy(),
            x=labels,
            y=list(grid.index),
            colorscale="YlOrRd",
            colorbar={"title": {"text": "bp"}, "thickness": 12},
            hovertemplate="%{y} %{x}h: %{z:.2f} bp<extra></extra>",
        )
    )
    fig.update_layout(yaxis={"autorange": "reversed"}, margin={"l": 80})
    fig.update_xaxes(title_text=f"hour ({zone(timezone).key})", type="category")
    return fig


def cumulative_pnl_by_lp(pnl: pd.DataFrame, timezone: str = "UTC") -> go.Figure:
    """One area per LP (each filled to zero, not stacked: P/L can be negative) of the
    cumulative broker P/L in USD (``market.cumulative_pnl_by_lp``); a running total carries
    forward through buckets without trades. Times in ``timezone``."""
    heading = title("Cumulative broker P/L per LP", "USD, positions closed in the window")
    if pnl.empty:
        return empty_figure(title=heading)
    wide = (
        pnl.pivot_table(index="bucket", columns="lp", values="pnl_usd", aggfunc="sum")
        .fillna(0.0)
        .cumsum()
    )
    colours = colour_map(list(wide.columns))
    fig = figure(title=heading, height=380)
    for lp in wide.columns:
        fig.add_trace(
            go.Scatter(
                x=local_times(wide.index, timezone),
                y=wide[lp],
                name=lp,
                mode="lines",
                line={"color": colours[lp], "width": 1.5},
                fill="tozeroy",
                fillcolor=_translucent(colours[lp]),
                hovertemplate="%{x|%d %b %H:%M} %{y:$,.0f}<extra>" + lp + "</extra>",
            )
        )
    fig.update_yaxes(tickprefix="$", tickformat="~s")
    return label_time_axis(fig, timezone)


def _translucent(hex_colour: str, alpha: float = 0.12) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"
