"""Customers in and out of their tables, with their search terms kept in step."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.contact import Address, Email, Phone
from domain.customers.customer import Attribute, Customer, CustomerKind, format_reference
from domain.customers.search import indexed_terms
from infra.clock import utc_now
from infra.db import tables as t

# Built once, compiled once: the kinds of the customers a command names (every order asks).
_KINDS = select(t.customer.c.id, t.customer.c.kind).where(
    t.customer.c.tenant_id == bindparam("tenant_id"),
    t.customer.c.id.in_(bindparam("ids", expanding=True)),
)


def _parts(customer: Customer) -> dict[Table, list[dict[str, Any]]]:
    return {
        t.customer_email: [{"address": e.address, "label": e.label} for e in customer.emails],
        t.customer_phone: [{"number": p.number, "label": p.label} for p in customer.phones],
        t.customer_address: [
            {
                "line1": a.line1,
                "line2": a.line2,
                "city": a.city,
                "region": a.region,
                "postcode": a.postcode,
                "country": a.country,
                "is_primary": a.primary,
            }
            for a in customer.addresses
        ],
        t.customer_tag: [{"tag": tag} for tag in customer.tags],
        t.customer_attribute: [
            {"key": a.key, "value": a.value, "protected": a.protected} for a in customer.attributes
        ],
    }


def customer_columns(customer: Customer) -> dict[str, Any]:
    return {
        "kind": customer.kind.value,
        "title": customer.title,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": customer.name,
        "date_of_death": customer.date_of_death,
        "active": customer.active,
        "sort_key": customer.sort_key,
    }


def part_rows(
    tenant_id: int, customer_id: int, customer: Customer
) -> dict[Table, list[dict[str, Any]]]:
    """Every detail row and search term of `customer`, ready to insert."""
    rows = {
        table: [
            {"tenant_id": tenant_id, "customer_id": customer_id, "position": i, **values}
            for i, values in enumerate(items)
        ]
        for table, items in _parts(customer).items()
    }
    sort_key = customer.sort_key
    rows[t.customer_search_term] = [
        {"tenant_id": tenant_id, "customer_id": customer_id, "term": term, "sort_key": sort_key}
        for term in sorted(indexed_terms(customer))
    ]
    return rows


def customer_from_rows(row: Row[Any], parts: dict[Table, Sequence[Row[Any]]]) -> Customer:
    return Customer(
        kind=CustomerKind(row.kind),
        id=row.id,
        reference=row.reference,
        title=row.title,
        first_name=row.first_name,
        last_name=row.last_name,
        name=row.name,
        date_of_death=row.date_of_death,
        active=row.active,
        created_at=row.created_at,
        emails=[Email(r.address, r.label) for r in parts[t.customer_email]],
        phones=[Phone(r.number, r.label) for r in parts[t.customer_phone]],
        addresses=[
            Address(r.line1, r.line2, r.city, r.region, r.postcode, r.country, r.is_primary)
            for r in parts[t.customer_address]
        ],
        tags=[r.tag for r in parts[t.customer_tag]],
        attributes=[Attribute(r.key, r.value, r.protected) for r in parts[t.customer_attribute]],
    )


DETAIL_TABLES = (
    t.customer_email,
    t.customer_phone,
    t.customer_address,
    t.customer_tag,
    t.customer_attribute,
)


class SqlCustomerRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db = connection
        self._tenant_id = tenant_id

    async def get(self, customer_id: int) -> Customer | None:
        row = (
            await self._db.execute(
                select(t.customer).where(
                    t.customer.c.id == customer_id, t.customer.c.tenant_id == self._tenant_id
                )
            )
        ).first()
        if row is None:
            return None
        parts = {}
        for table in DETAIL_TABLES:
            parts[table] = (
                await self._db.execute(
                    select(table)
                    .where(table.c.customer_id == customer_id)
                    .order_by(table.c.position)
                )
            ).all()
        return customer_from_rows(row, parts)

    async def kinds(self, customer_ids: Collection[int]) -> dict[int, CustomerKind]:
        if not customer_ids:
            return {}
        rows = await self._db.execute(
            _KINDS, {"tenant_id": self._tenant_id, "ids": list(customer_ids)}
        )
        return {row.id: CustomerKind(row.kind) for row in rows}

    async def add(self, customer: Customer) -> None:
        number = (
            await self._db.execute(
                update(t.tenant)
                .where(t.tenant.c.id == self._tenant_id)
                .values(next_customer_number=t.tenant.c.next_customer_number + 1)
                .returning(t.tenant.c.next_customer_number - 1)
            )
        ).scalar_one()
        now = utc_now()
        customer.reference, customer.created_at = format_reference(number), now
        customer.id = (
            await self._db.execute(
                insert(t.customer)
                .values(
                    tenant_id=self._tenant_id,
                    reference=customer.reference,
                    created_at=now,
                    updated_at=now,
                    **customer_columns(customer),
                )
                .returning(t.customer.c.id)
            )
        ).scalar_one()
        await self._insert_parts(customer)

    async def save(self, customer: Customer) -> None:
        assert customer.id is not None
        await self._db.execute(
            update(t.customer)
            .where(t.customer.c.id == customer.id, t.customer.c.tenant_id == self._tenant_id)
            .values(updated_at=utc_now(), **customer_columns(customer))
        )
        for table in (*DETAIL_TABLES, t.customer_search_term):
            await self._db.execute(delete(table).where(table.c.customer_id == customer.id))
        await self._insert_parts(customer)

    async def _insert_parts(self, customer: Customer) -> None:
        assert customer.id is not None
        for table, rows in part_rows(self._tenant_id, customer.id, customer).items():
            if rows:
                await self._db.execute(insert(table), rows)
