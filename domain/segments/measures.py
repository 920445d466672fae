"""The standard audience measures, for a year with the year before beside it.

- Donor retention: of the donors of the year before, those who gave again in the year.
- Membership renewal: of the memberships ending in the year, those renewed (a later term of
  the same scheme for the same customer follows).
- Rebooking: of the customers whose first booking (order with a ticket) fell in the year,
  those who booked again within twelve months (365 days) of it.
- Average gift: donations kept, given in the year.
- Email opt-in: customers whose latest answer to some email preference in use, at the end of
  the year (or now, for the year under way), is GRANTED.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int

    @property
    def rate(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class AverageGift:
    total: int
    gifts: int

    @property
    def average(self) -> int | None:
        """Minor units, rounded half up; None with no gifts."""
        return (2 * self.total + self.gifts) // (2 * self.gifts) if self.gifts else None


@dataclass(frozen=True)
class YearMeasures:
    year: int
    donor_retention: Rate
    membership_renewal: Rate
    rebooking: Rate
    average_gift: AverageGift
    email_opt_in: int


@dataclass(frozen=True)
class Measures:
    year: YearMeasures
    year_before: YearMeasures
