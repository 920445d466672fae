"""Mailings: saving them once their templates render, reading them, previewing one for a
customer, sending and cancelling runs, and the organisation's mail pace.

Templates are tried in the sandbox here, where jinja2 may be imported, in a thread: a
render may take up to its budget's second of CPU, which must not stall the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from domain.errors import InvalidInput, NotFound
from domain.jobs import Job
from domain.mailings import mailing as mailings
from domain.mailings import runs
from domain.mailings.values import addressed_name, mailing_values, recipient_of, sample_values
from domain.pages import check_page_size
from infra.db import mailing_tables as m
from infra.db.keyset import Page
from infra.db.queries import mailings as queries
from infra.db.queries.jobs import tenant_row
from infra.mail.mailing_render import (
    RenderedMailing,
    Templates,
    check_mailing_templates,
    render_mailing,
)
from infra.mail.templates import TemplateRefused
from resolvers.context import RequestContext

MOST_MESSAGES_PER_SECOND = 10_000


def templates_of(mailing: Any) -> Templates:
    return Templates(mailing.subject, mailing.html_body, mailing.text_body)


async def save_mailing(context: RequestContext, mailing: mailings.Mailing) -> mailings.Mailing:
    """Create or change a mailing once its fields are clean and its templates render, for
    values like a real recipient's: what the sandbox would refuse at send time is refused
    now, as a VALIDATION error on the template's field."""
    cleaned = mailings.clean_mailing(mailing)
    organisation = await context.reads.run(lambda db: tenant_row(db, context.caller.tenant_id))
    samples = sample_values(organisation.name, context.now().date())
    await asyncio.to_thread(check_mailing_templates, templates_of(cleaned), samples)
    return await context.perform(lambda uow: mailings.save_mailing(uow, cleaned))


async def mailing_row(context: RequestContext, mailing_id: int) -> Any | None:
    return await context.loaders.mailing_by_id.load(mailing_id)


async def mailing_page(context: RequestContext, first: int | None, after: str | None) -> Page[Any]:
    size, tenant_id = check_page_size(first), context.caller.tenant_id
    return await context.reads.run(lambda db: queries.mailing_page(db, tenant_id, size, after))


async def delivery_page(
    context: RequestContext,
    mailing_id: int,
    statuses: list[str] | None,
    first: int | None,
    after: str | None,
) -> Page[Any]:
    size, tenant_id = check_page_size(first), context.caller.tenant_id
    return await context.reads.run(
        lambda db: queries.delivery_page(db, tenant_id, mailing_id, statuses, size, after)
    )


async def run_counts_of_job(context: RequestContext, job_id: int) -> dict[str, int]:
    tenant_id = context.caller.tenant_id
    return await context.reads.run(lambda db: queries.run_counts_of_job(db, tenant_id, job_id))


async def preview(
    context: RequestContext, mailing_id: int, customer_id: int
) -> tuple[RenderedMailing, str | None]:
    """The mailing as `customer_id` would get it, and the address it would go to. Its links
    are placeholders: each email carries its own signed ones."""
    mailing = await mailing_row(context, mailing_id)
    if mailing is None:
        raise NotFound("Mailing", ("mailingId",))
    tenant_id, now = context.caller.tenant_id, context.now()
    found = await context.reads.run(
        lambda db: db.run_sync(
            lambda sync: queries.preview_recipient(sync, tenant_id, customer_id, now)
        )
    )
    if found is None:
        raise NotFound("Customer", ("customerId",))
    customer, membership, booking, address = found
    organisation = await context.reads.run(lambda db: tenant_row(db, tenant_id))
    recipient = recipient_of(customer, membership, booking)
    base = context.services.settings.base_url
    values = mailing_values(
        recipient, organisation.name, f"{base}/preferences/preview", f"{base}/unsubscribe/preview"
    )
    try:
        rendered = await asyncio.to_thread(render_mailing, templates_of(mailing), values)
    except TemplateRefused as refused:
        raise InvalidInput.at(
            ("mailingId",), f"The mailing does not render for this customer: {refused.reason}."
        ) from None
    return rendered, address and f"{addressed_name(recipient)} <{address}>"


async def send_mailing(
    context: RequestContext, command: runs.SendMailing
) -> tuple[runs.MailingRun, Job]:
    return await context.perform(lambda uow: runs.send_mailing(uow, command))


async def cancel_mailing(context: RequestContext, mailing_id: int) -> Any:
    await context.perform(lambda uow: runs.cancel_mailing(uow, mailing_id))
    return await mailing_row(context, mailing_id)


async def mail_pace(context: RequestContext) -> int | None:
    tenant_id = context.caller.tenant_id
    x = m.mail_settings.c

    async def read(db: Any) -> int | None:
        return await db.scalar(select(x.messages_per_second).where(x.tenant_id == tenant_id))

    return await context.reads.run(read)


async def save_mail_pace(context: RequestContext, messages_per_second: int | None) -> int | None:
    if messages_per_second is not None and not 1 <= messages_per_second <= MOST_MESSAGES_PER_SECOND:
        raise InvalidInput.at(
            ("messagesPerSecond",),
            f"Must be between 1 and {MOST_MESSAGES_PER_SECOND:,} (or null: as fast as the mail "
            "server takes them).",
        )
    tenant_id = context.caller.tenant_id
    await context.reads.end()
    async with context.services.engine.begin() as db:
        dialect = postgresql if db.dialect.name == "postgresql" else sqlite
        await db.execute(
            dialect.insert(m.mail_settings)
            .values(tenant_id=tenant_id, messages_per_second=messages_per_second)
            .on_conflict_do_update(
                index_elements=["tenant_id"],
                set_={"messages_per_second": messages_per_second},
            )
        )
    return messages_per_second
