"""The arithmetic of pledges, property-based over the domain: schedules always add up, what
is given is the sum of payments, statuses follow the money, and nothing is lost or counted
twice through payments, reschedules and cancellation. (The opportunity figures themselves
are computed in SQL and checked against the database in
tests/integration/test_fundraising_properties.py.)"""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import UserFacingError
from domain.fundraising.pledges import Pledge, PledgeStatus, ScheduledInstalment, equal_split
from domain.fundraising.pledging import (
    PayInstalment,
    RecordPledge,
    cancel_pledge,
    pay_instalment,
    record_pledge,
    reschedule_pledge,
)
from domain.fundraising.reminders import ReminderPolicy
from domain.sales.catalogue import Fund
from domain.sales.orders import ItemKind
from tests.unit.fakes import FakeUnitOfWork

FIRST_DUE = date(2027, 1, 31)


@given(
    amount=st.integers(1, 10**9),
    count=st.integers(1, 120),
    every=st.integers(1, 12),
)
def test_an_equal_split_adds_up_differs_by_at_most_a_penny_and_moves_forward(
    amount: int, count: int, every: int
) -> None:
    schedule = equal_split(amount, count, FIRST_DUE, every)

    amounts = [s.amount for s in schedule]
    assert len(schedule) == count and sum(amounts) == amount
    assert max(amounts) - min(amounts) <= 1
    assert all(a.due_on < b.due_on for a, b in itertools.pairwise(schedule))


@given(
    due_in=st.integers(-30, 120),
    first=st.integers(0, 90),
    every=st.integers(1, 90),
    most=st.integers(0, 10),
)
def test_a_reminder_is_never_after_the_due_date_nor_beyond_the_maximum(
    due_in: int, first: int, every: int, most: int
) -> None:
    today = date(2026, 11, 24)
    policy = ReminderPolicy(first, every, most)

    number = policy.due_number(today + timedelta(days=due_in), today)

    if number is not None:
        assert 0 <= due_in <= first and 1 <= number <= most
        assert policy.dates(today + timedelta(days=due_in))[number - 1] <= today


# (what, a, b): pay instalment a (modulo their number) b% of what it still wants (over 100:
# too much); reschedule what is left into a equal parts (b over 100: one penny too many);
# cancel.
steps = st.lists(
    st.tuples(
        st.sampled_from(["pay", "pay", "pay", "reschedule", "reschedule", "cancel"]),
        st.integers(1, 4),
        st.integers(1, 120),
    ),
    max_size=12,
)


@given(amount=st.integers(6, 20_000), count=st.integers(1, 6), taken=steps)
def test_payments_reschedules_and_cancelling_never_lose_or_double_count_money(
    amount: int, count: int, taken: list[tuple[str, int, int]]
) -> None:
    async def scenario() -> None:
        uow = FakeUnitOfWork()
        fund = Fund("Annual Fund", "ANNUAL")
        await uow.funds.add(fund)
        donor = await uow.person("Giver")
        command = RecordPledge(
            donor, amount, fund.id or 0, equal_instalments=count, first_due_on=FIRST_DUE
        )
        pledge = await record_pledge(uow, command)
        paid = 0

        for step in taken:
            if _refused(pledge, step):
                with pytest.raises(UserFacingError):
                    await _take(uow, pledge.id or 0, step)
            else:
                paid += await _take(uow, pledge.id or 0, step)
            pledge = await uow.pledges.get(pledge.id)
            _check(pledge, paid)

        donations = [i for o in uow.orders.rows.values() for i in o.items]
        assert all(i.kind is ItemKind.DONATION for i in donations)
        assert sum(i.price for i in donations) == paid == pledge.given

    asyncio.run(scenario())


def _amount(pledge: Pledge, a: int, b: int) -> tuple[int, int]:
    """The instalment a step pays and how much."""
    instalment = pledge.instalments[a % len(pledge.instalments)]
    wanted = instalment.amount - instalment.given
    return instalment.id or 0, wanted + b - 100 if b > 100 else max(1, wanted * b // 100)


def _schedule(pledge: Pledge, a: int, b: int) -> list[ScheduledInstalment]:
    left = pledge.amount - sum(i.amount for i in pledge.instalments if i.given)
    split = equal_split(left, a, FIRST_DUE) if left > 0 else []
    return [*split, ScheduledInstalment(1, FIRST_DUE)] if b > 100 else split


async def _take(uow: FakeUnitOfWork, pledge_id: int, step: tuple[str, int, int]) -> int:
    """Do one step; return what it paid."""
    what, a, b = step
    pledge = await uow.pledges.get(pledge_id)
    if what == "pay":
        instalment_id, amount = _amount(pledge, a, b)
        await pay_instalment(uow, PayInstalment(instalment_id, amount))
        return amount
    if what == "reschedule":
        await reschedule_pledge(uow, pledge_id, _schedule(pledge, a, b))
        return 0
    await cancel_pledge(uow, pledge_id)
    return 0


def _refused(pledge: Pledge, step: tuple[str, int, int]) -> bool:
    """Whether the rules must refuse the step, worked out apart from them."""
    what, a, b = step
    if pledge.cancelled or pledge.outstanding == 0:
        return True
    if what == "pay":
        instalment = pledge.instalments[a % len(pledge.instalments)]
        return b > 100 or instalment.given == instalment.amount
    if what == "reschedule":
        schedule = _schedule(pledge, a, b)
        return b > 100 or not schedule or min(s.amount for s in schedule) < 1
    return False


def _check(pledge: Pledge, paid: int) -> None:
    live = [i for i in pledge.instalments if not i.cancelled]
    cancelled_unpaid = sum(i.amount - i.given for i in pledge.instalments if i.cancelled)
    assert pledge.given == paid <= pledge.amount
    assert all(0 <= i.given <= i.amount for i in pledge.instalments)
    assert pledge.given + pledge.outstanding + cancelled_unpaid == pledge.amount
    if not pledge.cancelled:
        assert sum(i.amount for i in live) == pledge.amount
    expected = (
        PledgeStatus.COMPLETED
        if paid == pledge.amount
        else PledgeStatus.CANCELLED
        if pledge.cancelled
        else PledgeStatus.IN_PROGRESS
        if paid
        else PledgeStatus.PENDING
    )
    assert pledge.status is expected
