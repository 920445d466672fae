"""Campaigns, stages, staff users and opportunities with their five figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import fundraising as reads
from schema.customers.types import Customer, customer_from_record
from schema.loaded import loaded, with_currency
from schema.node import Node
from schema.planned import with_planned
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
    def customer(self, info: Info) -> Customer:
        loader = info.context.loaders.customer_by_id
        return loaded(loader, self.customer_pk, customer_from_record)  # type: ignore[return-value]

    @strawberry.field(description="The campaign (any level).")
    async def campaign(self, info: Info) -> Campaign:
        return Campaign.from_record(
            await info.context.loaders.campaign_by_id.load(self.campaign_pk)
        )

    @strawberry.field(description="The member of staff who owns it.")
    def owner(self, info: Info) -> StaffUser:
        loader = info.context.loaders.staff_user_by_id
        return loaded(loader, self.owner_pk, StaffUser.from_record)  # type: ignore[return-value]

    @strawberry.field(description="Its stage now (for a closed one, the stage it closed in).")
    def stage(self, info: Info) -> OpportunityStage:
        loader = info.context.loaders.stage_by_id
        return loaded(loader, self.stage_pk, OpportunityStage.from_record)  # type: ignore[return-value]

    @strawberry.field(description="What we hope to raise.")
    def target(self, info: Info) -> Money:
        return with_currency(info, lambda c: Money.of(self.target_amount, c))  # type: ignore[return-value]

    @strawberry.field(description="What we asked for.")
    def asked(self, info: Info) -> Money:
        return with_currency(info, lambda c: Money.of(self.asked_amount, c))  # type: ignore[return-value]

    @strawberry.field(description="Donations and other purchases linked to it, less returns.")
    def received(self, info: Info) -> Money:
        return self._figure(info, lambda figures: figures.received)

    @strawberry.field(description="Linked pledges' amounts not yet received.")
    def pledged(self, info: Info) -> Money:
        return self._figure(info, lambda figures: figures.pledged)

    @strawberry.field(description="Price plus commission of linked tickets still reserved.")
    def reserved(self, info: Info) -> Money:
        return self._figure(info, lambda figures: figures.reserved)

    def _figure(self, info: Info, which: Callable[[Any], int]) -> Money:
        currency = info.context.known_currency
        loader = info.context.loaders.figures_by_opportunity
        if currency is None:
            return self._figure_later(info, which)  # type: ignore[return-value]
        return loaded(loader, self.pk, lambda f: Money.of(which(f), currency))  # type: ignore[return-value]

    async def _figure_later(self, info: Info, which: Callable[[Any], int]) -> Money:
        figures = await info.context.loaders.figures_by_opportunity.load(self.pk)
        return Money.of(which(figures), await _currency(info))

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


# The planned rows of the dashboard (infra/db/queries/dashboard.py), by the field each is.
_PLANNED_ROWS: dict[str, Callable[[Any], Any]] = {
    "customer": customer_from_record,
    "stage": OpportunityStage.from_record,
    "owner": StaffUser.from_record,
}


def planned_opportunity(record: Any, currency: str | None) -> Opportunity:
    """An opportunity of the dashboard's planned read, what it read with the opportunity as
    planned values (schema/planned.py): what the fields' resolvers would make of the
    loaders' rows. Money needs the currency; without it the figures are left to them."""
    opportunity = Opportunity.from_record(record.opportunity)
    values = {name: _PLANNED_ROWS[name](row) for name, row in record.rows.items() if row}
    if currency is not None:
        values["target"] = Money.of(opportunity.target_amount, currency)
        values["asked"] = Money.of(opportunity.asked_amount, currency)
        figures = record.figures
        if figures is not None:
            values["received"] = Money.of(figures.received, currency)
            values["pledged"] = Money.of(figures.pledged, currency)
            values["reserved"] = Money.of(figures.reserved, currency)
    return with_planned(opportunity, values)
