"""Pledges: a promise of an amount, paid in instalments.

What has been given is always the sum of payments actually received; statuses are derived
from it and from the dates, never stored as a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.calendar import check_day
from domain.errors import ProblemCollector
from domain.money import check_amount
from domain.sales.memberships import add_months


class PledgeStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class InstalmentStatus(StrEnum):
    PENDING = "PENDING"
    OVERDUE = "OVERDUE"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


@dataclass
class Instalment:
    amount: int
    due_on: date
    given: int = 0
    cancelled: bool = False
    id: int | None = None

    @property
    def outstanding(self) -> int:
        return 0 if self.cancelled else self.amount - self.given

    def status(self, today: date) -> InstalmentStatus:
        if self.given >= self.amount:
            return InstalmentStatus.PAID
        if self.cancelled:
            return InstalmentStatus.CANCELLED
        return InstalmentStatus.OVERDUE if self.due_on < today else InstalmentStatus.PENDING


@dataclass
class Pledge:
    customer_id: int
    amount: int
    fund_id: int
    instalments: list[Instalment] = field(default_factory=list)
    campaign_id: int | None = None
    opportunity_id: int | None = None
    cancelled: bool = False
    id: int | None = None

    @property
    def given(self) -> int:
        return sum(i.given for i in self.instalments)

    @property
    def outstanding(self) -> int:
        """Still pledged: promised and neither given nor cancelled."""
        return 0 if self.cancelled else self.amount - self.given

    @property
    def status(self) -> PledgeStatus:
        if self.given >= self.amount:
            return PledgeStatus.COMPLETED
        if self.cancelled:
            return PledgeStatus.CANCELLED
        return PledgeStatus.IN_PROGRESS if self.given else PledgeStatus.PENDING


@dataclass(frozen=True)
class ScheduledInstalment:
    amount: int
    due_on: date


def equal_split(
    amount: int, count: int, first_due: date, every_months: int = 1
) -> list[ScheduledInstalment]:
    """`count` instalments adding up to `amount` exactly: the odd pence go on the first
    ones, so no instalment differs from another by more than one minor unit."""
    base, remainder = divmod(amount, count)
    return [
        ScheduledInstalment(
            base + (1 if n < remainder else 0), add_months(first_due, n * every_months)
        )
        for n in range(count)
    ]


def check_schedule(
    problems: ProblemCollector,
    schedule: list[ScheduledInstalment],
    must_total: int,
    field: str = "instalments",
) -> None:
    if not schedule:
        problems.add((field,), "A schedule needs at least one instalment.")
    if len(schedule) > 120:
        problems.add((field,), "At most 120 instalments.")
    for n, instalment in enumerate(schedule):
        check_amount(problems, (field, str(n), "amount"), instalment.amount, positive=True)
        check_day(problems, (field, str(n), "dueOn"), instalment.due_on)
    total = sum(i.amount for i in schedule)
    if schedule and total != must_total:
        problems.add((field,), f"The instalments add up to {total}, not {must_total}.")
