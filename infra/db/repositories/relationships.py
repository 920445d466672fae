"""Relationship types and relationships in and out of their tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.relationships import Relationship, RelationshipType
from infra.db import tables as t


def relationship_type_from_row(row: Row[Any]) -> RelationshipType:
    return RelationshipType(row.name, row.acts_on_behalf, row.id)


def relationship_from_row(row: Row[Any]) -> Relationship:
    return Relationship(
        row.type_id,
        row.from_customer_id,
        row.to_customer_id,
        row.starts_on,
        row.ends_on,
        row.ended,
        row.id,
    )


class SqlRelationshipTypeRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db = connection
        self._tenant_id = tenant_id

    async def _one(self, *conditions: Any) -> RelationshipType | None:
        row = (
            await self._db.execute(
                select(t.relationship_type).where(
                    t.relationship_type.c.tenant_id == self._tenant_id, *conditions
                )
            )
        ).first()
        return relationship_type_from_row(row) if row else None

    async def get(self, type_id: int) -> RelationshipType | None:
        return await self._one(t.relationship_type.c.id == type_id)

    async def named(self, name: str) -> RelationshipType | None:
        return await self._one(t.relationship_type.c.name == name)

    async def add(self, relationship_type: RelationshipType) -> None:
        relationship_type.id = (
            await self._db.execute(
                insert(t.relationship_type)
                .values(
                    tenant_id=self._tenant_id,
                    name=relationship_type.name,
                    acts_on_behalf=relationship_type.acts_on_behalf,
                )
                .returning(t.relationship_type.c.id)
            )
        ).scalar_one()


class SqlRelationshipRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db = connection
        self._tenant_id = tenant_id

    async def _one(self, *conditions: Any) -> Relationship | None:
        row = (
            await self._db.execute(
                select(t.relationship).where(
                    t.relationship.c.tenant_id == self._tenant_id, *conditions
                )
            )
        ).first()
        return relationship_from_row(row) if row else None

    async def get(self, relationship_id: int) -> Relationship | None:
        return await self._one(t.relationship.c.id == relationship_id)

    async def current(self, type_id: int, from_id: int, to_id: int) -> Relationship | None:
        r = t.relationship.c
        return await self._one(
            r.type_id == type_id,
            r.from_customer_id == from_id,
            r.to_customer_id == to_id,
            r.ended.is_(False),
        )

    async def related(self, a: int, b: int) -> bool:
        r = t.relationship.c
        return (
            await self._one(
                r.ended.is_(False),
                or_(
                    (r.from_customer_id == a) & (r.to_customer_id == b),
                    (r.from_customer_id == b) & (r.to_customer_id == a),
                ),
            )
            is not None
        )

    async def add(self, relationship: Relationship) -> None:
        relationship.id = (
            await self._db.execute(
                insert(t.relationship)
                .values(tenant_id=self._tenant_id, **_columns(relationship))
                .returning(t.relationship.c.id)
            )
        ).scalar_one()

    async def save(self, relationship: Relationship) -> None:
        await self._db.execute(
            update(t.relationship)
            .where(
                t.relationship.c.id == relationship.id,
                t.relationship.c.tenant_id == self._tenant_id,
            )
            .values(**_columns(relationship))
        )


def _columns(relationship: Relationship) -> dict[str, Any]:
    return {
        "type_id": relationship.type_id,
        "from_customer_id": relationship.from_customer_id,
        "to_customer_id": relationship.to_customer_id,
        "starts_on": relationship.starts_on,
        "ends_on": relationship.ends_on,
        "ended": relationship.ended,
    }
