"""Erasing a customer in the database: anonymise in place, scrub what mentions them, unlink
the ledger (the one change its trigger allows), suppress the hashed addresses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.consent.erasure import ERASED_NAME, scrub
from domain.customers.customer import Customer
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t

DETAILS = (
    t.customer_email,
    t.customer_phone,
    t.customer_address,
    t.customer_tag,
    t.customer_attribute,
    t.customer_search_term,
)


class SqlErasureRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int, actor_label: str) -> None:
        self._db, self._tenant_id, self._actor_label = connection, tenant_id, actor_label

    async def erased(self, customer_id: int) -> bool:
        e = c.customer_erasure.c
        found = await self._db.scalar(
            select(e.customer_id).where(
                e.tenant_id == self._tenant_id, e.customer_id == customer_id
            )
        )
        return found is not None

    async def erase(
        self, customer: Customer, words: list[str], email_hashes: list[str], reason: str
    ) -> None:
        pk, tenant, now = customer.id, self._tenant_id, utc_now()
        for table in DETAILS:
            await self._db.execute(
                delete(table).where(table.c.tenant_id == tenant, table.c.customer_id == pk)
            )
        individual = customer.is_individual
        await self._db.execute(
            update(t.customer)
            .where(t.customer.c.id == pk, t.customer.c.tenant_id == tenant)
            .values(
                title=None,
                first_name=None,
                last_name=ERASED_NAME if individual else None,
                name=None if individual else ERASED_NAME,
                date_of_death=None,
                active=False,
                sort_key=ERASED_NAME.lower(),
                updated_at=now,
            )
        )
        await self._scrub_mentions(pk, words)
        await self._db.execute(
            update(c.consent_entry)
            .where(c.consent_entry.c.tenant_id == tenant, c.consent_entry.c.customer_id == pk)
            .values(customer_id=None)
        )
        if email_hashes:
            known = set(
                (
                    await self._db.execute(
                        select(c.email_suppression.c.address_hash).where(
                            c.email_suppression.c.tenant_id == tenant,
                            c.email_suppression.c.address_hash.in_(email_hashes),
                        )
                    )
                ).scalars()
            )
            fresh = [h for h in email_hashes if h not in known]
            if fresh:
                await self._db.execute(
                    insert(c.email_suppression),
                    [{"tenant_id": tenant, "address_hash": h, "suppressed_at": now} for h in fresh],
                )
        await self._db.execute(
            insert(c.customer_erasure).values(
                tenant_id=tenant,
                customer_id=pk,
                reason=reason,
                erased_by=self._actor_label,
                erased_at=now,
            )
        )

    async def _scrub_mentions(self, customer_id: Any, words: list[str]) -> None:
        """Take the personal words out of every text that belongs to or mentions the
        customer: their timeline and their relations' and household's, their opportunities'
        names, activities' subjects, orders' attributes and households' names."""
        tenant = self._tenant_id
        r, m = t.relationship.c, t.household_member.c
        households = select(m.household_id).where(
            m.tenant_id == tenant, m.customer_id == customer_id
        )
        related = (
            select(r.to_customer_id)
            .where(r.tenant_id == tenant, r.from_customer_id == customer_id)
            .union(
                select(r.from_customer_id).where(
                    r.tenant_id == tenant, r.to_customer_id == customer_id
                ),
                select(m.customer_id).where(m.household_id.in_(households)),
            )
        )
        timeline = t.timeline_entry.c
        mentions = or_(timeline.customer_id == customer_id, timeline.customer_id.in_(related))
        await self._scrub(t.timeline_entry, ("summary", "details"), mentions, words)
        own = f.opportunity.c.customer_id == customer_id
        await self._scrub(f.opportunity, ("name",), own, words)
        await self._scrub(f.activity, ("subject",), f.activity.c.customer_id == customer_id, words)
        orders = select(s.customer_order.c.id).where(s.customer_order.c.owner_id == customer_id)
        await self._scrub(
            s.order_attribute, ("value",), s.order_attribute.c.order_id.in_(orders), words
        )
        await self._scrub(t.household, ("name",), t.household.c.id.in_(households), words)

    async def _scrub(
        self, table: Table, columns: tuple[str, ...], where: Any, words: list[str]
    ) -> None:
        keys = [k.name for k in table.primary_key.columns]
        rows = await self._db.execute(
            select(*table.primary_key.columns, *(table.c[n] for n in columns)).where(
                table.c.tenant_id == self._tenant_id, where
            )
        )
        for row in rows.all():
            values = {n: _scrubbed(getattr(row, n), words) for n in columns}
            if values != {n: getattr(row, n) for n in columns}:
                await self._db.execute(
                    update(table)
                    .where(*(table.c[k] == getattr(row, k) for k in keys))
                    .values(**values)
                )


def _scrubbed(value: Any, words: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, words)
    if isinstance(value, dict):
        return {k: _scrubbed(v, words) for k, v in value.items()}
    return value
