"""Fundraising records in and out of their tables: campaigns, stages, opportunities, staff
look-ups, pledges with instalments and payments, legacies and invitations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.fundraising.campaigns import Campaign, OpportunityStage
from domain.fundraising.invitations import Guest, Invitation
from domain.fundraising.legacies import Legacy
from domain.fundraising.opportunities import Opportunity
from domain.fundraising.pledges import Instalment, Pledge
from domain.fundraising.reminders import ReminderPolicy
from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db import tables as t
from infra.db.reminder_limits import policy_for, reminder_history
from infra.db.repositories.catalogue import SqlCatalogueRepository


class SqlCampaignRepository(SqlCatalogueRepository[Campaign]):
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        super().__init__(connection, tenant_id, f.campaign, Campaign)

    async def depth_below(self, campaign_id: int) -> int:
        depth, level = 0, [campaign_id]
        while level:
            level = list(
                (
                    await self._db.execute(
                        select(f.campaign.c.id).where(
                            f.campaign.c.tenant_id == self._tenant_id,
                            f.campaign.c.parent_id.in_(level),
                        )
                    )
                ).scalars()
            )
            depth += 1 if level else 0
        return depth


class SqlStageRepository(SqlCatalogueRepository[OpportunityStage]):
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        super().__init__(connection, tenant_id, f.opportunity_stage, OpportunityStage)

    async def in_use(self, stage_id: int) -> bool:
        uses = [
            exists().where(f.opportunity.c.stage_id == stage_id),
            exists().where(f.legacy.c.stage_id == stage_id),
            exists().where(
                or_(
                    f.opportunity_stage_change.c.from_stage_id == stage_id,
                    f.opportunity_stage_change.c.to_stage_id == stage_id,
                )
            ),
        ]
        return bool((await self._db.execute(select(or_(*uses)))).scalar())

    async def delete(self, stage_id: int) -> None:
        await self._db.execute(
            delete(f.opportunity_stage).where(
                f.opportunity_stage.c.id == stage_id,
                f.opportunity_stage.c.tenant_id == self._tenant_id,
            )
        )


class SqlOpportunityRepository(SqlCatalogueRepository[Opportunity]):
    def __init__(
        self, connection: AsyncConnection, tenant_id: int, actor_label: Callable[[], str]
    ) -> None:
        super().__init__(connection, tenant_id, f.opportunity, Opportunity)
        self._actor = actor_label

    async def record_stage_change(
        self, opportunity_id: int, from_stage: int, to_stage: int
    ) -> None:
        await self._db.execute(
            insert(f.opportunity_stage_change).values(
                tenant_id=self._tenant_id,
                opportunity_id=opportunity_id,
                from_stage_id=from_stage,
                to_stage_id=to_stage,
                actor=self._actor(),
                occurred_at=utc_now(),
            )
        )


class SqlStaffRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db, self._tenant_id = connection, tenant_id

    async def exists(self, user_id: int) -> bool:
        u = t.staff_user.c
        return (
            await self._db.execute(
                select(u.id).where(u.id == user_id, u.tenant_id == self._tenant_id)
            )
        ).first() is not None


class SqlPledgeRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db, self._tenant_id = connection, tenant_id

    async def get(self, pledge_id: int, for_change: bool = False) -> Pledge | None:
        p = f.pledge.c
        if for_change:
            await self._hold(p.id == pledge_id)
        row = (
            await self._db.execute(
                select(f.pledge).where(p.id == pledge_id, p.tenant_id == self._tenant_id)
            )
        ).first()
        if row is None:
            return None
        i, pay = f.instalment.c, f.instalment_payment.c
        given = dict(
            (
                await self._db.execute(
                    select(pay.instalment_id, func.sum(pay.amount))
                    .join(f.instalment, i.id == pay.instalment_id)
                    .where(i.pledge_id == pledge_id)
                    .group_by(pay.instalment_id)
                )
            ).all()
        )
        instalments = [
            Instalment(r.amount, r.due_on, int(given.get(r.id, 0)), r.cancelled, r.id)
            for r in await self._db.execute(
                select(f.instalment).where(i.pledge_id == pledge_id).order_by(i.due_on, i.id)
            )
        ]
        return Pledge(
            row.customer_id,
            row.amount,
            row.fund_id,
            instalments,
            row.campaign_id,
            row.opportunity_id,
            row.cancelled,
            row.id,
        )

    async def of_instalment(self, instalment_id: int, for_change: bool = False) -> Pledge | None:
        i = f.instalment.c
        if for_change:
            of = select(i.pledge_id).where(i.id == instalment_id, i.tenant_id == self._tenant_id)
            await self._hold(f.pledge.c.id == of.scalar_subquery())
        pledge_id = (
            await self._db.execute(
                select(i.pledge_id).where(i.id == instalment_id, i.tenant_id == self._tenant_id)
            )
        ).scalar_one_or_none()
        return await self.get(pledge_id) if pledge_id is not None else None

    async def _hold(self, which: Any) -> None:
        """Write the pledge's row unchanged, before anything else is read: a concurrent
        change waits behind it (a row lock on PostgreSQL, where each later statement of this
        transaction then sees what that change committed; the write lock on SQLite, whose
        transaction then begins after that change's)."""
        p = f.pledge.c
        await self._db.execute(
            update(f.pledge).where(which, p.tenant_id == self._tenant_id).values(id=p.id)
        )

    async def add(self, pledge: Pledge) -> None:
        pledge.id = (
            await self._db.execute(
                insert(f.pledge)
                .values(
                    tenant_id=self._tenant_id,
                    customer_id=pledge.customer_id,
                    amount=pledge.amount,
                    fund_id=pledge.fund_id,
                    campaign_id=pledge.campaign_id,
                    opportunity_id=pledge.opportunity_id,
                    cancelled=False,
                    created_at=utc_now(),
                )
                .returning(f.pledge.c.id)
            )
        ).scalar_one()
        await self._insert(pledge, pledge.instalments)

    async def _insert(self, pledge: Pledge, instalments: list[Instalment]) -> None:
        for instalment in instalments:
            instalment.id = (
                await self._db.execute(
                    insert(f.instalment)
                    .values(
                        tenant_id=self._tenant_id,
                        pledge_id=pledge.id,
                        amount=instalment.amount,
                        due_on=instalment.due_on,
                        cancelled=instalment.cancelled,
                    )
                    .returning(f.instalment.c.id)
                )
            ).scalar_one()

    async def save_schedule(self, pledge: Pledge) -> None:
        i = f.instalment.c
        await self._db.execute(
            update(f.pledge).where(f.pledge.c.id == pledge.id).values(cancelled=pledge.cancelled)
        )
        kept = [x.id for x in pledge.instalments if x.id is not None]
        replaced = select(i.id).where(i.pledge_id == pledge.id, i.id.not_in(kept) if kept else True)
        # Reminders of a replaced instalment go with it (sent ones stay on the timeline);
        # a reminder still queued for one then finds nothing to send.
        await self._db.execute(
            delete(f.pledge_reminder).where(f.pledge_reminder.c.instalment_id.in_(replaced))
        )
        await self._db.execute(delete(f.instalment).where(i.id.in_(replaced)))
        for instalment in pledge.instalments:
            if instalment.id is not None:
                await self._db.execute(
                    update(f.instalment)
                    .where(i.id == instalment.id)
                    .values(
                        amount=instalment.amount,
                        due_on=instalment.due_on,
                        cancelled=instalment.cancelled,
                    )
                )
        await self._insert(pledge, [x for x in pledge.instalments if x.id is None])

    async def link(self, pledge: Pledge) -> None:
        await self._db.execute(
            update(f.pledge)
            .where(f.pledge.c.id == pledge.id, f.pledge.c.tenant_id == self._tenant_id)
            .values(opportunity_id=pledge.opportunity_id)
        )

    async def queue_reminder(self, instalment_id: int) -> int:
        r = f.pledge_reminder.c
        number = (
            await self._db.execute(
                select(func.coalesce(func.max(r.number), 0) + 1).where(
                    r.instalment_id == instalment_id
                )
            )
        ).scalar_one()
        return int(
            (
                await self._db.execute(
                    insert(f.pledge_reminder)
                    .values(
                        tenant_id=self._tenant_id,
                        instalment_id=instalment_id,
                        number=number,
                        created_at=utc_now(),
                    )
                    .returning(r.id)
                )
            ).scalar_one()
        )

    async def policy(self) -> ReminderPolicy:
        return await self._db.run_sync(lambda db: policy_for(db, self._tenant_id))

    async def reminder_days(self, instalment_id: int) -> list[date]:
        found = await self._db.execute(reminder_history([instalment_id]))
        return [row.created_at.date() for row in found]

    async def save_policy(self, policy: ReminderPolicy) -> None:
        values = {
            "first_days_before": policy.first_days_before,
            "every_days": policy.every_days,
            "max_reminders": policy.max_reminders,
            "transactional": policy.transactional,
            "template_subject": policy.subject,
            "template_body": policy.body,
        }
        settings = f.reminder_settings
        updated = await self._db.execute(
            update(settings).where(settings.c.tenant_id == self._tenant_id).values(**values)
        )
        if updated.rowcount == 0:
            await self._db.execute(insert(settings).values(tenant_id=self._tenant_id, **values))

    async def record_payment(self, instalment_id: int, amount: int, order_item_id: int) -> None:
        await self._db.execute(
            insert(f.instalment_payment).values(
                tenant_id=self._tenant_id,
                instalment_id=instalment_id,
                amount=amount,
                order_item_id=order_item_id,
                paid_at=utc_now(),
            )
        )

    async def donations(self, pledge_id: int) -> list[int]:
        pay, i = f.instalment_payment.c, f.instalment.c
        found = await self._db.execute(
            select(pay.order_item_id)
            .join(f.instalment, i.id == pay.instalment_id)
            .where(i.pledge_id == pledge_id, pay.tenant_id == self._tenant_id)
            .order_by(pay.order_item_id)
        )
        return list(found.scalars())


class SqlLegacyRepository(SqlCatalogueRepository[Legacy]):
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        super().__init__(connection, tenant_id, f.legacy, Legacy)

    async def get(self, entry_id: int) -> Legacy | None:
        legacy = await super().get(entry_id)
        if legacy is not None:
            r = f.legacy_receipt.c
            legacy.given = int(
                (
                    await self._db.execute(
                        select(func.coalesce(func.sum(r.amount), 0)).where(r.legacy_id == entry_id)
                    )
                ).scalar_one()
            )
        return legacy

    async def record_receipt(self, legacy_id: int, amount: int, order_item_id: int) -> None:
        await self._db.execute(
            insert(f.legacy_receipt).values(
                tenant_id=self._tenant_id,
                legacy_id=legacy_id,
                amount=amount,
                order_item_id=order_item_id,
                received_at=utc_now(),
            )
        )


class SqlInvitationRepository(SqlCatalogueRepository[Invitation]):
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        super().__init__(connection, tenant_id, f.invitation, Invitation)

    async def get(self, entry_id: int) -> Invitation | None:
        invitation = await super().get(entry_id)
        if invitation is not None:
            g = f.invitation_guest.c
            invitation.guests = [
                Guest(r.customer_id, r.name)
                for r in await self._db.execute(
                    select(f.invitation_guest)
                    .where(g.invitation_id == entry_id)
                    .order_by(g.position)
                )
            ]
        return invitation

    async def exists(self, customer_id: int, instance_id: int) -> bool:
        v = f.invitation.c
        return (
            await self._db.execute(
                select(v.id).where(
                    v.tenant_id == self._tenant_id,
                    v.customer_id == customer_id,
                    v.instance_id == instance_id,
                )
            )
        ).first() is not None

    async def save(self, entry: Invitation) -> None:
        await super().save(entry)
        g = f.invitation_guest.c
        await self._db.execute(delete(f.invitation_guest).where(g.invitation_id == entry.id))
        if entry.guests:
            await self._db.execute(
                insert(f.invitation_guest),
                [
                    {
                        "tenant_id": self._tenant_id,
                        "invitation_id": entry.id,
                        "position": n,
                        "customer_id": guest.customer_id,
                        "name": guest.name,
                    }
                    for n, guest in enumerate(entry.guests)
                ],
            )
