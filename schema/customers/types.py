"""Customers in the API: the Customer interface, Individual and Organisation, and what hangs
off them (relationships, households, the timeline)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from domain.sales.orders import Involvement, OrderCriteria
from domain.sales.orders import ItemKind as DomainItemKind
from domain.timeline import TimelineCriteria
from domain.timeline import TimelineEntryType as DomainTimelineEntryType
from resolvers import consent as consent_reads
from resolvers import customers as customer_reads
from resolvers import sales as sales_reads
from schema.customers.contact import Address, CustomAttribute, Email, Phone
from schema.errors import read
from schema.loaded import loaded
from schema.node import Node
from schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.planned import with_planned
from schema.sales.enums import ItemKind, OrderInvolvement
from schema.selection import selected_names
from schema.timeline import TimelineEntry, TimelineEntryType

# The fields of an Order that read its items: asked for, the page reads them with it.
ORDER_ITEM_FIELDS = frozenset({"items", "total"})

if TYPE_CHECKING:
    from schema.consent.types import ConsentEntry, CustomerConsent
    from schema.customers.notes import PopUpNote
    from schema.fundraising.records import Activity, Invitation, Legacy, Pledge
    from schema.fundraising.types import Opportunity
    from schema.sales.orders import Order
    from schema.sales.records import Membership, Visit


@strawberry.interface(
    description="Someone the organisation deals with: an `Individual` or an `Organisation`."
)
class Customer(Node):
    reference: str = strawberry.field(
        description="Short reference staff read out on the phone, e.g. `C-104233`."
    )
    display_name: str = strawberry.field(description="The name to show.")
    active: bool = strawberry.field(
        description="False for an inactive customer: hidden from sales search, kept for "
        "fundraising and history."
    )
    created_at: datetime = strawberry.field(description="When the record was created (UTC).")

    @strawberry.field(description="Email addresses, the primary one first.")
    def emails(self, info: Info) -> list[Email]:
        loader = info.context.loaders.emails_by_customer
        return loaded(loader, self.pk, Email.from_rows)  # type: ignore[return-value]

    @strawberry.field(description="Phone numbers, the primary one first.")
    def phones(self, info: Info) -> list[Phone]:
        loader = info.context.loaders.phones_by_customer
        return loaded(loader, self.pk, Phone.from_rows)  # type: ignore[return-value]

    @strawberry.field(description="Postal addresses; exactly one is primary when any exist.")
    def addresses(self, info: Info) -> list[Address]:
        loader = info.context.loaders.addresses_by_customer
        return loaded(loader, self.pk, Address.from_rows)  # type: ignore[return-value]

    @strawberry.field(description="The primary postal address, if any.")
    async def primary_address(self, info: Info) -> Address | None:
        rows = await info.context.loaders.addresses_by_customer.load(self.pk)
        primary = [a for a in Address.from_rows(rows) if a.primary]
        return primary[0] if primary else None

    @strawberry.field(description="Tags, in alphabetical order.")
    async def tags(self, info: Info) -> list[str]:
        return [r.tag for r in await info.context.loaders.tags_by_customer.load(self.pk)]

    @strawberry.field(
        description="Custom attributes; protected values are null without PROTECTED_DATA."
    )
    async def attributes(self, info: Info) -> list[CustomAttribute]:
        rows = await info.context.loaders.attributes_by_customer.load(self.pk)
        return CustomAttribute.from_rows(rows, info.context.caller.may_see_protected_data)

    @strawberry.field(description="Relationships with other customers, from either side.")
    def relationships(
        self,
        info: Info,
        include_ended: Annotated[
            bool, strawberry.argument(description="Also return relationships that have ended.")
        ] = False,
    ) -> list[Relationship]:
        def kept(rows: list[Any]) -> list[Relationship]:
            return [Relationship.from_record(r) for r in rows if include_ended or not r.ended]

        loader = info.context.loaders.relationships_by_customer
        return loaded(loader, self.pk, kept)  # type: ignore[return-value]

    @strawberry.field(
        description="Pop-up notes, pinned first, then newest first. Pink notes only for "
        "callers holding OPPORTUNITIES."
    )
    async def pop_up_notes(
        self,
        info: Info,
        include_expired: Annotated[
            bool,
            strawberry.argument(description="Also return notes past their expiry date."),
        ] = False,
    ) -> list[Annotated[PopUpNote, strawberry.lazy("schema.customers.notes")]]:
        from domain.customers.popup_notes import display_order
        from schema.customers.notes import PopUpNote

        today = info.context.now().date()
        rows = await info.context.loaders.pop_up_notes_by_customer.load(self.pk)
        notes = [PopUpNote.from_record(r, today) for r in display_order(rows)]
        return [n for n in notes if include_expired or n.popped]

    @strawberry.field(description="Every interaction with this customer, newest first.")
    async def timeline(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        types: Annotated[
            list[TimelineEntryType] | None,
            strawberry.argument(description="Only entries of these types."),
        ] = None,
        opportunity_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only entries that count towards this opportunity of the "
                "customer's: the opportunity itself, its pledges, their instalments and "
                "reminders, its activities, and orders and reservations linked to it. Needs "
                "OPPORTUNITIES."
            ),
        ] = None,
        occurred_from: Annotated[
            datetime | None,
            strawberry.argument(
                name="from", description="Only entries that occurred at or after this moment."
            ),
        ] = None,
        occurred_before: Annotated[
            datetime | None,
            strawberry.argument(
                name="to", description="Only entries that occurred before this moment."
            ),
        ] = None,
    ) -> Connection[TimelineEntry]:
        criteria = TimelineCriteria(
            self.pk,
            frozenset(DomainTimelineEntryType(k.value) for k in types or ()),
            None,
            occurred_from,
            occurred_before,
        )
        page = await read(
            customer_reads.timeline(info.context, criteria, opportunity_id, first, after)
        )
        return Connection.of(page.rows, page.cursors, page.has_next_page, TimelineEntry.from_row)

    @strawberry.field(
        description="The current state of each contact preference in use, and of any other "
        "this customer answered, derived from the consent ledger."
    )
    async def consents(
        self, info: Info
    ) -> list[Annotated[CustomerConsent, strawberry.lazy("schema.consent.types")]]:
        from schema.consent.types import current_consents

        return await current_consents(info, self.pk)

    @strawberry.field(description="The consent ledger: every answer given, newest first.")
    async def consent_history(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Annotated[ConsentEntry, strawberry.lazy("schema.consent.types")]]:
        from schema.consent.types import ConsentEntry

        page = await read(consent_reads.history(info.context, self.pk, first, after))
        return Connection.of(page.rows, page.cursors, page.has_next_page, ConsentEntry.from_domain)

    @strawberry.field(
        description="Orders this customer placed (by default) or is involved "
        "in otherwise, newest first."
    )
    async def orders(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        kinds: Annotated[
            list[ItemKind] | None,
            strawberry.argument(  # type: ignore[valid-type]
                description="Only orders with an item of one of these kinds."
            ),
        ] = None,
        ordered_from: Annotated[
            datetime | None,
            strawberry.argument(description="Only orders placed at or after this moment."),
        ] = None,
        ordered_before: Annotated[
            datetime | None,
            strawberry.argument(description="Only orders placed before this moment."),
        ] = None,
        involvement: Annotated[
            list[OrderInvolvement] | None,
            strawberry.argument(  # type: ignore[valid-type]
                description="Which involvements count (default: OWNER)."
            ),
        ] = None,
    ) -> Connection[Annotated[Order, strawberry.lazy("schema.sales.orders")]]:
        from schema.sales.orders import planned_order

        criteria = OrderCriteria(
            self.pk,
            frozenset(Involvement(i.value) for i in involvement or []) or {Involvement.OWNER},
            tuple(DomainItemKind(k.value) for k in kinds or ()),
            ordered_from,
            ordered_before,
        )
        # Their items (and totals) with the page when they are asked for.
        items = bool(ORDER_ITEM_FIELDS & selected_names(info, "edges", "node"))
        page = await read(sales_reads.orders(info.context, criteria, first, after, items))
        return Connection.of(page.rows, page.cursors, page.has_next_page, planned_order)

    @strawberry.field(description="Memberships, latest first.")
    async def memberships(
        self,
        info: Info,
        include_lapsed: Annotated[
            bool, strawberry.argument(description="Also return lapsed memberships.")
        ] = False,
    ) -> list[Annotated[Membership, strawberry.lazy("schema.sales.records")]]:
        from schema.sales.records import Membership, MembershipStatus

        today = info.context.now().date()
        rows = await info.context.loaders.memberships_by_customer.load(self.pk)
        memberships = [Membership.from_row(r, today) for r in rows]
        return [m for m in memberships if include_lapsed or m.status is not MembershipStatus.LAPSED]

    @strawberry.field(description="Check-ins at event instances, newest first.")
    async def visits(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Annotated[Visit, strawberry.lazy("schema.sales.records")]]:
        from schema.sales.records import Visit

        page = await read(sales_reads.visits(info.context, self.pk, first, after))
        return Connection.of(page.rows, page.cursors, page.has_next_page, Visit.from_record)

    @strawberry.field(
        description="Opportunities, open and closed, newest first. OPPORTUNITIES.",
    )
    async def opportunities(
        self, info: Info
    ) -> list[Annotated[Opportunity, strawberry.lazy("schema.fundraising.types")]]:
        from schema.fundraising.types import Opportunity

        rows = await info.context.loaders.opportunities_by_customer.load(self.pk)
        return [Opportunity.from_record(r) for r in rows]

    @strawberry.field(
        description="Pledges with their instalments, newest first. OPPORTUNITIES.",
    )
    async def pledges(
        self, info: Info
    ) -> list[Annotated[Pledge, strawberry.lazy("schema.fundraising.records")]]:
        from schema.fundraising.records import pledge_from_row

        rows = await info.context.loaders.pledges_by_customer.load(self.pk)
        return [await pledge_from_row(info, r) for r in rows]

    @strawberry.field(description="Legacies. OPPORTUNITIES.")
    async def legacies(
        self, info: Info
    ) -> list[Annotated[Legacy, strawberry.lazy("schema.fundraising.records")]]:
        from schema.fundraising.records import legacy_from_record

        rows = await info.context.loaders.legacies_by_customer.load(self.pk)
        return [await legacy_from_record(info, r) for r in rows]

    @strawberry.field(
        description="Activities, latest due first. OPPORTUNITIES.",
    )
    async def activities(
        self, info: Info
    ) -> list[Annotated[Activity, strawberry.lazy("schema.fundraising.records")]]:
        from schema.fundraising.records import Activity

        rows = await info.context.loaders.activities_by_customer.load(self.pk)
        return [Activity.from_record(r) for r in rows]


@strawberry.type(description="A person.")
class Individual(Customer):
    title: str | None = strawberry.field(description="Title, e.g. `Dr`.")
    first_name: str | None = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    date_of_death: date | None = strawberry.field(description="Date of death, when known.")

    @strawberry.field(description="The household this person belongs to, if any.")
    async def household(self, info: Info) -> Household | None:
        row = await info.context.loaders.household_by_member.load(self.pk)
        return Household.from_record(row) if row else None

    @strawberry.field(
        description="Invitations to performances, newest first, each with a "
        "countdown. OPPORTUNITIES.",
    )
    async def invitations(
        self, info: Info
    ) -> list[Annotated[Invitation, strawberry.lazy("schema.fundraising.records")]]:
        from schema.fundraising.records import Invitation

        rows = await info.context.loaders.invitations_by_customer.load(self.pk)
        return [Invitation.from_record(r) for r in rows]


@strawberry.type(description="A company, trust, school or other body that is a customer.")
class Organisation(Customer):
    name: str = strawberry.field(description="The organisation's name.")


def customer_from_record(record: Any) -> Individual | Organisation:
    """The API type for a customer row or domain record (both carry the same names)."""
    common = {
        "pk": record.id,
        "reference": record.reference,
        "active": record.active,
        "created_at": record.created_at,
    }
    if str(record.kind) == "INDIVIDUAL":
        name = " ".join(p for p in (record.title, record.first_name, record.last_name) if p)
        return Individual(
            display_name=name,
            title=record.title,
            first_name=record.first_name,
            last_name=record.last_name or "",
            date_of_death=record.date_of_death,
            **common,
        )
    return Organisation(display_name=record.name or "", name=record.name or "", **common)


def planned_customer(record: Any) -> Individual | Organisation:
    """The API type for a customer record of a planned read, its lists as planned values
    (schema/planned.py): what the fields' resolvers would make of the loaders' rows."""
    customer = customer_from_record(record.customer)
    details = record.details
    if not details:
        return customer
    values: dict[str, Any] = {}
    if "emails" in details:
        values["emails"] = Email.from_rows(details["emails"])
    if "phones" in details:
        values["phones"] = Phone.from_rows(details["phones"])
    if "addresses" in details:
        addresses = values["addresses"] = Address.from_rows(details["addresses"])
        values["primary_address"] = next((a for a in addresses if a.primary), None)
    if "tags" in details:
        values["tags"] = [r.tag for r in details["tags"]]
    return with_planned(customer, values)


async def load_customer(info: Info, pk: int) -> Individual | Organisation:
    return customer_from_record(await info.context.loaders.customer_by_id.load(pk))


@strawberry.type(description="A kind of relationship the organisation records, e.g. `Employee`.")
class RelationshipType(Node):
    name: str = strawberry.field(description="The name, read as `<from> is <name> of <to>`.")
    acts_on_behalf: bool = strawberry.field(
        description="Whether the `from` customer may act on behalf of the `to` customer."
    )

    @classmethod
    def from_record(cls, record: Any) -> RelationshipType:
        return cls(pk=record.id, name=record.name, acts_on_behalf=record.acts_on_behalf)


@strawberry.type(description="A typed link between two customers, optionally dated.")
class Relationship(Node):
    type_pk: strawberry.Private[int]
    from_customer_pk: strawberry.Private[int]
    to_customer_pk: strawberry.Private[int]
    starts_on: date | None = strawberry.field(description="When it started, if known.")
    ends_on: date | None = strawberry.field(description="When it ended or will end, if known.")
    ended: bool = strawberry.field(description="Whether it has been ended.")

    @strawberry.field(description="What kind of relationship.")
    def type(self, info: Info) -> RelationshipType:
        loader = info.context.loaders.relationship_type_by_id
        return loaded(loader, self.type_pk, RelationshipType.from_record)  # type: ignore[return-value]

    @strawberry.field(description="The customer the relationship goes from.")
    def from_customer(self, info: Info) -> Customer:
        loader = info.context.loaders.customer_by_id
        return loaded(loader, self.from_customer_pk, customer_from_record)  # type: ignore[return-value]

    @strawberry.field(description="The customer the relationship goes to.")
    def to_customer(self, info: Info) -> Customer:
        loader = info.context.loaders.customer_by_id
        return loaded(loader, self.to_customer_pk, customer_from_record)  # type: ignore[return-value]

    @classmethod
    def from_record(cls, record: Any) -> Relationship:
        """From a relationship row or domain Relationship (both carry the same names)."""
        return cls(
            pk=record.id,
            type_pk=record.type_id,
            from_customer_pk=record.from_customer_id,
            to_customer_pk=record.to_customer_id,
            starts_on=record.starts_on,
            ends_on=record.ends_on,
            ended=record.ended,
        )


@strawberry.type(description="Individuals living together; one is the primary householder.")
class Household(Node):
    name: str = strawberry.field(description="The household's name.")
    primary_householder_pk: strawberry.Private[int]

    @strawberry.field(description="The member who heads the household.")
    async def primary_householder(self, info: Info) -> Individual:
        return await load_customer(info, self.primary_householder_pk)  # type: ignore[return-value]

    @strawberry.field(description="Every member, the primary householder included.")
    async def members(self, info: Info) -> list[Individual]:
        ids = await info.context.loaders.members_by_household.load(self.pk)
        rows = await info.context.loaders.customer_by_id.load_many(ids)  # one batch, not one each
        return [customer_from_record(row) for row in rows]  # type: ignore[misc]

    @classmethod
    def from_record(cls, record: Any) -> Household:
        """From a household row or domain Household (both carry the same names)."""
        return cls(
            pk=record.id, name=record.name, primary_householder_pk=record.primary_householder_id
        )
