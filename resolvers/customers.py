"""Reading customers: one by id, a searched page, a customer's timeline."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from domain.customers.search import CustomerCriteria
from domain.errors import Conflict, NotFound, PermissionDenied
from domain.pages import check_page_size
from domain.roles import FUNDRAISING_READER
from domain.timeline import TimelineCriteria, readable_types
from infra.db.keyset import Page
from infra.db.queries.customer_record import (
    RELATIONSHIPS,
    CustomerRecord,
    customer_record,
    list_columns,
    record_of,
)
from infra.db.queries.customers import customer_page
from infra.db.queries.timeline import timeline_page
from resolvers.context import RequestContext
from resolvers.global_ids import CUSTOMER_TYPES, parse_global_id, pk_of

# Inactive customers are hidden from sales search but visible to fundraising staff.
SEES_INACTIVE = FUNDRAISING_READER


async def customer_by_global_id(context: RequestContext, global_id: str) -> Any | None:
    """The customer's row, through the request's loader: the ids of one request (`node`
    asked for many) are read in one batch."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in CUSTOMER_TYPES:
        return None
    row = await context.loaders.customer_by_id.load(parsed[1])
    if row is None or customer_type_name(row) != parsed[0]:
        return None
    return row


async def customer_record_by_global_id(
    context: RequestContext, global_id: str, selected: frozenset[str]
) -> CustomerRecord | None:
    """The customer with the lists among `selected` (the names of the fields the request
    asks for of it), in one statement: the lists the types take as planned values need no
    loader, and those read from one are handed to it."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in CUSTOMER_TYPES:
        return None
    tenant_id, pk, lists = context.caller.tenant_id, parsed[1], _lists(selected)
    record = await context.reads.run(lambda db: customer_record(db, tenant_id, pk, lists))
    if record is None or customer_type_name(record.customer) != parsed[0]:
        return None
    context.loaders.customer_by_id.prime(pk, record.customer)
    _prime(context, pk, record, lists & LOADED_LISTS)
    return record


# The Customer fields whose rows customer_record can bring, and the list each needs.
PLANNED = {
    "emails": "emails",
    "phones": "phones",
    "addresses": "addresses",
    "primaryAddress": "addresses",
    "tags": "tags",
    "attributes": "attributes",
    "relationships": RELATIONSHIPS,
}


def _lists(selected: frozenset[str]) -> frozenset[str]:
    return frozenset(PLANNED[name] for name in selected if name in PLANNED)


# The lists of a page's customers still read through their loaders: attributes (what they
# show depends on the caller) and relationships (on the field's argument).
LOADED_LISTS = frozenset({"attributes", RELATIONSHIPS})


def _prime(
    context: RequestContext, pk: int, record: CustomerRecord, lists: frozenset[str] | None = None
) -> None:
    """The record's rows handed to the loaders (only `lists` of its lists, when given)."""
    loaders = context.loaders
    loaders.customer_by_id.prime(pk, record.customer)
    for name, rows in record.details.items():
        if lists is None or name in lists:
            getattr(loaders, f"{name}_by_customer").prime(pk, rows)
    if record.relationships is not None and (lists is None or RELATIONSHIPS in lists):
        loaders.relationships_by_customer.prime(pk, record.relationships)
    for row in record.relationship_types:
        loaders.relationship_type_by_id.prime(row.id, row)
    for row in record.ends:
        loaders.customer_by_id.prime(row.id, row)


def customer_type_name(row: Any) -> str:
    return "Individual" if row.kind == "INDIVIDUAL" else "Organisation"


async def customers(
    context: RequestContext,
    criteria: CustomerCriteria,
    first: int | None,
    after: str | None,
    selected: frozenset[str] = frozenset(),
) -> Page[CustomerRecord]:
    """`selected`: the names of the fields asked for of each customer; the lists among them
    are read with the page, in the same statement, and come with each customer's row."""
    if criteria.include_inactive and not context.caller.has(SEES_INACTIVE):
        raise PermissionDenied(
            "Listing inactive customers needs the OPPORTUNITIES role.", ("includeInactive",)
        )
    size = check_page_size(first)
    tenant_id = context.caller.tenant_id
    lists = _lists(selected)
    columns = list_columns(context.services.engine.dialect.name, lists)
    page = await context.reads.run(
        lambda db: customer_page(db, tenant_id, criteria, size, after, columns)
    )
    records = [record_of(row, lists) for row in page.rows]
    # The lists the types take as planned values (schema/customers/types.py) need no
    # loader; those that depend on the caller or on arguments are read from one.
    primed = lists & LOADED_LISTS
    for record in records:
        if primed:
            _prime(context, record.customer.id, record, primed)
    return Page(records, page.cursors, page.has_next_page)


async def timeline(
    context: RequestContext,
    criteria: TimelineCriteria,
    opportunity_global_id: str | None,
    first: int | None,
    after: str | None,
) -> Page[Any]:
    size = check_page_size(first)
    criteria.check()
    if opportunity_global_id is not None:
        criteria = replace(
            criteria,
            opportunity_id=await _customers_opportunity(context, criteria, opportunity_global_id),
        )
    return await context.reads.run(
        lambda db: timeline_page(
            db,
            context.caller.tenant_id,
            criteria,
            readable_types(context.caller.roles),
            size,
            after,
        )
    )


async def _customers_opportunity(
    context: RequestContext, criteria: TimelineCriteria, global_id: str
) -> int:
    """The id of the customer's opportunity `global_id` names: refused as `node()` refuses
    an opportunity, and not found when it is another organisation's or none."""
    field = ("opportunityId",)
    if not context.caller.has(FUNDRAISING_READER):
        raise PermissionDenied(f"An Opportunity needs the {FUNDRAISING_READER} role.", field)
    pk = pk_of(global_id, ("Opportunity",), "Opportunity", field)
    row = await context.loaders.opportunity_by_id.load(pk)
    if row is None:
        raise NotFound("Opportunity", field)
    if row.customer_id != criteria.customer_id:
        raise Conflict("The opportunity is another customer's.", field)
    return pk
