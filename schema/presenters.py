"""Each object type of the API built from the row `resolvers.nodes.load_object` reads: the
one way `node()` and a timeline entry's `subject` present what they found."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.fundraising.pledges import Instalment as DomainInstalment
from schema.consent.types import ContactPreference
from schema.customers.notes import PopUpNote
from schema.customers.types import (
    Household,
    Individual,
    Organisation,
    Relationship,
    RelationshipType,
    customer_from_record,
)
from schema.fundraising.records import (
    Activity,
    Instalment,
    Invitation,
    Legacy,
    Pledge,
    legacy_from_record,
    pledge_from_row,
)
from schema.fundraising.types import Campaign, Opportunity, OpportunityStage, StaffUser
from schema.jobs import Job
from schema.mailings.types import Mailing
from schema.sales.catalogue import Event, EventInstance, Fund, MembershipScheme, PartnerCompany
from schema.sales.money import Money
from schema.sales.orders import Order, OrderItem
from schema.sales.records import Membership, Reservation, Visit
from schema.segments.types import CustomerList, Segment


def _plain(present: Any) -> Any:
    async def presenter(row: Any, info: Info) -> Any:
        return present(row)

    return presenter


async def _today(present: Any, row: Any, info: Info) -> Any:
    return present(row, info.context.now().date())


async def _membership(row: Any, info: Info) -> Any:
    return Membership.from_row(row, info.context.now().date())


async def _order_item(row: Any, info: Info) -> Any:
    return OrderItem.from_record(row, row.currency)


async def _reservation(row: Any, info: Info) -> Any:
    return Reservation.from_domain(row, info.context.now(), await info.context.currency())


async def _instalment(row: Any, info: Info) -> Any:
    given = await info.context.loaders.given_by_instalment.load(row.id)
    currency = await info.context.currency()
    status = DomainInstalment(row.amount, row.due_on, given, row.cancelled, row.id).status(
        info.context.now().date()
    )
    return Instalment(
        pk=row.id,
        amount=Money.of(row.amount, currency),
        due_on=row.due_on,
        given=Money.of(given, currency),
        status=status,
    )


_PRESENTERS: dict[str, Any] = {
    "Individual": _plain(customer_from_record),
    "Organisation": _plain(customer_from_record),
    "Household": _plain(Household.from_record),
    "RelationshipType": _plain(RelationshipType.from_record),
    "Relationship": _plain(Relationship.from_record),
    "Job": _plain(Job.from_record),
    "Order": _plain(Order.from_record),
    "OrderItem": _order_item,
    "Event": _plain(Event.from_record),
    "EventInstance": _plain(EventInstance.from_record),
    "Fund": _plain(Fund.from_record),
    "MembershipScheme": _plain(MembershipScheme.from_record),
    "PartnerCompany": _plain(PartnerCompany.from_record),
    "Membership": _membership,
    "Visit": _plain(Visit.from_record),
    "Reservation": _reservation,
    "Campaign": _plain(Campaign.from_record),
    "OpportunityStage": _plain(OpportunityStage.from_record),
    "Opportunity": _plain(Opportunity.from_record),
    "StaffUser": _plain(StaffUser.from_record),
    "Pledge": lambda row, info: pledge_from_row(info, row),
    "Instalment": _instalment,
    "Legacy": lambda row, info: legacy_from_record(info, row),
    "Activity": _plain(Activity.from_record),
    "Invitation": _plain(Invitation.from_record),
    "ContactPreference": _plain(ContactPreference.from_record),
    "Mailing": _plain(Mailing.from_record),
    "PopUpNote": lambda row, info: _today(PopUpNote.from_record, row, info),
    "Segment": _plain(Segment.from_read),
    "CustomerList": _plain(CustomerList.from_record),
}


# What a timeline entry can be about: one line per type.
TimelineSubject = Annotated[
    Individual
    | Organisation
    | Relationship
    | Household
    | Order
    | Reservation
    | Visit
    | Opportunity
    | Pledge
    | Instalment
    | Legacy
    | Activity
    | Invitation
    | PopUpNote
    | ContactPreference
    | Mailing,
    strawberry.union(
        "TimelineSubject",
        description="What a timeline entry is about: the customer record itself for a change "
        "to it, otherwise the order, reservation, visit, opportunity, pledge, instalment, "
        "legacy, activity, invitation, pop-up note, the contact preference answered or the "
        "mailing sent. Null "
        "when it is gone (a deleted note).",
    ),
]


async def present(type_name: str, row: Any, info: Info) -> Any:
    return await _PRESENTERS[type_name](row, info)
