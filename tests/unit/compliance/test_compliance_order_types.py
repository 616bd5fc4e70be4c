"""Rule 606 order categories and passive/aggressive."""

from __future__ import annotations

import pandas as pd
import pytest

from app.compliance.order_types import categories, is_passive

pytestmark = pytest.mark.unit


def test_categories_from_type_side_and_arrival_prices() -> None:
    orders = pd.DataFrame(
        [
            ("market", "buy", None),
            ("limit", "buy", 1.0002),  # at the ask: marketable
            ("limit", "buy", 1.0001),  # below the ask: rests
            ("limit", "sell", 1.0000),  # at the bid: marketable
            ("limit", "sell", 1.0001),  # above the bid: rests
            ("stop", "sell", 0.99),
        ],
        columns=["order_type", "side", "limit_price"],
    )
    orders["arrival_bid"], orders["arrival_ask"] = 1.0000, 1.0002
    assert categories(orders).tolist() == [
        "market",
        "marketable_limit",
        "non_marketable_limit",
        "marketable_limit",
        "non_marketable_limit",
        "other",
    ]
    assert is_passive(orders).tolist() == [False, False, True, False, True, False]
