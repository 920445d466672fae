"""Households and their members in and out of their tables."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.households import Household
from infra.db import tables as t


class SqlHouseholdRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db = connection
        self._tenant_id = tenant_id

    async def get(self, household_id: int) -> Household | None:
        row = (
            await self._db.execute(
                select(t.household).where(
                    t.household.c.id == household_id, t.household.c.tenant_id == self._tenant_id
                )
            )
        ).first()
        if row is None:
            return None
        members = (
            (
                await self._db.execute(
                    select(t.household_member.c.customer_id)
                    .where(t.household_member.c.household_id == household_id)
                    .order_by(t.household_member.c.customer_id)
                )
            )
            .scalars()
            .all()
        )
        return Household(row.name, row.primary_householder_id, list(members), row.id)

    async def of_member(self, customer_id: int) -> Household | None:
        household_id = (
            await self._db.execute(
                select(t.household_member.c.household_id).where(
                    t.household_member.c.customer_id == customer_id,
                    t.household_member.c.tenant_id == self._tenant_id,
                )
            )
        ).scalar_one_or_none()
        return await self.get(household_id) if household_id is not None else None

    async def add(self, household: Household) -> None:
        household.id = (
            await self._db.execute(
                insert(t.household)
                .values(
                    tenant_id=self._tenant_id,
                    name=household.name,
                    primary_householder_id=household.primary_householder_id,
                )
                .returning(t.household.c.id)
            )
        ).scalar_one()
        await self._insert_members(household, household.member_ids)

    async def save(self, household: Household) -> None:
        """Store members and primary; a household whose last member left is removed."""
        assert household.id is not None
        stored = set(
            (
                await self._db.execute(
                    select(t.household_member.c.customer_id).where(
                        t.household_member.c.household_id == household.id
                    )
                )
            ).scalars()
        )
        gone = stored - set(household.member_ids)
        if gone:
            await self._db.execute(
                delete(t.household_member).where(
                    t.household_member.c.household_id == household.id,
                    t.household_member.c.customer_id.in_(gone),
                )
            )
        await self._insert_members(household, [m for m in household.member_ids if m not in stored])
        if not household.member_ids:
            await self._db.execute(delete(t.household).where(t.household.c.id == household.id))
            return
        await self._db.execute(
            update(t.household)
            .where(t.household.c.id == household.id)
            .values(name=household.name, primary_householder_id=household.primary_householder_id)
        )

    async def _insert_members(self, household: Household, member_ids: list[int]) -> None:
        if member_ids:
            await self._db.execute(
                insert(t.household_member),
                [
                    {"tenant_id": self._tenant_id, "household_id": household.id, "customer_id": m}
                    for m in member_ids
                ],
            )
