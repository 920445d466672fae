"""Inputs of the sales mutations, each turning itself into a domain command or entry."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.sales import catalogue
from domain.sales.commands import (
    ItemLine,
    PurchaseReservation,
    RecordOrder,
    RecordVisit,
    ReserveTickets,
    ReturnItems,
)
from domain.sales.orders import Channel as DomainChannel
from domain.sales.orders import ItemKind as DomainItemKind
from resolvers.global_ids import pk_of
from schema.consent.inputs import ConsentAnswerInput, ConsentSource, answers, source
from schema.customers.inputs import customer_pk
from schema.sales.enums import Channel, ItemKind


def _pk(
    global_id: strawberry.ID | None, type_name: str, what: str, field: tuple[str, ...]
) -> int | None:
    return None if global_id is None else pk_of(global_id, (type_name,), what, field)


def _id_of(global_id: strawberry.ID | None, type_name: str) -> int | None:
    """The row id of an entry being changed (None creates one)."""
    return _pk(global_id, type_name, type_name, ("id",))


@strawberry.input(description="A partner company: leave `id` out to create one.")
class PartnerCompanyInput:
    name: str = strawberry.field(description="Its name.")
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> catalogue.PartnerCompany:
        return catalogue.PartnerCompany(self.name, _id_of(self.id, "PartnerCompany"))


@strawberry.input(description="An event (production): leave `id` out to create one.")
class EventInput:
    name: str = strawberry.field(description="Its name.")
    partner_company_id: strawberry.ID | None = strawberry.field(
        default=None, description="The visiting producer, if any."
    )
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> catalogue.Event:
        company = _pk(
            self.partner_company_id, "PartnerCompany", "Partner company", ("partnerCompanyId",)
        )
        return catalogue.Event(self.name, company, _id_of(self.id, "Event"))


@strawberry.input(
    description="An event instance (a dated performance): leave `id` out to create one."
)
class EventInstanceInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    starts_at: datetime = strawberry.field(description="When it starts, with its offset.")
    venue: str | None = strawberry.field(default=None, description="Where.")
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> catalogue.EventInstance:
        event = pk_of(self.event_id, ("Event",), "Event", ("eventId",))
        return catalogue.EventInstance(
            event, self.starts_at, self.venue, _id_of(self.id, "EventInstance")
        )


@strawberry.input(description="A fund: leave `id` out to create one.")
class FundInput:
    name: str = strawberry.field(description="Its name.")
    code: str = strawberry.field(description="Its short code, unique in the organisation.")
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> catalogue.Fund:
        return catalogue.Fund(self.name, self.code, _id_of(self.id, "Fund"))


@strawberry.input(description="A membership scheme: leave `id` out to create one.")
class MembershipSchemeInput:
    name: str = strawberry.field(description="Its name.")
    price: int = strawberry.field(description="Price in minor units.")
    length_months: int = strawberry.field(description="How long a membership lasts.")
    renewal_window_days: int = strawberry.field(
        default=30, description="Days before the end to renew."
    )
    grace_period_days: int = strawberry.field(
        default=0, description="Days after the end still current."
    )
    auto_renew_allowed: bool = strawberry.field(
        default=False, description="Whether members may auto-renew."
    )
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> catalogue.MembershipScheme:
        return catalogue.MembershipScheme(
            self.name,
            self.price,
            self.length_months,
            self.renewal_window_days,
            self.grace_period_days,
            self.auto_renew_allowed,
            _id_of(self.id, "MembershipScheme"),
        )


@strawberry.input(description="One line of an order. Amounts are integer minor units.")
class OrderItemInput:
    kind: ItemKind = strawberry.field(description="What it is.")  # type: ignore[valid-type]
    price: int = strawberry.field(description="Price in minor units (a donation: its amount).")
    commission: int = strawberry.field(default=0, description="Commission, tickets only.")
    description: str | None = strawberry.field(default=None, description="Free text.")
    instance_id: strawberry.ID | None = strawberry.field(
        default=None, description="TICKET: the event instance (required)."
    )
    price_band: str | None = strawberry.field(
        default=None, description="TICKET: the price band (required)."
    )
    fund_id: strawberry.ID | None = strawberry.field(
        default=None, description="DONATION: the fund (required)."
    )
    scheme_id: strawberry.ID | None = strawberry.field(
        default=None, description="MEMBERSHIP: the scheme (required)."
    )
    auto_renew: bool = strawberry.field(
        default=False, description="MEMBERSHIP: renew automatically."
    )

    def line(self, field: tuple[str, ...]) -> ItemLine:
        return ItemLine(
            DomainItemKind(self.kind.value),
            self.price,
            self.commission,
            self.description,
            _pk(self.instance_id, "EventInstance", "Event instance", (*field, "instanceId")),
            self.price_band,
            _pk(self.fund_id, "Fund", "Fund", (*field, "fundId")),
            _pk(self.scheme_id, "MembershipScheme", "Membership scheme", (*field, "schemeId")),
            self.auto_renew,
        )


@strawberry.input(description="A key and value to record with an order.")
class OrderAttributeInput:
    key: str = strawberry.field(description="The attribute's name.")
    value: str = strawberry.field(description="Its value.")


@strawberry.input(
    description="An order to record. With `externalReference`, sending it again "
    "returns the first order and records nothing new."
)
class RecordOrderInput:
    owner_id: strawberry.ID = strawberry.field(description="The customer who placed it.")
    channel: Channel = strawberry.field(description="How it was placed.")  # type: ignore[valid-type]
    items: list[OrderItemInput] = strawberry.field(description="Its lines (1 to 200).")
    external_reference: str | None = strawberry.field(
        default=None, description="The sending system's own id for the order."
    )
    currency: str | None = strawberry.field(
        default=None, description="If given, must be the organisation's currency."
    )
    total: int | None = strawberry.field(
        default=None, description="If given, must equal the items' price plus commission."
    )
    facilitator_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who booked it on the owner's behalf."
    )
    booked_for_id: strawberry.ID | None = strawberry.field(
        default=None, description="The Organisation it was booked for."
    )
    soft_credit_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Customers to soft-credit (not the owner)."
    )
    attributes: list[OrderAttributeInput] = strawberry.field(
        default_factory=list, description="Key/value attributes."
    )
    ordered_at: datetime | None = strawberry.field(
        default=None, description="When it was placed (default: now)."
    )
    consents: list[ConsentAnswerInput] = strawberry.field(
        default_factory=list,
        description="The owner's answers to `consentQuestions`, recorded with the order (and "
        "not at all if it fails).",
    )
    consent_source: ConsentSource | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Where the answers were given (default: from the channel; needed for "
        "INTEGRATION).",
    )

    def command(self) -> RecordOrder:
        return RecordOrder(
            customer_pk(self.owner_id, "ownerId"),
            DomainChannel(self.channel.value),
            tuple(item.line(("items", str(i))) for i, item in enumerate(self.items)),
            self.currency,
            self.total,
            customer_pk(self.facilitator_id, "facilitatorId") if self.facilitator_id else None,
            customer_pk(self.booked_for_id, "bookedForId", ("Organisation",))
            if self.booked_for_id
            else None,
            tuple(customer_pk(c, "softCreditIds") for c in self.soft_credit_ids),
            tuple((a.key, a.value) for a in self.attributes),
            self.external_reference,
            self.ordered_at,
            answers(self.consents, "consents"),
            source(self.consent_source) if self.consent_source else None,
        )


@strawberry.input(description="Items to return from an order.")
class ReturnItemsInput:
    order_id: strawberry.ID = strawberry.field(description="The order.")
    item_ids: list[strawberry.ID] = strawberry.field(description="Its items to return.")
    donate_to_fund_id: strawberry.ID | None = strawberry.field(
        default=None, description="Give the refund as a donation to this fund instead."
    )

    def command(self) -> ReturnItems:
        return ReturnItems(
            pk_of(self.order_id, ("Order",), "Order", ("orderId",)),
            tuple(pk_of(i, ("OrderItem",), "Order item", ("itemIds",)) for i in self.item_ids),
            _pk(self.donate_to_fund_id, "Fund", "Fund", ("donateToFundId",)),
        )


@strawberry.input(description="A ticket to hold.")
class ReservedTicketInput:
    instance_id: strawberry.ID = strawberry.field(description="The event instance.")
    price_band: str = strawberry.field(description="The price band.")
    price: int = strawberry.field(description="Price in minor units.")
    commission: int = strawberry.field(default=0, description="Commission in minor units.")

    def line(self, field: tuple[str, ...]) -> ItemLine:
        instance = pk_of(
            self.instance_id, ("EventInstance",), "Event instance", (*field, "instanceId")
        )
        return ItemLine(
            DomainItemKind.TICKET, self.price, self.commission, None, instance, self.price_band
        )


@strawberry.input(description="Tickets to hold for a customer.")
class ReserveTicketsInput:
    customer_id: strawberry.ID = strawberry.field(description="Who they are for.")
    tickets: list[ReservedTicketInput] = strawberry.field(description="The tickets.")
    expires_at: datetime = strawberry.field(description="When the hold ends.")

    def command(self) -> ReserveTickets:
        return ReserveTickets(
            customer_pk(self.customer_id, "customerId"),
            tuple(t.line(("tickets", str(i))) for i, t in enumerate(self.tickets)),
            self.expires_at,
        )


@strawberry.input(description="A held reservation to buy.")
class PurchaseReservationInput:
    reservation_id: strawberry.ID = strawberry.field(description="The reservation.")
    channel: Channel = strawberry.field(description="How it is bought.")  # type: ignore[valid-type]
    total: int | None = strawberry.field(
        default=None, description="If given, must equal the tickets' price plus commission."
    )

    def command(self) -> PurchaseReservation:
        return PurchaseReservation(
            reservation_pk(self.reservation_id), DomainChannel(self.channel.value), self.total
        )


def reservation_pk(global_id: strawberry.ID) -> int:
    return pk_of(global_id, ("Reservation",), "Reservation", ("reservationId",))


@strawberry.input(description="A customer checking in at an event instance.")
class RecordVisitInput:
    customer_id: strawberry.ID = strawberry.field(description="Who.")
    instance_id: strawberry.ID = strawberry.field(description="Where and what.")
    checked_in_at: datetime | None = strawberry.field(
        default=None, description="When (default: now)."
    )

    def command(self) -> RecordVisit:
        return RecordVisit(
            customer_pk(self.customer_id, "customerId"),
            pk_of(self.instance_id, ("EventInstance",), "Event instance", ("instanceId",)),
            self.checked_in_at,
        )
