"""How a segment is broken down: one bucket per customer, so the buckets add up to its
count. A customer with nothing to put them in a bucket (no postcode, no orders, no current
membership) is in NONE."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NONE = "NONE"


class BreakdownBy(StrEnum):
    # The letters the primary address's postcode starts with (a UK postcode area: "SW").
    POSTCODE_AREA = "POSTCODE_AREA"
    CUSTOMER_KIND = "CUSTOMER_KIND"
    # The scheme of the current membership ending last.
    MEMBERSHIP_SCHEME = "MEMBERSHIP_SCHEME"
    RECENCY_BAND = "RECENCY_BAND"
    FREQUENCY_BAND = "FREQUENCY_BAND"
    MONETARY_BAND = "MONETARY_BAND"
    # The year of the first order holding a ticket.
    FIRST_BOOKING_YEAR = "FIRST_BOOKING_YEAR"
    # GRANTED, WITHDRAWN or NEVER_ASKED: for one preference, or for email (granted when
    # some email preference in use is, withdrawn when answered but none is).
    CONSENT_STATE = "CONSENT_STATE"


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    customers: int
    # What the bucket's customers spent on items they kept, minor units.
    spent: int


def ordered(by: BreakdownBy, buckets: list[Bucket]) -> list[Bucket]:
    """Bands best first, years and areas in order, NONE last."""
    descending = by in (
        BreakdownBy.RECENCY_BAND,
        BreakdownBy.FREQUENCY_BAND,
        BreakdownBy.MONETARY_BAND,
    )
    named = sorted((b for b in buckets if b.key != NONE), key=lambda b: b.key, reverse=descending)
    return named + [b for b in buckets if b.key == NONE]
