"""Campaigns, stages, staff users and opportunities with their five figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import fundraising as reads
from schema.customers.types import Customer, load_customer
from schema.node import Node
from schema.sales.money import Money


async def _currency(info: Info) -> str:
    return await info.context.currency()  # type: ignore[no-any-return]


@strawberry.type(description="A member of staff.")
class StaffUser(Node):
    name: str = strawberry.field(description="Their name.")
    email: str = strawberry.field(description="Their log-in email.")

    @classmethod
    def from_record(cls, record: Any) -> StaffUser:
        return cls(pk=record.id, name=record.name, email=record.email)


@strawberry.type(description="Target, Asked, Received, Pledged and Reserved, summed.")
class Progress:
    target: Money = strawberry.field(description="What we hope to raise.")
    asked: Money = strawberry.field(description="What we asked for.")
    received: Money = strawberry.field(description="Donations and purchases received.")
    pledged: Money = strawberry.field(description="Promised in pledges, not yet received.")
    reserved: Money = strawberry.field(description="Reserved tickets not yet bought.")


@strawberry.type(description="How money is raised: a campaign, sub-campaign or sub-sub-campaign.")
class Campaign(Node):
    name: str = strawberry.field(description="Its name.")
    starts_on: date | None = strawberry.field(description="First day.")
    ends_on: date | None = strawberry.field(description="Last day.")
    active: bool = strawberry.field(description="Whether it is running.")
    target_amount: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]

    @strawberry.field(description="The campaign's own target.")
    async def target(self, info: Info) -> Money:
        return Money.of(self.target_amount, await _currency(info))

    @strawberry.field(description="The campaign above this one, if any.")
    async def parent(self, info: Info) -> Campaign | None:
        if self.parent_pk is None:
            return None
        return Campaign.from_record(await info.context.loaders.campaign_by_id.load(self.parent_pk))

    @strawberry.field(description="Its sub-campaigns, by name.")
    async def children(self, info: Info) -> list[Campaign]:
        return [Campaign.from_record(r) for r in await reads.campaigns(info.context, self.pk)]

    @strawberry.field(
        description="The five figures of its opportunities and its sub-campaigns' together."
    )
    async def progress(self, info: Info) -> Progress:
        sums = await reads.campaign_progress(info.context, self.pk)
        currency = await _currency(info)
        return Progress(**{k: Money.of(v, currency) for k, v in sums.items()})

    @classmethod
    def from_record(cls, record: Any) -> Campaign:
        return cls(
            pk=record.id,
            name=record.name,
            starts_on=record.starts_on,
            ends_on=record.ends_on,
            active=record.active,
            target_amount=record.target,
            parent_pk=record.parent_id,
        )


@strawberry.type(description="A step of the organisation's ordered list of opportunity stages.")
class OpportunityStage(Node):
    name: str = strawberry.field(description="Its name, e.g. `Cultivation`.")
    position: int = strawberry.field(description="Its place in the list, lowest first.")
    retired: bool = strawberry.field(description="Retired stages take no new opportunities.")

    @classmethod
    def from_record(cls, record: Any) -> OpportunityStage:
        return cls(pk=record.id, name=record.name, position=record.position, retired=record.retired)


async def load_stage(info: Info, pk: int) -> OpportunityStage:
    return OpportunityStage.from_record(await info.context.loaders.stage_by_id.load(pk))


@strawberry.type(description="A recorded move of an opportunity between stages.")
class StageChange:
    actor: str = strawberry.field(description="Who moved it.")
    occurred_at: datetime = strawberry.field(description="When.")
    from_pk: strawberry.Private[int]
    to_pk: strawberry.Private[int]

    @strawberry.field(description="The stage it left.")
    async def from_stage(self, info: Info) -> OpportunityStage:
        return await load_stage(info, self.from_pk)

    @strawberry.field(description="The stage it entered.")
    async def to_stage(self, info: Info) -> OpportunityStage:
        return await load_stage(info, self.to_pk)


@strawberry.type(description="A chance to raise money from one customer for one campaign.")
class Opportunity(Node):
    name: str = strawberry.field(description="What it is for.")
    open: bool = strawberry.field(description="Open, or closed in the stage it closed in.")
    target_amount: strawberry.Private[int]
    asked_amount: strawberry.Private[int]
    customer_pk: strawberry.Private[int]
    campaign_pk: strawberry.Private[int]
    owner_pk: strawberry.Private[int]
    stage_pk: strawberry.Private[int]

    @strawberry.field(description="The customer.")
    async def customer(self, info: Info) -> Customer:
        return await load_customer(info, self.customer_pk)

    @strawberry.field(description="The campaign (any level).")
    async def campaign(self, info: Info) -> Campaign:
        return Campaign.from_record(
            await info.context.loaders.campaign_by_id.load(self.campaign_pk)
        )

    @strawberry.field(description="The member of staff who owns it.")
    async def owner(self, info: Info) -> StaffUser:
        return StaffUser.from_record(
            await info.context.loaders.staff_user_by_id.load(self.owner_pk)
        )

    @strawberry.field(description="Its stage now (for a closed one, the stage it closed in).")
    async def stage(self, info: Info) -> OpportunityStage:
        return await load_stage(info, self.stage_pk)

    @strawberry.field(description="What we hope to raise.")
    async def target(self, info: Info) -> Money:
        return Money.of(self.target_amount, await _currency(info))

    @strawberry.field(description="What we asked for.")
    async def asked(self, info: Info) -> Money:
        return Money.of(self.asked_amount, await _currency(info))

    @strawberry.field(description="Donations and other purchases linked to it, less returns.")
    async def received(self, info: Info) -> Money:
        figures = await info.context.loaders.figures_by_opportunity.load(self.pk)
        return Money.of(figures.received, await _currency(info))

    @strawberry.field(description="Linked pledges' amounts not yet received.")
    async def pledged(self, info: Info) -> Money:
        figures = await info.context.loaders.figures_by_opportunity.load(self.pk)
        return Money.of(figures.pledged, await _currency(info))

    @strawberry.field(description="Price plus commission of linked tickets still reserved.")
    async def reserved(self, info: Info) -> Money:
        figures = await info.context.loaders.figures_by_opportunity.load(self.pk)
        return Money.of(figures.reserved, await _currency(info))

    @strawberry.field(description="Every stage change, oldest first.")
    async def stage_history(self, info: Info) -> list[StageChange]:
        rows = await info.context.loaders.stage_changes_by_opportunity.load(self.pk)
        return [
            StageChange(
                actor=r.actor,
                occurred_at=r.occurred_at,
                from_pk=r.from_stage_id,
                to_pk=r.to_stage_id,
            )
            for r in rows
        ]

    @classmethod
    def from_record(cls, record: Any) -> Opportunity:
        """From an opportunity row or domain Opportunity (both carry the same names)."""
        return cls(
            pk=record.id,
            name=record.name,
            open=record.open,
            target_amount=record.target,
            asked_amount=record.asked,
            customer_pk=record.customer_id,
            campaign_pk=record.campaign_id,
            owner_pk=record.owner_id,
            stage_pk=record.stage_id,
        )
