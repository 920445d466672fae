"""Reading consent: the questions to ask now and a customer's ledger."""

from __future__ import annotations

from collections.abc import Sequence

from domain.consent.ledger import ConsentEntry
from domain.consent.preferences import PartnerMode
from domain.consent.questions import Question, check_basket, questions_for
from domain.pages import check_page_size
from infra.db.keyset import Page
from infra.db.queries.consent import asking, history_page
from infra.db.repositories.consent import preference_from_row
from resolvers.context import RequestContext


async def questions(
    context: RequestContext, customer_id: int, instance_ids: Sequence[int]
) -> list[Question]:
    """On the request's snapshot, in one statement: asked in every sale, so it costs one
    round trip after the caller's."""
    check_basket(instance_ids)
    tenant_id, basket = context.caller.tenant_id, sorted(set(instance_ids))
    found = await context.reads.run(lambda db: asking(db, tenant_id, customer_id, basket))
    return questions_for(found, instance_ids, context.now())


async def partner_mode(context: RequestContext) -> PartnerMode:
    return PartnerMode(await context.loaders.partner_mode.load(0))


async def consents(
    context: RequestContext, customer_id: int
) -> list[tuple[int, ConsentEntry | None]]:
    """Each preference in use with the customer's latest answer, and any other they
    answered (retired, or of the partner mode no longer chosen): earlier answers stay
    readable."""
    rows = await context.loaders.preferences.load(0)
    latest = await context.loaders.consents_by_customer.load(customer_id)
    mode = await partner_mode(context)
    return [
        (row.id, latest.get(row.id))
        for row in rows
        if row.id in latest or preference_from_row(row).in_use(mode)
    ]


async def history(
    context: RequestContext, customer_id: int, first: int | None, after: str | None
) -> Page[ConsentEntry]:
    size = check_page_size(first)
    tenant_id = context.caller.tenant_id
    return await context.reads.run(lambda db: history_page(db, tenant_id, customer_id, size, after))
