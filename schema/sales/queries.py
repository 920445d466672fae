"""Sales queries: an order, event instances by date, and the catalogue lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import sales as sales_resolvers
from resolvers.global_ids import parse_global_id, pk_of
from schema.errors import read
from schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.permissions import requires
from schema.sales.catalogue import Event, EventInstance, Fund, MembershipScheme, PartnerCompany
from schema.sales.orders import Order

ANYONE = requires()


@strawberry.type
class SalesQuery:
    @strawberry.field(
        description="An order by id; null when there is none (in your organisation).",
        extensions=ANYONE,
    )
    async def order(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")],
    ) -> Order | None:
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] != "Order":
            return None
        row = await info.context.loaders.order_by_id.load(parsed[1])
        return Order.from_record(row) if row else None

    @strawberry.field(description="Event instances in date order.", extensions=ANYONE)
    async def event_instances(
        self,
        info: Info,
        starts_from: Annotated[
            datetime | None,
            strawberry.argument(description="Only those starting at or after this moment."),
        ] = None,
        starts_before: Annotated[
            datetime | None,
            strawberry.argument(description="Only those starting before this moment."),
        ] = None,
        partner_company_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only events of this partner company."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[EventInstance]:
        async def work() -> Connection[EventInstance]:
            company = (
                pk_of(
                    partner_company_id,
                    ("PartnerCompany",),
                    "Partner company",
                    ("partnerCompanyId",),
                )
                if partner_company_id
                else None
            )
            page = await sales_resolvers.event_instances(
                info.context, starts_from, starts_before, company, first, after
            )
            return Connection.of(
                page.rows, page.cursors, page.has_next_page, EventInstance.from_record
            )

        return await read(work())

    @strawberry.field(description="The organisation's events, by name.", extensions=ANYONE)
    async def events(self, info: Info) -> list[Event]:
        return [Event.from_record(r) for r in await sales_resolvers.events(info.context)]

    @strawberry.field(description="The organisation's funds, by name.", extensions=ANYONE)
    async def funds(self, info: Info) -> list[Fund]:
        return [Fund.from_record(r) for r in await sales_resolvers.funds(info.context)]

    @strawberry.field(
        description="The organisation's membership schemes, by name.", extensions=ANYONE
    )
    async def membership_schemes(self, info: Info) -> list[MembershipScheme]:
        rows = await sales_resolvers.membership_schemes(info.context)
        return [MembershipScheme.from_record(r) for r in rows]

    @strawberry.field(
        description="The organisation's partner companies, by name.", extensions=ANYONE
    )
    async def partner_companies(self, info: Info) -> list[PartnerCompany]:
        rows = await sales_resolvers.partner_companies(info.context)
        return [PartnerCompany.from_record(r) for r in rows]
