"""The rules of returns, memberships and reservations: what can go back and where its money
goes, one current membership of a scheme at a time, and expiry read from the clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Conflict
from domain.sales.catalogue import EventInstance, Fund, MembershipScheme
from domain.sales.commands import (
    ItemLine,
    PurchaseReservation,
    RecordOrder,
    ReserveTickets,
    ReturnItems,
)
from domain.sales.events import ItemsReturned
from domain.sales.memberships import Membership, MembershipStatus, add_months, next_term
from domain.sales.orders import RETURNABLE, Channel, ItemKind, Order
from domain.sales.recording import record_order
from domain.sales.reservations import (
    Reservation,
    ReservationStatus,
    purchase_reservation,
    reserve_tickets,
)
from domain.sales.returns import return_items
from tests.unit.fakes import FakeUnitOfWork

FRIENDS = MembershipScheme("Friends", 5000, 12, 30, 14, auto_renew_allowed=False)
TODAY = date(2026, 11, 24)
KINDS_KEPT = (ItemKind.DONATION, ItemKind.MEMBERSHIP)


@dataclass
class Shop:
    """A fake organisation with one customer, one performance, one fund and one scheme."""

    uow: FakeUnitOfWork
    owner: int
    instance: int
    fund: int
    scheme: int

    def line(self, kind: ItemKind, price: int = 1000, commission: int = 0) -> ItemLine:
        return ItemLine(
            kind,
            price,
            commission,
            instance_id=self.instance if kind is ItemKind.TICKET else None,
            price_band="A" if kind is ItemKind.TICKET else None,
            fund_id=self.fund if kind is ItemKind.DONATION else None,
            scheme_id=self.scheme if kind is ItemKind.MEMBERSHIP else None,
        )

    async def sell(self, *lines: ItemLine) -> Order:
        order, created = await record_order(
            self.uow, RecordOrder(self.owner, Channel.BOX_OFFICE, lines)
        )
        assert created
        return order

    async def give_back(self, order: Order, *item_ids: int | None, to_fund: bool = False) -> Order:
        ids = tuple(i for i in item_ids if i is not None)
        fund = self.fund if to_fund else None
        return await return_items(self.uow, ReturnItems(order.id or 0, ids, fund))

    async def stored(self, order: Order) -> Order:
        return await self.uow.orders.get(order.id)  # type: ignore[no-any-return]


async def open_shop() -> Shop:
    uow = FakeUnitOfWork()
    owner = await uow.person("Buyer")
    instance = EventInstance(1, datetime(2027, 3, 1, 19, 30, tzinfo=UTC), "Main House")
    fund = Fund("Annual Fund", "ANNUAL")
    scheme = MembershipScheme("Friends", 5000, 12, 30, 14, auto_renew_allowed=False)
    for repository, entry in (
        (uow.event_instances, instance),
        (uow.funds, fund),
        (uow.membership_schemes, scheme),
    ):
        await repository.add(entry)
    return Shop(uow, owner, instance.id or 0, fund.id or 0, scheme.id or 0)


def test_tickets_subscriptions_series_and_merchandise_are_the_returnable_kinds() -> None:
    assert set(ItemKind) - RETURNABLE == set(KINDS_KEPT)


@pytest.mark.parametrize("kind", sorted(RETURNABLE))
async def test_a_returnable_item_goes_back_and_the_order_is_worth_less(kind: ItemKind) -> None:
    shop = await open_shop()
    order = await shop.sell(shop.line(kind, 1200), shop.line(ItemKind.MERCHANDISE, 300))

    await shop.give_back(order, order.items[0].id)

    after = await shop.stored(order)
    assert [item.returned for item in after.items] == [True, False]
    assert after.total.amount == 300
    assert isinstance(shop.uow.events[-1], ItemsReturned)


@pytest.mark.parametrize("kind", KINDS_KEPT)
async def test_returning_a_donation_or_a_membership_is_a_conflict(kind: ItemKind) -> None:
    shop = await open_shop()
    order = await shop.sell(shop.line(kind, 5000), shop.line(ItemKind.TICKET))
    events = len(shop.uow.events)

    with pytest.raises(Conflict, match="cannot be returned"):
        await shop.give_back(order, order.items[1].id, order.items[0].id)

    assert not any(item.returned for item in (await shop.stored(order)).items)
    assert len(shop.uow.events) == events


async def test_returning_an_item_twice_is_a_conflict() -> None:
    shop = await open_shop()
    order = await shop.sell(shop.line(ItemKind.TICKET), shop.line(ItemKind.TICKET))
    await shop.give_back(order, order.items[0].id)

    with pytest.raises(Conflict, match="already been returned"):
        await shop.give_back(order, order.items[0].id)
    with pytest.raises(Conflict, match="once"):
        await shop.give_back(order, order.items[1].id, order.items[1].id)


async def test_a_refund_given_as_a_donation_keeps_what_the_order_is_worth() -> None:
    shop = await open_shop()
    order = await shop.sell(
        shop.line(ItemKind.TICKET, 2500, 150), shop.line(ItemKind.MERCHANDISE, 800)
    )

    changed = await shop.give_back(order, order.items[0].id, to_fund=True)

    after = await shop.stored(order)
    assert after.total == order.total == changed.total
    donation = after.items[-1]
    assert (donation.kind, donation.amount, donation.fund_id) == (
        ItemKind.DONATION,
        2650,
        shop.fund,
    )
    event = shop.uow.events[-1]
    assert isinstance(event, ItemsReturned)
    assert event.donation is not None and event.donation.amount == event.refund.amount == 2650


async def test_a_free_item_goes_back_but_cannot_become_a_donation() -> None:
    shop = await open_shop()
    order = await shop.sell(shop.line(ItemKind.TICKET, 0), shop.line(ItemKind.TICKET, 0))

    with pytest.raises(Conflict, match="nothing to give"):
        await shop.give_back(order, order.items[0].id, to_fund=True)
    await shop.give_back(order, order.items[1].id)

    after = await shop.stored(order)
    assert [(i.kind, i.returned) for i in after.items] == [
        (ItemKind.TICKET, False),
        (ItemKind.TICKET, True),
    ]


@given(
    prices=st.lists(
        st.tuples(st.sampled_from(sorted(RETURNABLE)), st.integers(0, 10**6)),
        min_size=1,
        max_size=8,
    ),
    rounds=st.data(),
)
def test_returns_given_as_donations_never_change_an_orders_total(
    prices: list[tuple[ItemKind, int]], rounds: st.DataObject
) -> None:
    async def scenario() -> None:
        shop = await open_shop()
        order = await shop.sell(*(shop.line(kind, price) for kind, price in prices))
        waiting = [item for item in order.items if item.amount > 0]
        while waiting:
            count = rounds.draw(st.integers(1, len(waiting)))
            batch, waiting = waiting[:count], waiting[count:]
            await shop.give_back(order, *(item.id for item in batch), to_fund=True)
            assert (await shop.stored(order)).total == order.total

    asyncio.run(scenario())


def ending(ends_on: date) -> Membership:
    return Membership(1, 1, add_months(ends_on + timedelta(days=1), -12), ends_on)


def test_a_first_membership_starts_today_and_lasts_the_schemes_length() -> None:
    assert next_term(FRIENDS, None, TODAY) == (TODAY, date(2027, 11, 23))


def test_a_renewal_inside_the_window_starts_the_day_after_the_current_term_ends() -> None:
    current = ending(TODAY + timedelta(days=30))  # the window opens today

    starts_on, ends_on = next_term(FRIENDS, current, TODAY)

    assert starts_on == current.ends_on + timedelta(days=1) == date(2026, 12, 25)
    assert ends_on == date(2027, 12, 24)


def test_buying_again_before_the_renewal_window_opens_is_a_conflict() -> None:
    current = ending(TODAY + timedelta(days=31))

    with pytest.raises(Conflict, match="renewal opens on 2026-11-25"):
        next_term(FRIENDS, current, TODAY)


def test_a_membership_is_current_through_its_grace_period_and_renews_without_a_gap() -> None:
    ended = ending(TODAY - timedelta(days=14))

    assert ended.status(TODAY, FRIENDS.grace_period_days) is MembershipStatus.CURRENT
    assert next_term(FRIENDS, ended, TODAY)[0] == ended.ends_on + timedelta(days=1)


def test_a_lapsed_membership_allows_a_fresh_start_today() -> None:
    lapsed = ending(TODAY - timedelta(days=15))

    assert lapsed.status(TODAY, FRIENDS.grace_period_days) is MembershipStatus.LAPSED
    assert next_term(FRIENDS, lapsed, TODAY) == (TODAY, date(2027, 11, 23))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 11, 15), 14, date(2028, 1, 15)),
    ],
)
def test_adding_months_keeps_the_day_or_falls_back_to_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


@given(
    purchases=st.lists(st.integers(0, 3 * 366), min_size=1, max_size=6, unique=True),
    grace=st.integers(0, 60),
)
def test_a_customer_never_holds_two_current_memberships_of_a_scheme(
    purchases: list[int], grace: int
) -> None:
    async def scenario() -> None:
        shop = await open_shop()
        scheme = await shop.uow.membership_schemes.get(shop.scheme)
        scheme.grace_period_days = grace
        await shop.uow.membership_schemes.save(scheme)
        first_day = shop.uow.moment
        for day in sorted(purchases):
            shop.uow.moment = first_day + timedelta(days=day)
            try:
                await shop.sell(shop.line(ItemKind.MEMBERSHIP, 5000))
            except Conflict:
                continue
        held = list(shop.uow.memberships.rows.values())
        last_day = max(m.ends_on for m in held) + timedelta(days=grace + 1)
        day = first_day.date()
        while day <= last_day:
            statuses = [m.status(day, grace, renewed=held_after(held, m)) for m in held]
            assert statuses.count(MembershipStatus.CURRENT) <= 1, (day, held)
            day += timedelta(days=1)

    asyncio.run(scenario())


def held_after(held: list[Membership], membership: Membership) -> bool:
    return any(m.starts_on > membership.ends_on for m in held)


async def reserved(shop: Shop, minutes: int) -> Reservation:
    expires_at = shop.uow.moment + timedelta(minutes=minutes)
    command = ReserveTickets(shop.owner, (shop.line(ItemKind.TICKET, 2500, 150),), expires_at)
    return await reserve_tickets(shop.uow, command)


async def test_a_held_reservation_expires_by_the_clock_alone() -> None:
    shop = await open_shop()
    reservation = await reserved(shop, minutes=15)
    expires_at = reservation.expires_at

    assert reservation.status(expires_at - timedelta(seconds=1)) is ReservationStatus.HELD
    assert reservation.status(expires_at) is ReservationStatus.EXPIRED
    for ended in (ReservationStatus.PURCHASED, ReservationStatus.RELEASED):
        reservation.recorded_status = ended
        assert reservation.status(expires_at + timedelta(days=1)) is ended


async def test_a_reservation_is_bought_once_and_not_after_it_expired() -> None:
    shop = await open_shop()
    bought, late = await reserved(shop, minutes=15), await reserved(shop, minutes=5)

    order = await purchase_reservation(shop.uow, PurchaseReservation(bought.id or 0, Channel.WEB))
    with pytest.raises(Conflict, match="already purchased"):
        await purchase_reservation(shop.uow, PurchaseReservation(bought.id or 0, Channel.WEB))
    shop.uow.moment += timedelta(minutes=10)
    with pytest.raises(Conflict, match=r"expired .* released"):
        await purchase_reservation(shop.uow, PurchaseReservation(late.id or 0, Channel.WEB))

    assert order.total.amount == 2650
    stored = await shop.uow.reservations.get(bought.id)
    assert (stored.recorded_status, stored.order_id) == (ReservationStatus.PURCHASED, order.id)
