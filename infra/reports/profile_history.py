"""The Donor Profile's history: tickets and donations in range, and the summary. Sync reads
on the report's snapshot connection."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from domain.donor_profile import ProfileRequest, ReportColumn, ReportSection
from domain.money import Money
from domain.sales.orders import format_order_reference
from domain.timeline import TimelineEntryType
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t

MONEY, COUNT = 14, 10
o, i, sc = s.customer_order.c, s.order_item.c, s.order_soft_credit.c


def money_column(title: str) -> ReportColumn:
    return ReportColumn(title, MONEY, numeric=True)


def period(request: ProfileRequest) -> tuple[datetime, datetime]:
    """The range as moments: from the first day's start to the end of the last day (UTC)."""
    start = datetime.combine(request.starts_on, time(), UTC)
    return start, datetime.combine(request.ends_on + timedelta(days=1), time(), UTC)


def _soft_credited(customer_id: int) -> Any:
    return exists().where(sc.order_id == o.id, sc.customer_id == customer_id)


def tickets_section(
    db: Connection, tenant_id: int, customer_id: int, request: ProfileRequest, currency: str
) -> ReportSection:
    start, end = period(request)
    ei, e = s.event_instance.c, s.event.c
    rows = db.execute(
        select(
            o.id.label("order_id"),
            o.ordered_at,
            e.name,
            ei.starts_at,
            i.price_band,
            i.price,
            i.commission,
            i.returned_at,
        )
        .select_from(s.order_item)
        .join(s.customer_order, o.id == i.order_id)
        .join(s.event_instance, ei.id == i.instance_id)
        .join(s.event, e.id == ei.event_id)
        .where(
            o.tenant_id == tenant_id,
            o.owner_id == customer_id,
            i.kind == "TICKET",
            o.ordered_at >= start,
            o.ordered_at < end,
        )
        .order_by(o.ordered_at.desc(), o.id.desc(), i.position)
    )
    entries = [
        (
            r.ordered_at.date(),
            format_order_reference(r.order_id),
            r.name,
            r.starts_at,
            r.price_band,
            Money(r.price + r.commission, currency),
            "Returned" if r.returned_at else "",
        )
        for r in rows
    ]
    columns = (
        ReportColumn("Ordered", 12),
        ReportColumn("Order", 10),
        ReportColumn("Event", 30),
        ReportColumn("Performance", 17),
        ReportColumn("Band", 8),
        money_column("Price"),
        ReportColumn("", 9),
    )
    return ReportSection("Tickets", columns, entries, "No tickets in this period.")


def donations_section(
    db: Connection, tenant_id: int, customer_id: int, request: ProfileRequest, currency: str
) -> ReportSection:
    """Donations the customer made, and those soft-credited to them (each keeps its
    owner's credit: a household member's gift is not here)."""
    start, end = period(request)
    fd, op = s.fund.c, f.opportunity.c
    rows = db.execute(
        select(
            o.id.label("order_id"),
            o.owner_id,
            o.ordered_at,
            fd.name.label("fund"),
            op.name.label("opportunity"),
            i.price,
            i.commission,
        )
        .select_from(s.order_item)
        .join(s.customer_order, o.id == i.order_id)
        .join(s.fund, fd.id == i.fund_id)
        .outerjoin(f.opportunity, op.id == i.opportunity_id)
        .where(
            o.tenant_id == tenant_id,
            i.kind == "DONATION",
            i.returned_at.is_(None),
            or_(o.owner_id == customer_id, _soft_credited(customer_id)),
            o.ordered_at >= start,
            o.ordered_at < end,
        )
        .order_by(o.ordered_at.desc(), o.id.desc(), i.position)
    )
    entries = [
        (
            r.ordered_at.date(),
            format_order_reference(r.order_id),
            r.fund,
            r.opportunity,
            "Own gift" if r.owner_id == customer_id else "Soft credit",
            Money(r.price + r.commission, currency),
        )
        for r in rows
    ]
    columns = (
        ReportColumn("Date", 12),
        ReportColumn("Order", 10),
        ReportColumn("Fund", 24),
        ReportColumn("Opportunity", 24),
        ReportColumn("Credit", 12),
        money_column("Amount"),
    )
    return ReportSection("Donations", columns, entries, "No donations in this period.")


def summary_section(
    db: Connection,
    tenant_id: int,
    customer_id: int,
    request: ProfileRequest,
    currency: str,
    readable: frozenset[TimelineEntryType],
) -> ReportSection:
    start, end = period(request)
    value = func.coalesce(func.sum(i.price + i.commission), 0)
    own = (
        select(value)
        .select_from(s.order_item)
        .join(s.customer_order, o.id == i.order_id)
        .where(o.tenant_id == tenant_id, o.owner_id == customer_id, i.returned_at.is_(None))
    )
    in_range = and_(o.ordered_at >= start, o.ordered_at < end)
    lifetime = db.execute(own.where(i.kind == "DONATION")).scalar_one()
    giving = db.execute(own.where(i.kind == "DONATION", in_range)).scalar_one()
    soft = db.execute(
        select(value)
        .select_from(s.order_item)
        .join(s.customer_order, o.id == i.order_id)
        .where(
            o.tenant_id == tenant_id,
            _soft_credited(customer_id),
            o.owner_id != customer_id,
            i.kind == "DONATION",
            i.returned_at.is_(None),
            in_range,
        )
    ).scalar_one()
    tickets, spent = db.execute(
        select(func.count(), value)
        .select_from(s.order_item)
        .join(s.customer_order, o.id == i.order_id)
        .where(
            o.tenant_id == tenant_id,
            o.owner_id == customer_id,
            i.kind == "TICKET",
            i.returned_at.is_(None),
            in_range,
        )
    ).one()
    e = t.timeline_entry.c
    first, last = db.execute(
        select(func.min(e.occurred_at), func.max(e.occurred_at)).where(
            e.tenant_id == tenant_id,
            e.customer_id == customer_id,
            e.type.in_([kind.value for kind in readable]),
        )
    ).one()
    facts = [
        ("Lifetime giving", Money(int(lifetime), currency)),
        ("Giving in this period", Money(int(giving), currency)),
        ("Soft-credited giving in this period", Money(int(soft), currency)),
        ("Tickets in this period", int(tickets)),
        ("Spent on tickets in this period", Money(int(spent), currency)),
        ("First interaction", _day(first)),
        ("Last interaction", _day(last)),
    ]
    columns = (ReportColumn("Figure", 34), ReportColumn("Value", 20, numeric=True))
    return ReportSection("Summary", columns, facts)


def _day(moment: Any) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).date()
    return date.fromisoformat(str(moment)[:10])
