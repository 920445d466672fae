"""The Donor Profile's fundraising sections: open opportunities with their five figures,
activities past and upcoming, and pledges with their instalments. Sync reads on the
report's snapshot connection."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from domain.donor_profile import ProfileRequest, ReportColumn, ReportSection
from domain.fundraising.pledges import Instalment, Pledge
from domain.money import Money
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.queries.fundraising import figure_statements, figures_from
from infra.reports.profile_history import money_column


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
        *(money_column(name) for name in ("Target", "Asked", "Received", "Pledged", "Reserved")),
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
                money_column("Amount"),
                money_column("Given"),
                money_column("Outstanding"),
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
                money_column("Amount"),
                money_column("Given"),
                ReportColumn("Status", 12),
            ),
            instalment_rows,
            "No instalments.",
        ),
    ]
