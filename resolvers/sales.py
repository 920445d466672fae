"""Reading sales, and recording orders idempotently."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.errors import AlreadyRecorded
from domain.pages import check_page_size
from domain.sales.commands import RecordOrder
from domain.sales.orders import Order
from domain.sales.recording import record_order as record
from domain.sales.recording import replayed
from domain.sales.reservations import Reservation
from infra.db import sales_tables as s
from infra.db.keyset import Page
from infra.db.queries import sales as queries
from infra.db.queries.sales import OrderCriteria, OrderRecord
from infra.db.repositories.memberships import reservation_of
from resolvers.context import RequestContext


async def record_order(context: RequestContext, command: RecordOrder) -> tuple[Order, bool]:
    """The order and whether this call recorded it. A request that loses the race on an
    external reference returns the winner's order, as a retry would."""
    try:
        return await context.perform(lambda uow: record(uow, command))
    except AlreadyRecorded as lost:
        async with context.unit_of_work() as uow:
            existing = await uow.orders.with_external_reference(lost.reference)
        assert existing is not None
        return replayed(existing, command), False


async def orders(
    context: RequestContext,
    criteria: OrderCriteria,
    first: int | None,
    after: str | None,
    items: bool = False,
) -> Page[OrderRecord]:
    """A customer's orders; with `items`, each one's items read with the page, in the same
    statement, and handed to the loader the items are read from."""
    size = check_page_size(first)
    tenant_id = context.caller.tenant_id
    page = await context.reads.run(
        lambda db: queries.order_page(db, tenant_id, criteria, size, after, items)
    )
    loaders = context.loaders
    for found in page.rows:
        loaders.order_by_id.prime(found.order.id, found.order)
        if found.items is not None:
            loaders.items_by_order.prime(found.order.id, found.items)
    return page


async def event_instances(
    context: RequestContext,
    starts_from: datetime | None,
    starts_before: datetime | None,
    partner_company_id: int | None,
    first: int | None,
    after: str | None,
) -> Page[Any]:
    size = check_page_size(first)
    tenant_id = context.caller.tenant_id
    return await context.reads.run(
        lambda db: queries.event_instance_page(
            db, tenant_id, starts_from, starts_before, partner_company_id, size, after
        )
    )


async def visits(
    context: RequestContext, customer_id: int, first: int | None, after: str | None
) -> Page[Any]:
    size = check_page_size(first)
    tenant_id = context.caller.tenant_id
    return await context.reads.run(
        lambda db: queries.visit_page(db, tenant_id, customer_id, size, after)
    )


async def _catalogue(context: RequestContext, table: Any) -> list[Any]:
    tenant_id = context.caller.tenant_id
    return await context.reads.run(lambda db: queries.catalogue(db, tenant_id, table))


async def funds(context: RequestContext) -> list[Any]:
    return await _catalogue(context, s.fund)


async def membership_schemes(context: RequestContext) -> list[Any]:
    return await _catalogue(context, s.membership_scheme)


async def partner_companies(context: RequestContext) -> list[Any]:
    return await _catalogue(context, s.partner_company)


async def events(context: RequestContext) -> list[Any]:
    return await _catalogue(context, s.event)


async def reservation(context: RequestContext, reservation_id: int) -> Reservation | None:
    async with context.unit_of_work() as uow:
        return await uow.reservations.get(reservation_id)


async def reservation_through_loaders(
    context: RequestContext, reservation_id: int
) -> Reservation | None:
    """A reservation read in the request's batches: a page of them costs two statements."""
    loaders = context.loaders
    row = await loaders.reservation_by_id.load(reservation_id)
    if row is None:
        return None
    return reservation_of(row, await loaders.tickets_by_reservation.load(reservation_id))
