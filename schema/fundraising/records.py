"""Pledges with instalments, legacies, activities and invitations in the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from domain.fundraising.activities import ActivityType as DomainActivityType
from domain.fundraising.invitations import Reply as DomainReply
from domain.fundraising.pledges import Instalment as DomainInstalment
from domain.fundraising.pledges import InstalmentStatus as DomainInstalmentStatus
from domain.fundraising.pledges import Pledge as DomainPledge
from domain.fundraising.pledges import PledgeStatus as DomainPledgeStatus
from schema.customers.types import Customer, Organisation, load_customer
from schema.fundraising.reminders import PledgeReminder
from schema.fundraising.types import Campaign, Opportunity, OpportunityStage, StaffUser, load_stage
from schema.node import Node
from schema.sales.catalogue import EventInstance, Fund, load_instance
from schema.sales.money import Money

PledgeStatus = strawberry.enum(DomainPledgeStatus, description="Derived from money received.")
InstalmentStatus = strawberry.enum(
    DomainInstalmentStatus, description="Derived from payments and the due date."
)
ActivityType = strawberry.enum(DomainActivityType, description="What kind of activity.")
Reply = strawberry.enum(DomainReply, description="An invitee's answer.")


async def _campaign(info: Info, pk: int | None) -> Campaign | None:
    if pk is None:
        return None
    return Campaign.from_record(await info.context.loaders.campaign_by_id.load(pk))


async def _opportunity(info: Info, pk: int | None) -> Opportunity | None:
    if pk is None:
        return None
    return Opportunity.from_record(await info.context.loaders.opportunity_by_id.load(pk))


@strawberry.type(description="One scheduled part of a pledge.")
class Instalment(Node):
    amount: Money = strawberry.field(description="What is due.")
    due_on: date = strawberry.field(description="When it is due.")
    given: Money = strawberry.field(description="What has been paid on it.")
    status: InstalmentStatus = strawberry.field(description="Where it stands today.")  # type: ignore[valid-type]

    @strawberry.field(description="Its reminders, in the order they were queued.")
    async def reminders(self, info: Info) -> list[PledgeReminder]:
        rows = await info.context.loaders.reminders_by_instalment.load(self.pk)
        return [PledgeReminder.from_row(row) for row in rows]


@strawberry.type(description="A promise of an amount, paid in instalments.")
class Pledge(Node):
    amount: Money = strawberry.field(description="What was promised.")
    given: Money = strawberry.field(description="What has been received: the sum of payments.")
    outstanding: Money = strawberry.field(description="Still pledged (zero once cancelled).")
    status: PledgeStatus = strawberry.field(description="Derived from money received.")  # type: ignore[valid-type]
    instalments: list[Instalment] = strawberry.field(description="Its schedule, by due date.")
    customer_pk: strawberry.Private[int]
    fund_pk: strawberry.Private[int]
    campaign_pk: strawberry.Private[int | None]
    opportunity_pk: strawberry.Private[int | None]

    @strawberry.field(description="Who pledged.")
    async def customer(self, info: Info) -> Customer:
        return await load_customer(info, self.customer_pk)

    @strawberry.field(description="The fund it goes to.")
    async def fund(self, info: Info) -> Fund:
        return Fund.from_record(await info.context.loaders.fund_by_id.load(self.fund_pk))

    @strawberry.field(description="The campaign, if any.")
    async def campaign(self, info: Info) -> Campaign | None:
        return await _campaign(info, self.campaign_pk)

    @strawberry.field(description="The opportunity it counts towards, if any.")
    async def opportunity(self, info: Info) -> Opportunity | None:
        return await _opportunity(info, self.opportunity_pk)

    @classmethod
    def from_domain(cls, pledge: DomainPledge, today: date, currency: str) -> Pledge:
        def money(amount: int) -> Money:
            return Money.of(amount, currency)

        assert pledge.id is not None
        return cls(
            pk=pledge.id,
            amount=money(pledge.amount),
            given=money(pledge.given),
            outstanding=money(pledge.outstanding),
            status=pledge.status,
            instalments=[
                Instalment(
                    pk=i.id or 0,
                    amount=money(i.amount),
                    due_on=i.due_on,
                    given=money(i.given),
                    status=i.status(today),
                )
                for i in sorted(pledge.instalments, key=lambda i: (i.due_on, i.id or 0))
            ],
            customer_pk=pledge.customer_id,
            fund_pk=pledge.fund_id,
            campaign_pk=pledge.campaign_id,
            opportunity_pk=pledge.opportunity_id,
        )


async def pledge_from_row(info: Info, row: Any) -> Pledge:
    """A pledge row with its instalments and payments, through loaders."""
    rows = await info.context.loaders.instalments_by_pledge.load(row.id)
    given = await info.context.loaders.given_by_instalment.load_many([r.id for r in rows])
    pledge = DomainPledge(
        row.customer_id,
        row.amount,
        row.fund_id,
        [
            DomainInstalment(r.amount, r.due_on, g, r.cancelled, r.id)
            for r, g in zip(rows, given, strict=True)
        ],
        row.campaign_id,
        row.opportunity_id,
        row.cancelled,
        row.id,
    )
    return Pledge.from_domain(pledge, info.context.now().date(), await info.context.currency())


@strawberry.type(description="A gift in a will: expected, then received.")
class Legacy(Node):
    expected: Money = strawberry.field(description="What is expected.")
    given: Money = strawberry.field(description="What has been received so far.")
    campaign_pk: strawberry.Private[int | None]
    stage_pk: strawberry.Private[int | None]

    @strawberry.field(description="The campaign, if any.")
    async def campaign(self, info: Info) -> Campaign | None:
        return await _campaign(info, self.campaign_pk)

    @strawberry.field(description="Its stage, if any.")
    async def stage(self, info: Info) -> OpportunityStage | None:
        return await load_stage(info, self.stage_pk) if self.stage_pk else None


async def legacy_from_record(info: Info, record: Any) -> Legacy:
    given = await info.context.loaders.given_by_legacy.load(record.id)
    currency = await info.context.currency()
    return Legacy(
        pk=record.id,
        expected=Money.of(record.expected, currency),
        given=Money.of(given, currency),
        campaign_pk=record.campaign_id,
        stage_pk=record.stage_id,
    )


@strawberry.type(description="A task or meeting with a customer.")
class Activity(Node):
    type: ActivityType = strawberry.field(description="What kind.")  # type: ignore[valid-type]
    subject: str = strawberry.field(description="What it is about.")
    due_on: date = strawberry.field(description="When it is due.")
    done: bool = strawberry.field(description="Whether it is done.")
    customer_pk: strawberry.Private[int]
    owner_pk: strawberry.Private[int]
    opportunity_pk: strawberry.Private[int | None]

    @strawberry.field(description="The customer.")
    async def customer(self, info: Info) -> Customer:
        return await load_customer(info, self.customer_pk)

    @strawberry.field(description="Who owns it.")
    async def owner(self, info: Info) -> StaffUser:
        return StaffUser.from_record(
            await info.context.loaders.staff_user_by_id.load(self.owner_pk)
        )

    @strawberry.field(description="The opportunity it serves, if any.")
    async def opportunity(self, info: Info) -> Opportunity | None:
        return await _opportunity(info, self.opportunity_pk)

    @classmethod
    def from_record(cls, record: Any) -> Activity:
        return cls(
            pk=record.id,
            type=DomainActivityType(record.type),
            subject=record.subject,
            due_on=record.due_on,
            done=record.done,
            customer_pk=record.customer_id,
            owner_pk=record.owner_id,
            opportunity_pk=record.opportunity_id,
        )


@strawberry.type(description="A guest an invitee brings: a customer or just a name.")
class InvitationGuest:
    name: str | None = strawberry.field(description="The guest's name, when not a customer.")
    customer_pk: strawberry.Private[int | None]

    @strawberry.field(description="The guest, when a customer.")
    async def customer(self, info: Info) -> Customer | None:
        return await load_customer(info, self.customer_pk) if self.customer_pk else None


@strawberry.type(description="An Individual invited to an event instance.")
class Invitation(Node):
    reply: Reply = strawberry.field(description="Their answer.")  # type: ignore[valid-type]
    guest_count: int = strawberry.field(description="How many guests they bring.")
    attended: bool | None = strawberry.field(description="Whether they came (null: not known).")
    instance_pk: strawberry.Private[int]
    on_behalf_of_pk: strawberry.Private[int | None]

    @strawberry.field(description="The performance.")
    async def instance(self, info: Info) -> EventInstance:
        return await load_instance(info, self.instance_pk)  # type: ignore[return-value]

    @strawberry.field(description="The organisation they are invited on behalf of, if any.")
    async def on_behalf_of(self, info: Info) -> Organisation | None:
        if self.on_behalf_of_pk is None:
            return None
        return await load_customer(info, self.on_behalf_of_pk)  # type: ignore[return-value]

    @strawberry.field(description="Named guests.")
    async def guests(self, info: Info) -> list[InvitationGuest]:
        rows = await info.context.loaders.guests_by_invitation.load(self.pk)
        return [InvitationGuest(name=r.name, customer_pk=r.customer_id) for r in rows]

    @strawberry.field(description="Days until the performance (negative once it is past).")
    async def days_until(self, info: Info) -> int:
        instance = await info.context.loaders.event_instance_by_id.load(self.instance_pk)
        return (instance.starts_at.date() - info.context.now().date()).days  # type: ignore[no-any-return]

    @classmethod
    def from_record(cls, record: Any) -> Invitation:
        return cls(
            pk=record.id,
            reply=DomainReply(record.reply),
            guest_count=record.guest_count,
            attended=record.attended,
            instance_pk=record.instance_id,
            on_behalf_of_pk=record.on_behalf_of_id,
        )
