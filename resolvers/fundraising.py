"""Reading fundraising: the opportunities dashboard, campaign progress, lists of settings,
and the caller's open activities; saving reminder settings, whose templates are checked
here, where jinja2 may be imported."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.fundraising import pledging
from domain.fundraising.opportunities import DashboardFilter
from domain.fundraising.reminders import ReminderPolicy, sample_values
from domain.pages import check_page_size
from infra.db import fundraising_tables as f
from infra.db import tables as t
from infra.db.keyset import Page
from infra.db.queries import dashboard
from infra.db.queries import fundraising as queries
from infra.db.queries.jobs import tenant_row
from infra.db.reminder_queue import policy_for
from infra.mail.templates import OUTPUT_LIMIT, SUBJECT_LIMIT, check_templates
from resolvers.context import RequestContext


async def opportunities(
    context: RequestContext,
    where: DashboardFilter,
    first: int | None,
    after: str | None,
    selected: frozenset[str] = frozenset(),
) -> Page[dashboard.OpportunityRecord]:
    """`selected`: the names of the fields asked for of each opportunity; its customer,
    stage, owner and figures among them are read with the page, in the same statement, and
    come with each opportunity's row."""
    size = check_page_size(first)
    tenant_id = context.caller.tenant_id
    parts = frozenset(PLANNED[name] for name in selected if name in PLANNED)
    columns, joins = dashboard.dashboard_columns(parts), dashboard.dashboard_joins(parts)
    loaders = context.loaders
    now = {dashboard.NOW: loaders.now} if dashboard.FIGURES in parts else None
    page = await context.reads.run(
        lambda db: queries.opportunity_page(db, tenant_id, where, size, after, columns, now, joins)
    )
    records = [dashboard.record_of(row, parts) for row in page.rows]
    if context.known_currency is None:
        # The figures are Money, which needs the currency: without it the types cannot take
        # them as planned values (schema/fundraising/types.py), and read them from a loader.
        for record in records:
            if record.figures is not None:
                loaders.figures_by_opportunity.prime(record.opportunity.id, record.figures)
    return Page(records, page.cursors, page.has_next_page)


# The Opportunity fields the dashboard statement can bring, and the part each needs.
PLANNED = {
    "customer": "customer",
    "stage": "stage",
    "owner": "owner",
    "received": dashboard.FIGURES,
    "pledged": dashboard.FIGURES,
    "reserved": dashboard.FIGURES,
}


async def campaign_progress(context: RequestContext, campaign_id: int) -> dict[str, int]:
    tenant_id = context.caller.tenant_id
    now = context.loaders.now

    async def progress(db: AsyncConnection) -> dict[str, int]:
        tree = await queries.campaign_tree(db, tenant_id, campaign_id)
        return await queries.campaign_progress(db, tenant_id, tree, now)

    return await context.reads.run(progress)


async def _all(context: RequestContext, table: Any, *order: Any, **equal: Any) -> list[Any]:
    conditions = [table.c[k] == v for k, v in equal.items()]
    statement = (
        select(table)
        .where(table.c.tenant_id == context.caller.tenant_id, *conditions)
        .order_by(*order)
    )

    async def rows(db: AsyncConnection) -> list[Any]:
        return list((await db.execute(statement)).all())

    return await context.reads.run(rows)


async def campaigns(context: RequestContext, parent_id: int | None) -> list[Any]:
    return await _all(context, f.campaign, f.campaign.c.name, parent_id=parent_id)


async def stages(context: RequestContext) -> list[Any]:
    return await _all(
        context, f.opportunity_stage, f.opportunity_stage.c.position, f.opportunity_stage.c.id
    )


async def staff_users(context: RequestContext) -> list[Any]:
    return await _all(context, t.staff_user, t.staff_user.c.name, active=True)


async def open_activities(context: RequestContext) -> list[Any]:
    """The calling staff user's activities not yet done, soonest first (an API key owns
    none)."""
    if context.caller.id is None or context.caller.kind.value != "USER":
        return []
    return await _all(
        context,
        f.activity,
        f.activity.c.due_on,
        f.activity.c.id,
        owner_id=context.caller.id,
        done=False,
    )


async def reminder_policy(context: RequestContext) -> ReminderPolicy:
    tenant_id = context.caller.tenant_id
    return await context.reads.run(lambda db: db.run_sync(lambda sync: policy_for(sync, tenant_id)))


async def save_reminder_policy(context: RequestContext, policy: ReminderPolicy) -> ReminderPolicy:
    """Save the reminder settings once their templates render, within their budget, for
    values like a real reminder's: what the sandbox would refuse at send time is refused
    now. Rendering is CPU work of up to a second, so it runs in a thread, off the loop."""
    async with context.services.engine.connect() as db:
        organisation = await tenant_row(db, context.caller.tenant_id)
    samples = sample_values(organisation.name, organisation.currency, context.now().date())
    await asyncio.to_thread(
        check_templates,
        samples,
        subject=(policy.subject, SUBJECT_LIMIT),
        body=(policy.body, OUTPUT_LIMIT),
    )
    return await context.perform(lambda uow: pledging.save_reminder_policy(uow, policy))
