"""The audience measures (domain/segments/measures.py), each one statement giving the year
and the year before side by side."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.consent.ledger import ConsentState
from domain.consent.preferences import PreferenceKind
from domain.sales.orders import ItemKind
from domain.segments.measures import AverageGift, Measures, Rate, YearMeasures
from infra.db import consent_tables as c
from infra.db import sales_tables as s
from infra.segments.days import days_between, start_of

o, i = s.customer_order.c, s.order_item.c


def _year_start(year: int) -> datetime:
    return start_of(date(year, 1, 1))


def _in_year(column: Any, year: int) -> Any:
    return and_(column >= _year_start(year), column < _year_start(year + 1))


def _donations(tenant_id: int) -> Any:
    return (
        select()
        .select_from(s.order_item)
        .join(s.customer_order, o.id == i.order_id)
        .where(
            i.tenant_id == tenant_id,
            i.kind == ItemKind.DONATION.value,
            i.returned_at.is_(None),
        )
    )


def donor_retention(tenant_id: int, year: int) -> Any:
    """Per donor of the three years, in which they gave; then the two rates' parts."""

    def gave(y: int) -> Any:
        return func.max(case((_in_year(o.ordered_at, y), 1), else_=0))

    donors = (
        _donations(tenant_id)
        .add_columns(
            o.owner_id,
            gave(year - 2).label("y2"),
            gave(year - 1).label("y1"),
            gave(year).label("y0"),
        )
        .where(o.ordered_at >= _year_start(year - 2), o.ordered_at < _year_start(year + 1))
        .group_by(o.owner_id)
        .subquery("donors")
    )
    d = donors.c
    return select(
        func.coalesce(func.sum(d.y1 * d.y0), 0).label("part"),
        func.coalesce(func.sum(d.y1), 0).label("whole"),
        func.coalesce(func.sum(d.y2 * d.y1), 0).label("part_before"),
        func.coalesce(func.sum(d.y2), 0).label("whole_before"),
    )


def membership_renewal(tenant_id: int, year: int) -> Any:
    m = s.membership.c
    later = s.membership.alias("later")
    renewed = exists().where(
        later.c.customer_id == m.customer_id,
        later.c.scheme_id == m.scheme_id,
        later.c.starts_on > m.ends_on,
    )

    def ending(y: int) -> Any:
        return and_(m.ends_on >= date(y, 1, 1), m.ends_on <= date(y, 12, 31))

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return select(
        count(and_(ending(year), renewed)).label("part"),
        count(ending(year)).label("whole"),
        count(and_(ending(year - 1), renewed)).label("part_before"),
        count(ending(year - 1)).label("whole_before"),
    ).where(m.tenant_id == tenant_id, or_(ending(year), ending(year - 1)))


def rebooking(tenant_id: int, year: int) -> Any:
    """First bookings (orders with a ticket) of the two years, and whether a second came
    within 365 days of each."""
    with_ticket = exists().where(i.order_id == o.id, i.kind == ItemKind.TICKET.value)
    bookings = select(o.owner_id, o.ordered_at).where(o.tenant_id == tenant_id, with_ticket)
    firsts = (
        bookings.with_only_columns(o.owner_id, func.min(o.ordered_at).label("first"))
        .group_by(o.owner_id)
        .subquery("firsts")
    )
    after = s.customer_order.alias("after")
    second = (
        select(func.min(after.c.ordered_at))
        .where(
            after.c.tenant_id == tenant_id,
            after.c.owner_id == firsts.c.owner_id,
            after.c.ordered_at > firsts.c.first,
            exists().where(i.order_id == after.c.id, i.kind == ItemKind.TICKET.value),
        )
        .scalar_subquery()
    )
    pairs = select(firsts.c.first, second.label("second")).subquery("pairs")
    p = pairs.c
    again = and_(p.second.is_not(None), days_between(p.first, p.second) <= 365)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return select(
        count(and_(_in_year(p.first, year), again)).label("part"),
        count(_in_year(p.first, year)).label("whole"),
        count(and_(_in_year(p.first, year - 1), again)).label("part_before"),
        count(_in_year(p.first, year - 1)).label("whole_before"),
    ).where(p.first >= _year_start(year - 1), p.first < _year_start(year + 1))


def average_gift(tenant_id: int, year: int) -> Any:
    def total(y: int) -> Any:
        return func.coalesce(func.sum(case((_in_year(o.ordered_at, y), i.price), else_=0)), 0)

    def gifts(y: int) -> Any:
        return func.coalesce(func.sum(case((_in_year(o.ordered_at, y), 1), else_=0)), 0)

    return (
        _donations(tenant_id)
        .add_columns(
            total(year).label("total"),
            gifts(year).label("gifts"),
            total(year - 1).label("total_before"),
            gifts(year - 1).label("gifts_before"),
        )
        .where(o.ordered_at >= _year_start(year - 1), o.ordered_at < _year_start(year + 1))
    )


def email_opt_in(tenant_id: int, year: int, now: datetime) -> Any:
    """Customers whose latest email answer recorded before the end of each year is GRANTED."""
    e, p = c.consent_entry.c, c.contact_preference.c
    later = c.consent_entry.alias("later")
    in_use = select(p.id).where(
        p.tenant_id == tenant_id, p.kind == PreferenceKind.EMAIL.value, p.retired.is_(False)
    )

    def granting(y: int) -> Any:
        end = min(_year_start(y + 1), now)
        return (
            select(func.count(func.distinct(e.customer_id)))
            .where(
                e.tenant_id == tenant_id,
                e.customer_id.is_not(None),
                e.preference_id.in_(in_use),
                e.state == ConsentState.GRANTED.value,
                e.recorded_at < end,
                ~exists().where(
                    later.c.tenant_id == tenant_id,
                    later.c.customer_id == e.customer_id,
                    later.c.preference_id == e.preference_id,
                    later.c.recorded_at < end,
                    later.c.id > e.id,
                ),
            )
            .scalar_subquery()
        )

    return select(granting(year).label("now"), granting(year - 1).label("before"))


def statements(tenant_id: int, year: int, now: datetime) -> list[Any]:
    """The five statements, one per measure, in the order `measures_from` reads them."""
    return [
        donor_retention(tenant_id, year),
        membership_renewal(tenant_id, year),
        rebooking(tenant_id, year),
        average_gift(tenant_id, year),
        email_opt_in(tenant_id, year, now),
    ]


def measures_from(year: int, rows: list[Any]) -> Measures:
    retention, renewal, rebooked, gift, opted = rows

    def rate(row: Any, before: bool) -> Rate:
        if before:
            return Rate(int(row.part_before), int(row.whole_before))
        return Rate(int(row.part), int(row.whole))

    def of(y: int, before: bool) -> YearMeasures:
        return YearMeasures(
            y,
            rate(retention, before),
            rate(renewal, before),
            rate(rebooked, before),
            AverageGift(
                int(gift.total_before if before else gift.total),
                int(gift.gifts_before if before else gift.gifts),
            ),
            int(opted.before if before else opted.now),
        )

    return Measures(of(year, False), of(year - 1, True))


async def measures(db: AsyncConnection, tenant_id: int, year: int, now: datetime) -> Measures:
    rows = [(await db.execute(q)).one() for q in statements(tenant_id, year, now)]
    return measures_from(year, rows)


def measures_now(db: Connection, tenant_id: int, year: int, now: datetime) -> Measures:
    return measures_from(year, [db.execute(q).one() for q in statements(tenant_id, year, now)])
