"""Sales mutations: the catalogue (SETTINGS_ADMIN), and orders, returns, reservations and
visits (SALES). Each returns its payload with `errors`; on any error nothing is written."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.roles import Role
from domain.sales import catalogue, reservations, returns, visits
from resolvers import sales as sales_resolvers
from schema.errors import ERRORS_DESCRIPTION, UserError, payload, payload_type
from schema.mutations import perform
from schema.permissions import requires
from schema.sales.catalogue import Event, EventInstance, Fund, MembershipScheme, PartnerCompany
from schema.sales.inputs import (
    EventInput,
    EventInstanceInput,
    FundInput,
    MembershipSchemeInput,
    PartnerCompanyInput,
    PurchaseReservationInput,
    RecordOrderInput,
    RecordVisitInput,
    ReserveTicketsInput,
    ReturnItemsInput,
    reservation_pk,
)
from schema.sales.orders import Order
from schema.sales.records import Reservation, Visit

SETTINGS = requires(Role.SETTINGS_ADMIN)
SALES = requires(Role.SALES)
INPUT = "What to do; see the input type."


PartnerCompanyPayload = payload_type(
    "PartnerCompanyPayload", "partner_company", PartnerCompany, "The partner company."
)
EventPayload = payload_type("EventPayload", "event", Event, "The event.")
EventInstancePayload = payload_type(
    "EventInstancePayload", "event_instance", EventInstance, "The event instance."
)
FundPayload = payload_type("FundPayload", "fund", Fund, "The fund.")
MembershipSchemePayload = payload_type(
    "MembershipSchemePayload", "membership_scheme", MembershipScheme, "The membership scheme."
)
OrderPayload = payload_type("OrderPayload", "order", Order, "The order.")
VisitPayload = payload_type("VisitPayload", "visit", Visit, "The visit.")


@strawberry.type(description="Result of `recordOrder`.")
class RecordOrderPayload:
    order: Order | None = strawberry.field(default=None, description="The order.")
    created: bool = strawberry.field(
        default=False,
        description="False when an order with this external reference had been recorded "
        "before: that order is returned and nothing new was recorded.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of a reservation mutation.")
class ReservationPayload:
    reservation: Reservation | None = strawberry.field(default=None, description="The reservation.")
    order: Order | None = strawberry.field(default=None, description="The order, once purchased.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class SalesMutation:
    @strawberry.mutation(
        description="Create or change a partner company. SETTINGS_ADMIN.", extensions=SETTINGS
    )
    async def save_partner_company(
        self,
        info: Info,
        input: Annotated[PartnerCompanyInput, strawberry.argument(description=INPUT)],
    ) -> PartnerCompanyPayload:  # type: ignore[valid-type]
        return await payload(
            PartnerCompanyPayload,
            perform(
                info,
                "partner_company",
                input.entry,
                catalogue.save_partner_company,
                PartnerCompany.from_record,
            ),
        )

    @strawberry.mutation(
        description="Create or change an event. SETTINGS_ADMIN.", extensions=SETTINGS
    )
    async def save_event(
        self, info: Info, input: Annotated[EventInput, strawberry.argument(description=INPUT)]
    ) -> EventPayload:  # type: ignore[valid-type]
        return await payload(
            EventPayload,
            perform(info, "event", input.entry, catalogue.save_event, Event.from_record),
        )

    @strawberry.mutation(
        description="Create or change an event instance. SETTINGS_ADMIN.", extensions=SETTINGS
    )
    async def save_event_instance(
        self,
        info: Info,
        input: Annotated[EventInstanceInput, strawberry.argument(description=INPUT)],
    ) -> EventInstancePayload:  # type: ignore[valid-type]
        return await payload(
            EventInstancePayload,
            perform(
                info,
                "event_instance",
                input.entry,
                catalogue.save_event_instance,
                EventInstance.from_record,
            ),
        )

    @strawberry.mutation(
        description="Create or change a fund. SETTINGS_ADMIN.", extensions=SETTINGS
    )
    async def save_fund(
        self, info: Info, input: Annotated[FundInput, strawberry.argument(description=INPUT)]
    ) -> FundPayload:  # type: ignore[valid-type]
        return await payload(
            FundPayload, perform(info, "fund", input.entry, catalogue.save_fund, Fund.from_record)
        )

    @strawberry.mutation(
        description="Create or change a membership scheme. SETTINGS_ADMIN.", extensions=SETTINGS
    )
    async def save_membership_scheme(
        self,
        info: Info,
        input: Annotated[MembershipSchemeInput, strawberry.argument(description=INPUT)],
    ) -> MembershipSchemePayload:  # type: ignore[valid-type]
        return await payload(
            MembershipSchemePayload,
            perform(
                info,
                "membership_scheme",
                input.entry,
                catalogue.save_membership_scheme,
                MembershipScheme.from_record,
            ),
        )

    @strawberry.mutation(
        description="Record an order, e.g. from a box office or web shop. Idempotent by "
        "`externalReference`. Needs SALES.",
        extensions=SALES,
    )
    async def record_order(
        self, info: Info, input: Annotated[RecordOrderInput, strawberry.argument(description=INPUT)]
    ) -> RecordOrderPayload:
        async def work() -> dict[str, Any]:
            order, created = await sales_resolvers.record_order(info.context, input.command())
            return {"order": Order.from_record(order), "created": created}

        return await payload(RecordOrderPayload, work())

    @strawberry.mutation(
        description="Return tickets, subscriptions, series or merchandise from an order; "
        "optionally give the refund as a donation. Needs SALES.",
        extensions=SALES,
    )
    async def return_items(
        self, info: Info, input: Annotated[ReturnItemsInput, strawberry.argument(description=INPUT)]
    ) -> OrderPayload:  # type: ignore[valid-type]
        return await payload(
            OrderPayload,
            perform(info, "order", input.command, returns.return_items, Order.from_record),
        )

    @strawberry.mutation(
        description="Hold tickets for a customer until an expiry. Needs SALES.", extensions=SALES
    )
    async def reserve_tickets(
        self,
        info: Info,
        input: Annotated[ReserveTicketsInput, strawberry.argument(description=INPUT)],
    ) -> ReservationPayload:
        async def work() -> dict[str, Any]:
            held = await info.context.perform(
                lambda uow: reservations.reserve_tickets(uow, input.command())
            )
            return {"reservation": await _present(info, held)}

        return await payload(ReservationPayload, work())

    @strawberry.mutation(
        description="Buy a held reservation: it becomes a paid order. An "
        "expired one has released its tickets (CONFLICT). Needs SALES.",
        extensions=SALES,
    )
    async def purchase_reservation(
        self,
        info: Info,
        input: Annotated[PurchaseReservationInput, strawberry.argument(description=INPUT)],
    ) -> ReservationPayload:
        async def work() -> dict[str, Any]:
            command = input.command()
            order = await info.context.perform(
                lambda uow: reservations.purchase_reservation(uow, command)
            )
            held = await sales_resolvers.reservation(info.context, command.reservation_id)
            return {"order": Order.from_record(order), "reservation": await _present(info, held)}

        return await payload(ReservationPayload, work())

    @strawberry.mutation(
        description="Release a held reservation's tickets. Needs SALES.", extensions=SALES
    )
    async def release_reservation(
        self,
        info: Info,
        reservation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The reservation.")
        ],
    ) -> ReservationPayload:
        async def work() -> dict[str, Any]:
            pk = reservation_pk(reservation_id)
            released = await info.context.perform(
                lambda uow: reservations.release_reservation(uow, pk)
            )
            return {"reservation": await _present(info, released)}

        return await payload(ReservationPayload, work())

    @strawberry.mutation(
        description="Check a customer in at an event instance. Needs SALES.", extensions=SALES
    )
    async def record_visit(
        self, info: Info, input: Annotated[RecordVisitInput, strawberry.argument(description=INPUT)]
    ) -> VisitPayload:  # type: ignore[valid-type]
        return await payload(
            VisitPayload,
            perform(info, "visit", input.command, visits.record_visit, Visit.from_record),
        )


async def _present(info: Info, reservation: Any) -> Reservation:
    return Reservation.from_domain(reservation, info.context.now(), await info.context.currency())
