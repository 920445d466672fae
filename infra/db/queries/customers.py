"""Finding and listing customers: search, filters and keyset pages in surname order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, Subquery, exists, literal, select, tuple_, union
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.search import CustomerCriteria, SearchQuery, prefix_upper_bound
from infra.db import tables as t
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.queries.erased import not_erased
from infra.db.tables import Id, Term

c = t.customer.c
# Where a keyset page starts: just after the row with this sort key and id.
Position = tuple[Any, ...]


def _after(sort_key: Any, pk: Any, position: Position) -> Any:
    return tuple_(sort_key, pk) > tuple_(literal(position[0], Term), literal(position[1], Id))


def _term_matches(tenant_id: int, prefix: str) -> Select[tuple[int]]:
    s = t.customer_search_term.c
    return select(s.customer_id).where(
        s.tenant_id == tenant_id, s.term >= prefix, s.term < prefix_upper_bound(prefix)
    )


def _search_matches(tenant_id: int, query: SearchQuery, after: Position | None) -> Subquery:
    """Each customer matching `query` once, with its sort key (a copy kept on its terms).

    A page is sorted from one range of the terms' index and only its rows are joined to
    their customers. Driven from the customer listing instead, PostgreSQL walks the listing
    until enough customers match: for a surname late in the alphabet, most of the table
    (seconds at a million customers), and a prepared statement's generic plan does that
    for every search, an exact email included.
    """
    s = t.customer_search_term.c

    def starting_with(prefix: str) -> Select[Any]:
        found = select(s.sort_key, s.customer_id).where(
            s.tenant_id == tenant_id, s.term >= prefix, s.term < prefix_upper_bound(prefix)
        )
        return found if after is None else found.where(_after(s.sort_key, s.customer_id, after))

    # The longest word has the narrowest range; the others only filter it.
    driver, *others = sorted(query.words, key=len, reverse=True)
    every_word = starting_with(driver)
    for word in others:
        every_word = every_word.where(s.customer_id.in_(_term_matches(tenant_id, word)))
    # Ordered here as well as outside: without it PostgreSQL may de-duplicate in id order
    # and merge-join the whole customer table before sorting (ten times slower).
    if query.whole is None:
        return every_word.distinct().order_by(s.sort_key, s.customer_id).subquery("found")
    either = union(every_word, starting_with(query.whole))
    columns = either.selected_columns
    return either.order_by(columns.sort_key, columns.customer_id).subquery("found")


def matching_customers(
    tenant_id: int, criteria: CustomerCriteria, after: Position | None = None
) -> Select[Any]:
    """All of `tenant_id`'s customers that meet `criteria`, in listing order, starting
    after the keyset position `after` when given; never an erased one, even among the
    inactive (infra/db/queries/erased.py)."""
    statement = select(t.customer).where(c.tenant_id == tenant_id, not_erased(c.id))
    order: tuple[Any, Any] = (c.sort_key, c.id)
    if criteria.search and (query := SearchQuery.parse(criteria.search)) is not None:
        found = _search_matches(tenant_id, query, after)
        statement = statement.join(found, found.c.customer_id == c.id)
        order = (found.c.sort_key, found.c.customer_id)
    elif after is not None:
        statement = statement.where(_after(c.sort_key, c.id, after))
    if not criteria.include_inactive:
        statement = statement.where(c.active.is_(True))
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
    return statement.order_by(*order)


async def customer_page(
    db: AsyncConnection,
    tenant_id: int,
    criteria: CustomerCriteria,
    first: int,
    after: str | None,
    with_columns: Sequence[Any] = (),
) -> Page[Any]:
    """`with_columns`: more columns of each customer's row (its lists, as JSON)."""
    statement = matching_customers(tenant_id, criteria, decode_cursor(after, (str, int)))
    statement = statement.add_columns(*with_columns)
    rows = list((await db.execute(statement.limit(first + 1))).all())
    page = rows[:first]
    return Page(page, [encode_cursor((r.sort_key, r.id)) for r in page], len(rows) > first)


async def customers_by_id(db: AsyncConnection, tenant_id: int, ids: list[int]) -> dict[int, Any]:
    rows = await db.execute(select(t.customer).where(c.tenant_id == tenant_id, c.id.in_(ids)))
    return {row.id: row for row in rows}
