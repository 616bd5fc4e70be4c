"""The instruments the simulated broker offers, with realistic prices, pips and spreads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AssetClass = Literal["fx", "metal", "index", "commodity", "crypto", "equity_cfd"]
TradingHours = Literal["fx", "index", "equity_us", "crypto"]


@dataclass(frozen=True)
class Instrument:
    """One tradable symbol. Spreads are in pips; ``annual_vol`` is the yearly volatility."""

    symbol: str
    asset_class: AssetClass
    pip_size: float
    digits: int
    price: float
    spread_pips: float
    min_spread_pips: float
    max_spread_pips: float
    annual_vol: float
    quote_ccy: str
    lot_units: float
    qty_step: float
    hours: TradingHours
    popularity: float


def _fx(symbol: str, pip: float, price: float, spread: float, vol: float, pop: float) -> Instrument:
    digits = 3 if pip == 0.01 else 5
    return Instrument(
        symbol=symbol,
        asset_class="fx",
        pip_size=pip,
        digits=digits,
        price=price,
        spread_pips=spread,
        min_spread_pips=0.1,
        max_spread_pips=spread * 4,
        annual_vol=vol,
        quote_ccy=symbol[3:],
        lot_units=100_000,
        qty_step=1_000,
        hours="fx",
        popularity=pop,
    )


INSTRUMENTS: tuple[Instrument, ...] = (
    # EURUSD: 0.3 pip typical, kept within the 0.1-1.0 pip band seen at LPs.
    Instrument(
        "EURUSD", "fx", 0.0001, 5, 1.0850, 0.3, 0.1, 1.0, 0.07, "USD", 100_000, 1_000, "fx", 20
    ),
    _fx("GBPUSD", 0.0001, 1.2700, 0.5, 0.08, 10),
    _fx("USDJPY", 0.01, 151.20, 0.4, 0.09, 12),
    _fx("USDCHF", 0.0001, 0.8850, 0.6, 0.07, 4),
    _fx("AUDUSD", 0.0001, 0.6550, 0.5, 0.09, 5),
    _fx("USDCAD", 0.0001, 1.3650, 0.6, 0.06, 4),
    _fx("NZDUSD", 0.0001, 0.6050, 0.8, 0.10, 2),
    _fx("EURGBP", 0.0001, 0.8540, 0.7, 0.05, 3),
    _fx("EURJPY", 0.01, 164.10, 0.8, 0.09, 4),
    _fx("GBPJPY", 0.01, 192.00, 1.2, 0.11, 5),
    _fx("AUDJPY", 0.01, 99.00, 1.0, 0.12, 2),
    _fx("EURCHF", 0.0001, 0.9600, 0.9, 0.05, 2),
    Instrument("XAUUSD", "metal", 0.1, 2, 2650.0, 2.0, 1.0, 8.0, 0.15, "USD", 100, 1, "fx", 14),
    Instrument("XAGUSD", "metal", 0.01, 3, 31.20, 2.5, 1.0, 10.0, 0.25, "USD", 5_000, 50, "fx", 3),
    Instrument(
        "USOIL", "commodity", 0.01, 3, 71.50, 3.0, 1.5, 12.0, 0.30, "USD", 1_000, 10, "index", 3
    ),
    Instrument("US500", "index", 0.1, 2, 5900.0, 4.0, 2.0, 20.0, 0.16, "USD", 1, 0.1, "index", 8),
    Instrument(
        "NAS100", "index", 0.1, 2, 20800.0, 10.0, 5.0, 40.0, 0.20, "USD", 1, 0.1, "index", 6
    ),
    Instrument("GER40", "index", 0.1, 2, 19400.0, 10.0, 5.0, 40.0, 0.17, "EUR", 1, 0.1, "index", 3),
    Instrument("UK100", "index", 0.1, 2, 8250.0, 10.0, 5.0, 40.0, 0.14, "GBP", 1, 0.1, "index", 2),
    Instrument(
        "BTCUSD", "crypto", 1.0, 2, 95000.0, 25.0, 8.0, 150.0, 0.55, "USD", 1, 0.001, "crypto", 6
    ),
    Instrument(
        "ETHUSD", "crypto", 0.1, 2, 3400.0, 15.0, 5.0, 80.0, 0.70, "USD", 1, 0.01, "crypto", 3
    ),
    Instrument(
        "AAPL", "equity_cfd", 0.01, 2, 230.0, 3.0, 1.0, 15.0, 0.25, "USD", 100, 1, "equity_us", 2
    ),
    Instrument(
        "TSLA", "equity_cfd", 0.01, 2, 340.0, 6.0, 2.0, 30.0, 0.55, "USD", 100, 1, "equity_us", 2
    ),
)
"""Tuple of 23 symbols: FX majors and crosses (JPY pairs have a 0.01 pip), metals, oil, indices,
two cryptos (open at weekends) and two US equity CFDs."""

BY_SYMBOL: dict[str, Instrument] = {instrument.symbol: instrument for instrument in INSTRUMENTS}

USD_CONVERSION: dict[str, tuple[str, bool]] = {
    "EUR": ("EURUSD", False),
    "GBP": ("GBPUSD", False),
    "JPY": ("USDJPY", True),
    "CHF": ("USDCHF", True),
    "CAD": ("USDCAD", True),
}
"""Currency -> (pair, inverted): USD per unit is the pair's mid, or 1 / mid when inverted."""
