"""The catalogue in the API: partner companies, events, instances, funds, schemes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from domain.roles import Role
from schema.node import Node
from schema.permissions import requires

if TYPE_CHECKING:
    from schema.consent.sharing import PartnerExport


@strawberry.type(description="A visiting producer whose events the organisation sells.")
class PartnerCompany(Node):
    name: str = strawberry.field(description="The company's name.")

    @strawberry.field(
        description="Every export of customers' details made for it, newest first. INSIGHTS_ADMIN.",
        extensions=requires(Role.INSIGHTS_ADMIN),
    )
    async def exports(
        self, info: Info
    ) -> list[Annotated[PartnerExport, strawberry.lazy("schema.consent.sharing")]]:
        from schema.consent.sharing import exports_of

        return await exports_of(info, self.pk)

    @classmethod
    def from_record(cls, record: Any) -> PartnerCompany:
        return cls(pk=record.id, name=record.name)


@strawberry.type(description="A production: what is performed, on one or more dates.")
class Event(Node):
    name: str = strawberry.field(description="The production's name.")
    partner_company_pk: strawberry.Private[int | None]

    @strawberry.field(description="The visiting producer, if any.")
    async def partner_company(self, info: Info) -> PartnerCompany | None:
        if self.partner_company_pk is None:
            return None
        row = await info.context.loaders.partner_company_by_id.load(self.partner_company_pk)
        return PartnerCompany.from_record(row)

    @classmethod
    def from_record(cls, record: Any) -> Event:
        return cls(pk=record.id, name=record.name, partner_company_pk=record.partner_company_id)


@strawberry.type(description="One dated performance of an event.")
class EventInstance(Node):
    starts_at: datetime = strawberry.field(description="When it starts.")
    venue: str | None = strawberry.field(description="Where.")
    event_pk: strawberry.Private[int]

    @strawberry.field(description="The production.")
    async def event(self, info: Info) -> Event:
        return Event.from_record(await info.context.loaders.event_by_id.load(self.event_pk))

    @classmethod
    def from_record(cls, record: Any) -> EventInstance:
        return cls(
            pk=record.id, starts_at=record.starts_at, venue=record.venue, event_pk=record.event_id
        )


async def load_instance(info: Info, pk: int | None) -> EventInstance | None:
    if pk is None:
        return None
    return EventInstance.from_record(await info.context.loaders.event_instance_by_id.load(pk))


@strawberry.type(description="Where donated money goes.")
class Fund(Node):
    name: str = strawberry.field(description="The fund's name.")
    code: str = strawberry.field(description="Its short code, unique in the organisation.")

    @classmethod
    def from_record(cls, record: Any) -> Fund:
        return cls(pk=record.id, name=record.name, code=record.code)


@strawberry.type(description="A membership on sale: price, length, renewal and grace periods.")
class MembershipScheme(Node):
    name: str = strawberry.field(description="The scheme's name.")
    price: int = strawberry.field(
        description="Price in minor units of the organisation's currency."
    )
    length_months: int = strawberry.field(description="How long a membership lasts.")
    renewal_window_days: int = strawberry.field(
        description="How many days before the end a member may renew."
    )
    grace_period_days: int = strawberry.field(
        description="How many days after the end a membership still counts as current."
    )
    auto_renew_allowed: bool = strawberry.field(description="Whether members may auto-renew.")

    @classmethod
    def from_record(cls, record: Any) -> MembershipScheme:
        return cls(
            pk=record.id,
            name=record.name,
            price=record.price,
            length_months=record.length_months,
            renewal_window_days=record.renewal_window_days,
            grace_period_days=record.grace_period_days,
            auto_renew_allowed=record.auto_renew_allowed,
        )
