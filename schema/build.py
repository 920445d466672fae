"""The assembled schema: every area's queries and mutations, with limits and masking."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from domain.fundraising.pledges import Instalment as DomainInstalment
from resolvers import nodes
from schema.access_log import NameOperation
from schema.accounts import AccountMutation, AccountQuery
from schema.consent.mutations import ConsentMutation
from schema.consent.queries import ConsentQuery
from schema.consent.sharing import SharingMutation
from schema.consent.types import ContactPreference
from schema.customers.mutations import CustomerMutation
from schema.customers.notes import PopUpNote, PopUpNoteMutation
from schema.customers.queries import CustomerQuery
from schema.customers.types import (
    Household,
    Individual,
    Organisation,
    Relationship,
    RelationshipType,
    customer_from_record,
)
from schema.errors import read
from schema.fundraising.mutations import FundraisingMutation
from schema.fundraising.queries import FundraisingQuery
from schema.fundraising.records import (
    Activity,
    Instalment,
    Invitation,
    legacy_from_record,
    pledge_from_row,
)
from schema.fundraising.reminders import ReminderQuery
from schema.fundraising.types import Campaign, Opportunity, OpportunityStage, StaffUser
from schema.jobs import Job, JobMutation, JobQuery
from schema.limits import Limits, QueryLimits, cached_validator
from schema.masking import MaskUnexpectedErrors
from schema.moments import MOMENT
from schema.node import Node
from schema.permissions import requires
from schema.sales.catalogue import Event, EventInstance, Fund, MembershipScheme, PartnerCompany
from schema.sales.money import Money
from schema.sales.mutations import SalesMutation
from schema.sales.orders import Order, OrderItem
from schema.sales.queries import SalesQuery
from schema.sales.records import Membership, Reservation, Visit
from schema.text_guard import UnacceptableTextGuard


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
    "PopUpNote": lambda row, info: _today(PopUpNote.from_record, row, info),
}


@strawberry.type(description="Everything Foyer can tell you.")
class Query(
    CustomerQuery,
    SalesQuery,
    FundraisingQuery,
    ReminderQuery,
    JobQuery,
    AccountQuery,
    ConsentQuery,
):
    @strawberry.field(
        description="Any object by its global id; null when there is none (in your organisation).",
        extensions=requires(),
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The object's global id.")],
    ) -> Node | None:
        found = await read(nodes.node(info.context, id))
        if found is None:
            return None
        type_name, row = found
        return await _PRESENTERS[type_name](row, info)  # type: ignore[no-any-return]


@strawberry.type(
    description="Everything Foyer can change. Send an `Idempotency-Key` header (1 to 200"
    " characters) to make any mutation safe to retry: the same key with the same request"
    " (same caller, query, variables and operation name) replays the first answer for 24 hours"
    " (header `Idempotent-Replayed: true`); the same key with a different request, or while"
    " the first is still running, is refused with HTTP 409 and a top-level GraphQL error"
    " `CONFLICT` naming the key. Keys belong to the organisation. An answer that was"
    " `SERVICE_UNAVAILABLE` is not kept, so its retry runs."
)
class Mutation(
    CustomerMutation,
    PopUpNoteMutation,
    SalesMutation,
    FundraisingMutation,
    JobMutation,
    AccountMutation,
    ConsentMutation,
    SharingMutation,
):
    pass


class FoyerSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Expected errors are the caller's and not logged; unexpected ones are logged,
        with their correlation id, where they are masked (schema/masking.py)."""


def build_schema(limits: Limits) -> FoyerSchema:
    # Built once: its cache of validation results is shared by every request.
    validator = cached_validator(limits.validation_budget)
    return FoyerSchema(
        query=Query,
        mutation=Mutation,
        types=[Individual, Organisation],
        config=StrawberryConfig(auto_camel_case=True, scalar_map={datetime: MOMENT}),
        # Factories, not instances: each request gets fresh extensions, so per-request state
        # (the query's cost) is never shared between concurrent requests.
        extensions=[
            lambda: ParserCache(maxsize=256),
            lambda: QueryLimits(limits, validator),
            UnacceptableTextGuard,
            NameOperation,
            MaskUnexpectedErrors,
        ],
    )
