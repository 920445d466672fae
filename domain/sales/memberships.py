"""Memberships: a customer holds at most one current membership of a scheme.

Buying a scheme again inside the renewal window renews it (the new term starts when the
current one ends); earlier than that it is a conflict. A membership stays current through
its grace period after it ends.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.errors import Conflict
from domain.sales.catalogue import MembershipScheme


class MembershipStatus(StrEnum):
    UPCOMING = "UPCOMING"
    CURRENT = "CURRENT"
    LAPSED = "LAPSED"


@dataclass
class Membership:
    customer_id: int
    scheme_id: int
    starts_on: date
    ends_on: date
    auto_renew: bool = False
    order_item_id: int | None = None
    id: int | None = None

    def status(
        self, today: date, grace_period_days: int, renewed: bool = False
    ) -> MembershipStatus:
        """`renewed`: a later term of the scheme follows this one. It then has no grace
        period, since its successor is current from the day after it ends."""
        grace = 0 if renewed else grace_period_days
        if today < self.starts_on:
            return MembershipStatus.UPCOMING
        if today <= self.ends_on + timedelta(days=grace):
            return MembershipStatus.CURRENT
        return MembershipStatus.LAPSED


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_term(
    scheme: MembershipScheme, latest: Membership | None, today: date
) -> tuple[date, date]:
    """The dates of a membership bought today, given the customer's latest of the scheme."""
    starts_on = today
    if (
        latest is not None
        and latest.status(today, scheme.grace_period_days) is not MembershipStatus.LAPSED
    ):
        opens = latest.ends_on - timedelta(days=scheme.renewal_window_days)
        if today < opens:
            raise Conflict(
                f"The customer is already a current member of {scheme.name} until "
                f"{latest.ends_on.isoformat()}; renewal opens on {opens.isoformat()}.",
                ("items",),
            )
        starts_on = latest.ends_on + timedelta(days=1)
    return starts_on, add_months(starts_on, scheme.length_months) - timedelta(days=1)
