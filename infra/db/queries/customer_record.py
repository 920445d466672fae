"""A customer with the lists a request asks for, in one statement: each list a JSON array
built by the database (json_agg on PostgreSQL, json_group_array on SQLite) beside the
customer's row, and turned back into rows shaped like the dataloaders' own, so the types
that read them cannot tell the difference. Each row of a list is an array of its columns
in the table's order, not an object keyed by them: a page of 100 customers decodes a few
hundred of them, and without the keys there is half as much to decode."""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Table, bindparam, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from infra.db import tables as t
from infra.db.driver_reads import driver_rows
from infra.db.queries.erased import both_ends_kept

# The lists a customer can be read with, by the loader names' stems.
DETAILS = {
    "emails": t.customer_email,
    "phones": t.customer_phone,
    "addresses": t.customer_address,
    "tags": t.customer_tag,
    "attributes": t.customer_attribute,
}
RELATIONSHIPS = "relationships"
LISTS = frozenset({*DETAILS, RELATIONSHIPS})
_ENDS = {"type": t.relationship_type, "from": t.customer, "to": t.customer}


@dataclass
class CustomerRecord:
    customer: Any
    details: dict[str, list[Any]] = field(default_factory=dict)
    relationships: list[Any] | None = None  # ended ones too, in id order
    relationship_types: list[Any] = field(default_factory=list)
    ends: list[Any] = field(default_factory=list)  # the customers at both ends


@cache
def row_type(table: Table) -> Any:
    return namedtuple(f"{table.name}_row", list(table.c.keys()))  # type: ignore[misc]


def _converter(column: Any) -> Callable[[Any], Any] | None:
    """How a column's JSON value becomes what the column's type gives (None: as it is)."""
    kind = column.type
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Date) and not isinstance(kind, DateTime):
        return lambda value: date.fromisoformat(value[:10])
    if isinstance(getattr(kind, "impl", kind), DateTime):
        if hasattr(kind, "impl"):
            return lambda value: kind.process_result_value(datetime.fromisoformat(value), None)
        return datetime.fromisoformat
    return None


@cache
def _reader(table: Table, prefix: str | None) -> Callable[[Any], Any]:
    """Turns a JSON object of `table`'s columns (keys after `prefix`), or with no prefix
    (None) an array of them in the table's order, into a row. Worked out once per table: a
    page reads hundreds of them, and walking the table's columns for each costs more than
    the database takes to send them."""
    make = row_type(table)._make
    values_of = list if prefix is None else itemgetter(*(prefix + c.key for c in table.c))
    converting = [(n, convert) for n, c in enumerate(table.c) if (convert := _converter(c))]

    def read(found: Any) -> Any:
        values = list(values_of(found))
        for n, convert in converting:
            if values[n] is not None:
                values[n] = convert(values[n])
        return make(values)

    return read


def row_of(table: Table, found: Any, prefix: str = "") -> Any:
    """A row of `table` from a JSON object of its columns or an array of them (json_list)."""
    return _reader(table, None if isinstance(found, list) else prefix)(found)


def json_object(dialect: str, pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
    build = func.json_build_object if dialect == "postgresql" else func.json_object
    return build(*(part for key, column in pairs for part in (literal_column(f"'{key}'"), column)))


def json_array(dialect: str, element: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.json_agg(element) if dialect == "postgresql" else func.json_group_array(element)


def json_list(dialect: str, table: Table, where: Any) -> Any:
    """A scalar subquery: the rows of `table` meeting `where`, as a JSON array of arrays of
    the columns, in the table's order (`record_of` turns each back into a row)."""
    build = func.json_build_array if dialect == "postgresql" else func.json_array
    return select(json_array(dialect, build(*table.c))).where(where).scalar_subquery()


def _relationships(dialect: str, customer: Any) -> Any:
    r = t.relationship
    ends = {k: table.alias(f"end_{k}") for k, table in _ENDS.items()}
    pairs = [(c.key, c) for c in r.c]
    pairs += [(f"{k}.{c.key}", c) for k, end in ends.items() for c in end.c]
    return (
        select(json_array(dialect, json_object(dialect, pairs)))
        .select_from(r)
        .join(ends["type"], ends["type"].c.id == r.c.type_id)
        .join(ends["from"], ends["from"].c.id == r.c.from_customer_id)
        .join(ends["to"], ends["to"].c.id == r.c.to_customer_id)
        .where(
            r.c.tenant_id == customer.tenant_id,
            or_(r.c.from_customer_id == customer.id, r.c.to_customer_id == customer.id),
            both_ends_kept(r.c),
        )
        .scalar_subquery()
    )


def parsed_list(value: Any) -> list[dict[str, Any]]:
    """A JSON array column's value (psycopg parses it; SQLite gives its text)."""
    found = json.loads(value) if isinstance(value, str) else value
    return list(found or [])


def parsed_object(value: Any) -> dict[str, Any] | None:
    """A JSON object column's value (psycopg parses it; SQLite gives its text)."""
    return json.loads(value) if isinstance(value, str) else value


@cache
def list_columns(dialect: str, lists: frozenset[str]) -> tuple[Any, ...]:
    """Columns to add to a statement selecting customers: each of `lists` (names in LISTS)
    of the customer on the row, as a JSON array, labelled with its name. Built once per
    process: building them costs more than the database takes to run them."""
    c = t.customer.c
    return tuple(
        json_list(dialect, DETAILS[name], DETAILS[name].c.customer_id == c.id).label(name)
        if name in DETAILS
        else _relationships(dialect, c).label(name)
        for name in sorted(lists & LISTS)
    )


@cache
def _by_id(dialect: str, lists: frozenset[str]) -> Any:
    c = t.customer.c
    return select(t.customer, *list_columns(dialect, lists)).where(
        c.tenant_id == bindparam("tenant_id"), c.id == bindparam("pk")
    )


async def customer_record(
    db: AsyncConnection, tenant_id: int, pk: int, lists: frozenset[str]
) -> CustomerRecord | None:
    """The customer `pk` of the organisation with `lists` (names in LISTS)."""
    statement = _by_id(db.dialect.name, lists)
    found = await driver_rows(db, statement, {"tenant_id": tenant_id, "pk": pk})
    return record_of(found[0], lists) if found else None


_by_position = attrgetter("position")
_CUSTOMER_WIDTH = len(t.customer.c)


@cache
def _sorted_lists(lists: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(lists & LISTS))


def record_of(found: Any, lists: frozenset[str]) -> CustomerRecord:
    """A row of a statement with `list_columns(…, lists)` as a record (its lists read by
    name: a result row or one of infra/db/driver_reads.py)."""
    # The customer's columns come first, in the table's order (select(t.customer, …)).
    record = CustomerRecord(row_type(t.customer)._make(found[:_CUSTOMER_WIDTH]))
    for name in _sorted_lists(lists):
        items = parsed_list(getattr(found, name))
        if name in DETAILS:
            read = _reader(DETAILS[name], None)
            rows = [read(item) for item in items]
            if len(rows) > 1:
                rows.sort(key=_by_position)
            record.details[name] = rows
            continue
        items.sort(key=lambda item: item["id"])
        record.relationships = [row_of(t.relationship, item) for item in items]
        record.relationship_types = [row_of(t.relationship_type, i, "type.") for i in items]
        record.ends = [row_of(t.customer, i, f"{end}.") for i in items for end in ("from", "to")]
    return record
