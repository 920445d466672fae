"""The Donor Profile's money and contact sections: open opportunities with their five
figures, tickets and donations in range, activities, pledges with instalments, and the
summary. Sync reads on the report's snapshot connection."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from domain.donor_profile import ProfileRequest, ReportColumn, ReportSection
from domain.fundraising.pledges import Instalment, Pledge
from domain.money import Money
from domain.sales.orders import format_order_reference
from domain.timeline import TimelineEntryType
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.queries.fundraising import figure_statements, figures_from

MONEY, COUNT = 14, 10
o, i, sc = s.customer_order.c, s.order_item.c, s.order_soft_credit.c


def _money(title: str) -> ReportColumn:
    return ReportColumn(title, MONEY, numeric=True)


def period(request: ProfileRequest) -> tuple[datetime, datetime]:
    """The range as moments: from the first day's start to the end of the last day (UTC)."""
    start = datetime.combine(request.starts_on, time(), UTC)
    return start, datetime.combine(request.ends_on + timedelta(days=1), time(), UTC)


def opportunities_section(
    db: Connection, tenant_id: int, customer_id: int, currency: str, now: datetime
) -> ReportSection:
    op, c, st, u = f.opportunity.c, f.campaign.c, f.opportunity_stage.c, t.staff_user.c
    rows = db.execute(
        select(
            op.id,
            op.name,
            op.target,
            op.asked,
            c.name.label("campaign"),
            st.name.label("stage"),
            u.name.label("owner"),
        )
        .join(f.campaign, c.id == op.campaign_id)
        .join(f.opportunity_stage, st.id == op.stage_id)
        .join(t.staff_user, u.id == op.owner_id)
        .where(op.tenant_id == tenant_id, op.customer_id == customer_id, op.open.is_(True))
        .order_by(op.id.desc())
    ).all()
    ids = [r.id for r in rows]
    figures = (
        figures_from(ids, [db.execute(q).all() for q in figure_statements(tenant_id, ids, now)])
        if ids
        else {}
    )
    columns = (
        ReportColumn("Opportunity", 24),
        ReportColumn("Campaign (stage)", 28),
        ReportColumn("Owner", 18),
        *(_money(name) for name in ("Target", "Asked", "Received", "Pledged", "Reserved")),
    )
    entries = [
        (
            r.name,
            f"{r.campaign} ({r.stage})",
            r.owner,
            *(
                Money(amount, currency)
                for amount in (
                    r.target,
                    r.asked,
                    figures[r.id].received,
                    figures[r.id].pledged,
                    figures[r.id].reserved,
                )
            ),
        )
        for r in rows
    ]
    return ReportSection("Open opportunities", columns, entries, "No open opportunities.")


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
        _money("Price"),
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
        _money("Amount"),
    )
    return ReportSection("Donations", columns, entries, "No donations in this period.")


def activity_sections(
    db: Connection, tenant_id: int, customer_id: int, request: ProfileRequest, today: date
) -> list[ReportSection]:
    """Past: due within the range up to today. Upcoming: not done and due after today,
    however far ahead (the range looks back; what is planned is what the reader needs)."""
    a, u = f.activity.c, t.staff_user.c
    base = (
        select(a.due_on, a.type, a.subject, u.name.label("owner"), a.done)
        .join(t.staff_user, u.id == a.owner_id)
        .where(a.tenant_id == tenant_id, a.customer_id == customer_id)
    )
    past = db.execute(
        base.where(a.due_on >= request.starts_on, a.due_on <= min(request.ends_on, today)).order_by(
            a.due_on.desc(), a.id.desc()
        )
    )
    upcoming = db.execute(base.where(a.due_on > today, a.done.is_(False)).order_by(a.due_on, a.id))
    columns = (
        ReportColumn("Due", 12),
        ReportColumn("Type", 10),
        ReportColumn("Subject", 44),
        ReportColumn("Owner", 20),
        ReportColumn("Done", 6),
    )

    def rows(found: Any) -> list[tuple[Any, ...]]:
        return [
            (r.due_on, r.type.title(), r.subject, r.owner, "Yes" if r.done else "No") for r in found
        ]

    return [
        ReportSection("Past activities", columns, rows(past), "No activities in this period."),
        ReportSection("Upcoming activities", columns, rows(upcoming), "None planned."),
    ]


def pledge_sections(
    db: Connection, tenant_id: int, customer_id: int, currency: str, today: date
) -> list[ReportSection]:
    p, ins, pay, fd = f.pledge.c, f.instalment.c, f.instalment_payment.c, s.fund.c
    pledges = db.execute(
        select(p.id, p.amount, p.cancelled, p.created_at, fd.name.label("fund"))
        .join(s.fund, fd.id == p.fund_id)
        .where(p.tenant_id == tenant_id, p.customer_id == customer_id)
        .order_by(p.id.desc())
    ).all()
    given = func.coalesce(
        select(func.sum(pay.amount)).where(pay.instalment_id == ins.id).scalar_subquery(), 0
    )
    instalments = (
        db.execute(
            select(
                ins.id, ins.pledge_id, ins.amount, ins.due_on, ins.cancelled, given.label("given")
            )
            .where(ins.tenant_id == tenant_id, ins.pledge_id.in_([r.id for r in pledges]))
            .order_by(ins.due_on, ins.id)
        ).all()
        if pledges
        else []
    )
    schedule: dict[int, list[Instalment]] = {}
    for r in instalments:
        schedule.setdefault(r.pledge_id, []).append(
            Instalment(r.amount, r.due_on, int(r.given), r.cancelled, r.id)
        )
    pledge_rows, instalment_rows = [], []
    for number, r in enumerate(pledges, 1):
        pledge = Pledge(customer_id, r.amount, 0, schedule.get(r.id, []), cancelled=r.cancelled)
        label = f"#{number} {r.fund}"
        pledge_rows.append(
            (
                label,
                r.created_at.date(),
                Money(r.amount, currency),
                Money(pledge.given, currency),
                Money(pledge.outstanding, currency),
                pledge.status.value.replace("_", " ").title(),
            )
        )
        instalment_rows += [
            (
                label,
                x.due_on,
                Money(x.amount, currency),
                Money(x.given, currency),
                x.status(today).value.title(),
            )
            for x in pledge.instalments
        ]
    return [
        ReportSection(
            "Pledges",
            (
                ReportColumn("Pledge", 26),
                ReportColumn("Pledged on", 12),
                _money("Amount"),
                _money("Given"),
                _money("Outstanding"),
                ReportColumn("Status", 12),
            ),
            pledge_rows,
            "No pledges.",
        ),
        ReportSection(
            "Pledge instalments",
            (
                ReportColumn("Pledge", 26),
                ReportColumn("Due", 12),
                _money("Amount"),
                _money("Given"),
                ReportColumn("Status", 12),
            ),
            instalment_rows,
            "No instalments.",
        ),
    ]


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
