"""Finding and listing customers: search, filters and keyset pages in surname order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.search import CustomerCriteria, SearchQuery, prefix_upper_bound
from infra.db import tables as t
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.tables import Id, Term

c = t.customer.c


def _term_matches(tenant_id: int, prefix: str) -> Select[tuple[int]]:
    s = t.customer_search_term.c
    return select(s.customer_id).where(
        s.tenant_id == tenant_id, s.term >= prefix, s.term < prefix_upper_bound(prefix)
    )


def _search_condition(tenant_id: int, query: SearchQuery) -> Any:
    every_word = and_(*(c.id.in_(_term_matches(tenant_id, w)) for w in query.words))
    if query.whole is None:
        return every_word
    return or_(every_word, c.id.in_(_term_matches(tenant_id, query.whole)))


def matching_customers(tenant_id: int, criteria: CustomerCriteria) -> Select[Any]:
    """All of `tenant_id`'s customers that meet `criteria`, in listing order."""
    statement = select(t.customer).where(c.tenant_id == tenant_id)
    if not criteria.include_inactive:
        statement = statement.where(c.active.is_(True))
    if criteria.search and (query := SearchQuery.parse(criteria.search)) is not None:
        statement = statement.where(_search_condition(tenant_id, query))
    if criteria.kind is not None:
        statement = statement.where(c.kind == criteria.kind.value)
    for tag in criteria.tags:
        tg = t.customer_tag.c
        statement = statement.where(exists().where(tg.customer_id == c.id, tg.tag == tag))
    if criteria.has_email is not None:
        has = exists().where(t.customer_email.c.customer_id == c.id)
        statement = statement.where(has if criteria.has_email else ~has)
    if criteria.created_after is not None:
        statement = statement.where(c.created_at >= criteria.created_after)
    if criteria.created_before is not None:
        statement = statement.where(c.created_at < criteria.created_before)
    return statement.order_by(c.sort_key, c.id)


async def customer_page(
    db: AsyncConnection, tenant_id: int, criteria: CustomerCriteria, first: int, after: str | None
) -> Page[Any]:
    statement = matching_customers(tenant_id, criteria)
    position = decode_cursor(after, (str, int))
    if position is not None:
        statement = statement.where(
            tuple_(c.sort_key, c.id) > tuple_(literal(position[0], Term), literal(position[1], Id))
        )
    rows = list((await db.execute(statement.limit(first + 1))).all())
    page = rows[:first]
    return Page(page, [encode_cursor((r.sort_key, r.id)) for r in page], len(rows) > first)


async def customers_by_id(db: AsyncConnection, tenant_id: int, ids: list[int]) -> dict[int, Any]:
    rows = await db.execute(select(t.customer).where(c.tenant_id == tenant_id, c.id.in_(ids)))
    return {row.id: row for row in rows}
