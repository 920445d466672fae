"""Erasing a customer in the database: anonymise in place, scrub what mentions them, unlink
the ledger (the one change its trigger allows), suppress the hashed addresses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.consent.erasure import ERASED_NAME, scrub
from domain.customers.customer import Customer
from domain.events import Fact
from domain.history import erased, fact_from, facts_of, former_words
from domain.mailings.runs import DeliveryStatus
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import fundraising_tables as f
from infra.db import mailing_tables
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
        await self._forget_deliveries(pk)
        await self._scrub_mentions(pk, await self._with_former_words(pk, words))
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

    async def _forget_deliveries(self, customer_id: Any) -> None:
        """The customer's mailing deliveries keep no address and no subject written for
        them, and none still to go is sent. Before the history is scrubbed: the rows this
        locks are the ones a mailing's sender marks with its fact (infra/db/
        mailing_sending.py), so a sending marked meanwhile is committed, and scrubbed below,
        or finds its delivery skipped and writes nothing."""
        x = mailing_tables.mailing_delivery.c
        mine = (x.tenant_id == self._tenant_id) & (x.customer_id == customer_id)
        await self._db.execute(
            update(mailing_tables.mailing_delivery)
            .where(mine, x.status == DeliveryStatus.QUEUED.value)
            .values(
                status=DeliveryStatus.SKIPPED_ERASED.value, lease_holder=None, lease_expires_at=None
            )
        )
        await self._db.execute(
            update(mailing_tables.mailing_delivery).where(mine).values(address=None, subject=None)
        )

    async def _scrub_mentions(self, customer_id: Any, words: list[str]) -> None:
        """Take the personal words out of every text that belongs to or mentions the
        customer: the history behind their timeline and their relations' and household's
        (and so those timelines), their opportunities' names, activities' subjects, orders'
        attributes and households' names."""
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
        await self._forget_in_history(customer_id, mentions, words)
        own = f.opportunity.c.customer_id == customer_id
        await self._scrub(f.opportunity, ("name",), own, words)
        await self._scrub(f.activity, ("subject",), f.activity.c.customer_id == customer_id, words)
        orders = select(s.customer_order.c.id).where(s.customer_order.c.owner_id == customer_id)
        await self._scrub(
            s.order_attribute, ("value",), s.order_attribute.c.order_id.in_(orders), words
        )
        await self._scrub(t.household, ("name",), t.household.c.id.in_(households), words)

    async def _with_former_words(self, customer_id: Any, words: list[str]) -> list[str]:
        """`words` and what identified the customer before (domain.history.former_words),
        longest first."""
        timeline, change = t.timeline_entry.c, t.record_change.c
        own = select(timeline.change_id).where(
            timeline.tenant_id == self._tenant_id, timeline.customer_id == customer_id
        )
        rows = await self._db.execute(
            select(change.kind, change.facts).where(
                change.tenant_id == self._tenant_id, change.id.in_(own)
            )
        )
        facts = [fact_from(r.kind, r.facts) for r in rows if not Fact.KINDS[r.kind].FROM_ROWS]
        every = {w.strip() for w in (*words, *former_words(facts, customer_id))}
        return sorted((w for w in every if len(w) >= 2), key=len, reverse=True)

    async def _forget_in_history(self, customer_id: Any, mentions: Any, words: list[str]) -> None:
        """Take the person out of every fact of the history behind the entries that
        mention them (domain.history.erased), and word those entries again from what is
        left: a rebuild derives them from the same facts, so it gives back nothing erased."""
        tenant, timeline, change = self._tenant_id, t.timeline_entry.c, t.record_change.c
        behind = select(timeline.change_id).where(timeline.tenant_id == tenant, mentions)
        rows = await self._db.execute(
            select(t.record_change).where(change.tenant_id == tenant, change.id.in_(behind))
        )
        for row in rows.all():
            fact = erased(row.kind, row.facts, words, customer_id)
            if fact is None or facts_of(fact) == row.facts:
                continue
            await self._db.execute(
                update(t.record_change).where(change.id == row.id).values(facts=facts_of(fact))
            )
            for entry in fact.timeline_entries():
                await self._db.execute(
                    update(t.timeline_entry)
                    .where(
                        timeline.change_id == row.id,
                        timeline.customer_id == entry.customer_id,
                        timeline.type == entry.type.value,
                    )
                    .values(summary=entry.summary, details=entry.details)
                )

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
