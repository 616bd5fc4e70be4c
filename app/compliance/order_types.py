"""How an order counts in the regulatory reports: its Rule 606 category and RTS 28 aggressiveness.

The engine's events carry the order type and the composite top of book at arrival, but no
passive/aggressive or directed flag, so (see docs/compliance.md):

- ``market`` orders are *market*; ``stop`` orders are *other* (they become market orders when
  triggered); a ``limit`` order is *marketable* when it could execute on arrival (a buy limit
  at or above the arrival ask, a sell limit at or below the arrival bid), else *non-marketable*.
- An order is *passive* when it is a non-marketable limit order (it waits and provides
  liquidity); every other order is *aggressive*.
- A CFD client cannot choose the venue: no order is *directed*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MARKET = "market"
MARKETABLE_LIMIT = "marketable_limit"
NON_MARKETABLE_LIMIT = "non_marketable_limit"
OTHER = "other"
CATEGORIES = (MARKET, MARKETABLE_LIMIT, NON_MARKETABLE_LIMIT, OTHER)


def categories(orders: pd.DataFrame) -> pd.Series:
    """The Rule 606 category of each order row (``order_type``, ``side``, ``limit_price``,
    ``arrival_bid``, ``arrival_ask``)."""
    limit = orders["limit_price"].astype(float)
    buy = orders["side"] == "buy"
    marketable = np.where(
        buy, limit >= orders["arrival_ask"].astype(float), limit <= orders["arrival_bid"]
    )
    kind = np.select(
        [
            orders["order_type"] == "market",
            (orders["order_type"] == "limit") & marketable,
            orders["order_type"] == "limit",
        ],
        [MARKET, MARKETABLE_LIMIT, NON_MARKETABLE_LIMIT],
        default=OTHER,
    )
    return pd.Series(kind, index=orders.index, dtype=object)


def is_passive(orders: pd.DataFrame) -> pd.Series:
    """True for orders that provide liquidity (non-marketable limit orders)."""
    return categories(orders) == NON_MARKETABLE_LIMIT


def is_directed(orders: pd.DataFrame) -> pd.Series:
    """Whether the client directed the order to a venue: never, for the engine's CFD flow."""
    return pd.Series(False, index=orders.index)
