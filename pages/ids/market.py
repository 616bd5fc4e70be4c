"""Component IDs of the Market page (pages/market.py)."""

PREFIX = "market"
WINDOW = f"{PREFIX}-window"
SYMBOL = "market-symbol"
TIMEFRAME = "market-timeframe"

PRICE = "market-price"
VOLATILITY = "market-volatility"
PNL = "market-pnl"

READY = "market-ready"
"""A store set when the main figure is drawn: the figures below it load after it."""
