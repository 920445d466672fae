"""A page of customers' details in one statement per kind of detail (for dataloaders)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, Table, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from infra.db import tables as t
from infra.db.queries.erased import both_ends_kept, not_erased


def detail_rows(tenant_id: int, table: Table, customer_ids: list[int]) -> Select[Any]:
    """Rows of a detail table (emails, phones, …) of these customers, in their order."""
    return (
        select(table)
        .where(table.c.tenant_id == tenant_id, table.c.customer_id.in_(customer_ids))
        .order_by(table.c.customer_id, table.c.position)
    )


def group_by_customer(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.customer_id].append(row)
    return grouped


async def rows_by_customer(
    db: AsyncConnection, tenant_id: int, table: Table, customer_ids: list[int]
) -> dict[int, list[Any]]:
    return group_by_customer(await db.execute(detail_rows(tenant_id, table, customer_ids)))


async def relationships_by_customer(
    db: AsyncConnection, tenant_id: int, customer_ids: list[int], include_ended: bool
) -> dict[int, list[Any]]:
    """Each customer's relationships, from either side."""
    r = t.relationship.c
    statement = (
        select(t.relationship)
        .where(
            r.tenant_id == tenant_id,
            or_(r.from_customer_id.in_(customer_ids), r.to_customer_id.in_(customer_ids)),
            both_ends_kept(r),
        )
        .order_by(r.id)
    )
    if not include_ended:
        statement = statement.where(r.ended.is_(False))
    grouped: dict[int, list[Any]] = defaultdict(list)
    wanted = set(customer_ids)
    for row in await db.execute(statement):
        for side in {row.from_customer_id, row.to_customer_id} & wanted:
            grouped[side].append(row)
    return grouped


async def households_by_member(
    db: AsyncConnection, tenant_id: int, customer_ids: list[int]
) -> dict[int, Any]:
    m, h = t.household_member.c, t.household.c
    rows = await db.execute(
        select(t.household, m.customer_id.label("member_id"))
        .join(t.household_member, m.household_id == h.id)
        .where(h.tenant_id == tenant_id, m.customer_id.in_(customer_ids))
    )
    return {row.member_id: row for row in rows}


async def households_by_id(
    db: AsyncConnection, tenant_id: int, household_ids: list[int]
) -> dict[int, Any]:
    rows = await db.execute(
        select(t.household).where(
            t.household.c.tenant_id == tenant_id, t.household.c.id.in_(household_ids)
        )
    )
    return {row.id: row for row in rows}


async def members_by_household(
    db: AsyncConnection, tenant_id: int, household_ids: list[int]
) -> dict[int, list[int]]:
    m = t.household_member.c
    rows = await db.execute(
        select(m.household_id, m.customer_id)
        .where(
            m.tenant_id == tenant_id,
            m.household_id.in_(household_ids),
            not_erased(m.customer_id),
        )
        .order_by(m.customer_id)
    )
    grouped: dict[int, list[int]] = defaultdict(list)
    for household_id, customer_id in rows:
        grouped[household_id].append(customer_id)
    return grouped


async def member_customers_by_household(
    db: AsyncConnection, tenant_id: int, household_ids: list[int]
) -> dict[int, list[Any]]:
    """Each household's members as customer rows, in the order of `members_by_household`."""
    m, c = t.household_member.c, t.customer.c
    rows = await db.execute(
        select(t.customer, m.household_id.label("household_id"))
        .join(t.household_member, m.customer_id == c.id)
        .where(
            m.tenant_id == tenant_id,
            c.tenant_id == tenant_id,
            m.household_id.in_(household_ids),
            not_erased(c.id),
        )
        .order_by(m.customer_id)
    )
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.household_id].append(row)
    return grouped


async def relationship_types(db: AsyncConnection, tenant_id: int) -> list[Any]:
    rt = t.relationship_type.c
    return list(
        (
            await db.execute(
                select(t.relationship_type).where(rt.tenant_id == tenant_id).order_by(rt.name)
            )
        ).all()
    )


async def relationship_types_by_id(
    db: AsyncConnection, tenant_id: int, type_ids: list[int]
) -> dict[int, Any]:
    rt = t.relationship_type.c
    rows = await db.execute(
        select(t.relationship_type).where(rt.tenant_id == tenant_id, rt.id.in_(type_ids))
    )
    return {row.id: row for row in rows}


async def relationships_by_id(
    db: AsyncConnection, tenant_id: int, relationship_ids: list[int]
) -> dict[int, Any]:
    r = t.relationship.c
    rows = await db.execute(
        select(t.relationship).where(r.tenant_id == tenant_id, r.id.in_(relationship_ids))
    )
    return {row.id: row for row in rows}
