"""Finding and listing customers: search, filters and keyset pages in surname order.

Each form of the statement (how many search words, which filters, a cursor or none) is
built once per process with every value a bound parameter: building and keying a statement
costs more than PostgreSQL takes to run a page of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    not_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.search import (
    SHORT_PREFIX,
    CustomerCriteria,
    SearchQuery,
    is_short,
    prefix_upper_bound,
)
from infra.db import tables as t
from infra.db.driver_reads import driver_rows
from infra.db.keyset import Cursors, Page, decode_cursor
from infra.db.queries.erased import not_erased
from infra.db.tables import Id, Term

c = t.customer.c
# Where a keyset page starts: just after the row with this sort key and id.
Position = tuple[Any, ...]


@dataclass(frozen=True)
class _Form:
    """What a statement's SQL depends on; the values themselves are its parameters."""

    words: tuple[bool, ...] = ()  # whether each search word is short, longest first
    whole: bool | None = None  # whether the whole query is short; None: no whole query
    after: bool = False
    include_inactive: bool = False
    kind: bool = False
    tags: int = 0
    has_email: bool | None = None
    created_after: bool = False
    created_before: bool = False
    # A page (at most `size` rows, bound) rather than every match (an export).
    paged: bool = False


def _after(sort_key: Any, pk: Any) -> ColumnElement[bool]:
    return tuple_(sort_key, pk) > tuple_(
        bindparam("after_key", type_=Term), bindparam("after_id", type_=Id)
    )


def _term_matches(term: Any, name: str, short: bool) -> ColumnElement[bool]:
    """`term` starts with the word bound as `name`: a short word is stored as it is (a term
    or one's prefix), so equality finds it; a longer one is a range of the terms."""
    if short:
        return term == bindparam(name)  # type: ignore[no-any-return]
    return and_(term >= bindparam(name), term < bindparam(f"{name}_end"))


def _has_word(customer_id: Any, name: str, short: bool) -> ColumnElement[bool]:
    s = t.customer_search_term.alias()
    return exists().where(
        s.c.tenant_id == bindparam("tenant_id"),
        s.c.customer_id == customer_id,
        _term_matches(s.c.term, name, short),
    )


def _starting_with(name: str, short: bool, form: _Form) -> tuple[Select[Any], Any]:
    """Each customer with a term starting with the word bound as `name`, with its sort key.

    A short word is an equality on the terms' listing index (tenant, term, sort key, id):
    one row per customer, already in listing order, so a page reads its own rows and stops
    however many customers match (`smi` at a million). A longer word is a range of terms,
    de-duplicated and sorted; such words (emails, phone numbers, long names) match few."""
    s = t.customer_search_term.alias(f"by_{name}")
    found = select(s.c.sort_key, s.c.customer_id).where(
        s.c.tenant_id == bindparam("tenant_id"), _term_matches(s.c.term, name, short)
    )
    if not short:
        found = found.distinct()
    if form.after:
        found = found.where(_after(s.c.sort_key, s.c.customer_id))
    return found, s.c.customer_id


def _search_matches(form: _Form) -> Any:
    """The customers matching the search, once each, with their sort keys. With a whole
    query (`SW1A 1AA`), those matching it but not every word come as a second part: the
    two never share a customer, so nothing is read again to de-duplicate them, and on a
    page each part stops at the page's size (the customer's own conditions are checked
    within each part, so a part's first rows are its page)."""
    (driver, *others) = [(f"word_{n}", short) for n, short in enumerate(form.words)]
    every_word, customer_id = _starting_with(*driver, form)
    for name, short in others:
        every_word = every_word.where(_has_word(customer_id, name, short))
    if form.whole is None:
        return every_word.subquery("found")
    whole, customer_id = _starting_with("whole", form.whole, form)
    words = [_has_word(customer_id, f"word_{n}", s) for n, s in enumerate(form.words)]
    parts = [every_word, whole.where(not_(and_(*words)))]
    if form.paged:
        parts = [_paged_part(part, form) for part in parts]
    return union_all(*parts).subquery("found")


def _paged_part(part: Select[Any], form: _Form) -> Select[Any]:
    """One part of a search's matches as its own page: joined to the customers, with
    their conditions, in listing order, at most `size` rows."""
    found = part.subquery()
    statement = select(found.c.sort_key, found.c.customer_id).join(
        t.customer, c.id == found.c.customer_id
    )
    statement = _with_conditions(statement, form).order_by(found.c.sort_key, found.c.customer_id)
    # Selected from as a subquery: SQLite allows no LIMIT on a part of a UNION itself.
    return select(statement.limit(bindparam("size", type_=Integer)).subquery())


def _with_conditions(statement: Select[Any], form: _Form) -> Select[Any]:
    """The customer's own conditions (never erased; active, kind, tags, email, created)."""
    statement = statement.where(c.tenant_id == bindparam("tenant_id"), not_erased(c.id))
    if not form.include_inactive:
        statement = statement.where(c.active.is_(True))
    if form.kind:
        statement = statement.where(c.kind == bindparam("kind"))
    for n in range(form.tags):
        tg = t.customer_tag.c
        statement = statement.where(
            exists().where(tg.customer_id == c.id, tg.tag == bindparam(f"tag_{n}"))
        )
    if form.has_email is not None:
        has = exists().where(t.customer_email.c.customer_id == c.id)
        statement = statement.where(has if form.has_email else ~has)
    if form.created_after:
        statement = statement.where(c.created_at >= bindparam("created_after"))
    if form.created_before:
        statement = statement.where(c.created_at < bindparam("created_before"))
    return statement


@cache
def _matching(form: _Form) -> Select[Any]:
    statement = select(t.customer)
    order: tuple[Any, Any] = (c.sort_key, c.id)
    if form.words:
        found = _search_matches(form)
        statement = statement.join(found, found.c.customer_id == c.id)
        order = (found.c.sort_key, found.c.customer_id)
    elif form.after:
        statement = statement.where(_after(c.sort_key, c.id))
    return _with_conditions(statement, form).order_by(*order)


@cache
def _page(form: _Form, with_columns: tuple[Any, ...]) -> Select[Any]:
    paged = replace(form, paged=True)
    return _matching(paged).add_columns(*with_columns).limit(bindparam("size", type_=Integer))


def _word_values(name: str, word: str) -> dict[str, str]:
    key = word if is_short(word) else word[:SHORT_PREFIX]
    return {name: word, f"{name}_key": key, f"{name}_end": prefix_upper_bound(word)}


def _form_and_values(
    tenant_id: int, criteria: CustomerCriteria, after: Position | None
) -> tuple[_Form, dict[str, Any]]:
    values: dict[str, Any] = {"tenant_id": tenant_id}
    words: tuple[str, ...] = ()
    whole = None
    if criteria.search and (query := SearchQuery.parse(criteria.search)) is not None:
        # The longest word has the narrowest range; the others only filter it.
        words = tuple(sorted(query.words, key=len, reverse=True))
        whole = query.whole
        for n, word in enumerate(words):
            values |= _word_values(f"word_{n}", word)
        if whole is not None:
            values |= _word_values("whole", whole)
    if after is not None:
        values |= {"after_key": after[0], "after_id": after[1]}
    if criteria.kind is not None:
        values["kind"] = criteria.kind.value
    values |= {f"tag_{n}": tag for n, tag in enumerate(criteria.tags)}
    if criteria.created_after is not None:
        values["created_after"] = criteria.created_after
    if criteria.created_before is not None:
        values["created_before"] = criteria.created_before
    form = _Form(
        words=tuple(is_short(w) for w in words),
        whole=None if whole is None else is_short(whole),
        after=after is not None,
        include_inactive=criteria.include_inactive,
        kind=criteria.kind is not None,
        tags=len(criteria.tags),
        has_email=criteria.has_email,
        created_after=criteria.created_after is not None,
        created_before=criteria.created_before is not None,
    )
    return form, values


def matching_customers(
    tenant_id: int, criteria: CustomerCriteria, after: Position | None = None
) -> Select[Any]:
    """All of `tenant_id`'s customers that meet `criteria`, in listing order, starting
    after the keyset position `after` when given; never an erased one, even among the
    inactive (infra/db/queries/erased.py)."""
    form, values = _form_and_values(tenant_id, criteria, after)
    return _matching(form).params(values)


async def customer_page(
    db: AsyncConnection,
    tenant_id: int,
    criteria: CustomerCriteria,
    first: int,
    after: str | None,
    with_columns: Sequence[Any] = (),
) -> Page[Any]:
    """`with_columns`: more columns of each customer's row (its lists, as JSON)."""
    form, values = _form_and_values(tenant_id, criteria, decode_cursor(after, (str, int)))
    statement = _page(form, tuple(with_columns))
    rows = await driver_rows(db, statement, values | {"size": first + 1})
    page = rows[:first]
    return Page(page, Cursors([(r.sort_key, r.id) for r in page]), len(rows) > first)


async def customers_by_id(db: AsyncConnection, tenant_id: int, ids: list[int]) -> dict[int, Any]:
    rows = await db.execute(select(t.customer).where(c.tenant_id == tenant_id, c.id.in_(ids)))
    return {row.id: row for row in rows}
