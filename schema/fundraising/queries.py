"""Fundraising queries: the opportunities dashboard, campaigns, stages and staff users.
Fundraising data needs the OPPORTUNITIES role."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.fundraising.opportunities import DashboardFilter
from resolvers import fundraising as reads
from schema.errors import read
from schema.fundraising.inputs import pk
from schema.fundraising.types import (
    Campaign,
    Opportunity,
    OpportunityStage,
    StaffUser,
    planned_opportunity,
)
from schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.selection import selected_names


def _arg(description: str) -> strawberry.types.arguments.StrawberryArgumentAnnotation:
    return strawberry.argument(description=description)


@strawberry.type
class FundraisingQuery:
    @strawberry.field(
        description="The opportunities dashboard, newest first: filter by "
        "owner, stage, campaign and open or closed. OPPORTUNITIES.",
    )
    async def opportunities(
        self,
        info: Info,
        owner_id: Annotated[strawberry.ID | None, _arg("Only this staff user's.")] = None,
        stage_id: Annotated[strawberry.ID | None, _arg("Only those in this stage.")] = None,
        campaign_id: Annotated[strawberry.ID | None, _arg("Only this campaign's.")] = None,
        open: Annotated[bool | None, _arg("Only open (true) or closed (false) ones.")] = None,
        first: Annotated[int | None, _arg(FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, _arg(AFTER_DESCRIPTION)] = None,
    ) -> Connection[Opportunity]:
        async def work() -> Connection[Opportunity]:
            where = DashboardFilter(
                pk(owner_id, "StaffUser", "Staff user", "ownerId"),
                pk(stage_id, "OpportunityStage", "Stage", "stageId"),
                pk(campaign_id, "Campaign", "Campaign", "campaignId"),
                open,
            )
            selected = selected_names(info, "edges", "node")
            page = await reads.opportunities(info.context, where, first, after, selected)
            currency = info.context.known_currency
            return Connection.of(
                page.rows,
                page.cursors,
                page.has_next_page,
                lambda record: planned_opportunity(record, currency),
            )

        return await read(work())

    @strawberry.field(
        description="Campaigns under a parent (top-level ones by default), by name. OPPORTUNITIES.",
    )
    async def campaigns(
        self,
        info: Info,
        parent_id: Annotated[strawberry.ID | None, _arg("The parent campaign.")] = None,
    ) -> list[Campaign]:
        async def work() -> list[Campaign]:
            parent = pk(parent_id, "Campaign", "Campaign", "parentId")
            return [Campaign.from_record(r) for r in await reads.campaigns(info.context, parent)]

        return await read(work())

    @strawberry.field(description="The organisation's opportunity stages, in order.")
    async def opportunity_stages(self, info: Info) -> list[OpportunityStage]:
        return [OpportunityStage.from_record(r) for r in await reads.stages(info.context)]

    @strawberry.field(description="Active staff users, e.g. to choose an owner.")
    async def staff_users(self, info: Info) -> list[StaffUser]:
        return [StaffUser.from_record(r) for r in await reads.staff_users(info.context)]
