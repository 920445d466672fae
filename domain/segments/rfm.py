"""Recency, frequency and monetary bands: the classic RFM scoring of audience development.

Each customer with orders gets three bands from 1 to 5, 5 the best: recency from the days
since their last order, frequency from their number of orders, monetary from what they spent
(kept items, minor units). Four ascending edges per measure divide the five bands; the
organisation may set its own, and these are the defaults. A customer with no orders has no
band (NONE in a breakdown).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from domain.errors import ProblemCollector

EDGES = 4


@dataclass(frozen=True)
class RfmBands:
    # Band 5: last order at most 30 days ago; 4: at most 90; 3: 180; 2: 365; 1: longer.
    recency_days: tuple[int, ...] = (30, 90, 180, 365)
    # Band 1: fewer than 2 orders; 2: fewer than 3; 3: fewer than 5; 4: fewer than 10; 5: more.
    frequency_orders: tuple[int, ...] = (2, 3, 5, 10)
    # Band 1: spent less than 50.00; 2: 100.00; 3: 250.00; 4: 500.00; 5: that or more.
    monetary_minor: tuple[int, ...] = (5000, 10000, 25000, 50000)

    def recency_band(self, days_since: int) -> int:
        return 5 - sum(1 for edge in self.recency_days if days_since > edge)

    def frequency_band(self, orders: int) -> int:
        return 1 + sum(1 for edge in self.frequency_orders if orders >= edge)

    def monetary_band(self, spent: int) -> int:
        return 1 + sum(1 for edge in self.monetary_minor if spent >= edge)


def check_bands(bands: RfmBands) -> RfmBands:
    """InvalidInput unless each measure has four strictly ascending edges of zero or more."""
    problems = ProblemCollector()
    for name, edges in (
        ("recencyDays", bands.recency_days),
        ("frequencyOrders", bands.frequency_orders),
        ("monetary", bands.monetary_minor),
    ):
        if len(edges) != EDGES:
            problems.add(("bands", name), f"Give exactly {EDGES} edges (five bands).")
        elif any(e < 0 or e >= 2**62 for e in edges):
            problems.add(("bands", name), "Edges are zero or more.")
        elif any(a >= b for a, b in pairwise(edges)):
            problems.add(("bands", name), "Edges must be strictly ascending.")
    problems.raise_if_any()
    return bands
