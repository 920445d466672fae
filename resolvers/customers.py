"""Reading customers: one by id, a searched page, a customer's timeline."""

from __future__ import annotations

from typing import Any

from domain.customers.popup_notes import PINK_NOTE_ENTRY_TYPES, NoteColour, readable_colours
from domain.customers.search import CustomerCriteria
from domain.errors import PermissionDenied
from domain.roles import Role
from domain.timeline import TimelineEntryType
from infra.db.keyset import Page, check_page_size
from infra.db.queries.customers import customer_page
from infra.db.queries.timeline import timeline_page
from resolvers.context import RequestContext
from resolvers.global_ids import CUSTOMER_TYPES, parse_global_id

# Inactive customers are hidden from sales search but visible to fundraising staff.
SEES_INACTIVE = Role.OPPORTUNITIES


async def customer_by_global_id(
    context: RequestContext, global_id: str, types: tuple[str, ...] = CUSTOMER_TYPES
) -> Any | None:
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in types:
        return None
    row = await context.loaders.customer_by_id.load(parsed[1])
    if row is None or _type_name(row) != parsed[0]:
        return None
    return row


def _type_name(row: Any) -> str:
    return "Individual" if row.kind == "INDIVIDUAL" else "Organisation"


async def customers(
    context: RequestContext, criteria: CustomerCriteria, first: int | None, after: str | None
) -> Page[Any]:
    size = check_page_size(first)
    if criteria.include_inactive and not context.caller.has(SEES_INACTIVE):
        raise PermissionDenied(
            "Listing inactive customers needs the OPPORTUNITIES role.", ("includeInactive",)
        )
    async with context.services.reads.connect() as db:
        page = await customer_page(db, context.caller.tenant_id, criteria, size, after)
    for row in page.rows:
        context.loaders.customer_by_id.prime(row.id, row)
    return page


async def timeline(
    context: RequestContext,
    customer_id: int,
    types: list[TimelineEntryType] | None,
    first: int | None,
    after: str | None,
) -> Page[Any]:
    size = check_page_size(first)
    readable = _readable_types(context, types)
    if readable is not None and not readable:
        return Page([], [], False)
    async with context.services.reads.connect() as db:
        return await timeline_page(db, context.caller.tenant_id, customer_id, readable, size, after)


def _readable_types(
    context: RequestContext, types: list[TimelineEntryType] | None
) -> list[TimelineEntryType] | None:
    """`types` less the pink-note entries a caller without OPPORTUNITIES may not know of.
    (Folds into the timeline's role mapping, READER_OF, when that lands.)"""
    if NoteColour.PINK in readable_colours(context.caller.roles):
        return types
    return [kind for kind in types or TimelineEntryType if kind not in PINK_NOTE_ENTRY_TYPES]
