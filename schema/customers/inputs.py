"""Inputs of the customer mutations, each turning itself into a domain command.

Ids arrive as global ids; one that does not name a row of the caller's organisation is
reported NOT_FOUND on its field, exactly like an id that names nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from domain.customers import commands, contact
from domain.customers import customer as records
from domain.customers.households import (
    AddHouseholdMember,
    CreateHousehold,
    RemoveHouseholdMember,
    SetPrimaryHouseholder,
)
from domain.customers.relationships import (
    AddRelationship,
    CreateRelationshipType,
    EndRelationship,
)
from domain.unset import UNSET as DOMAIN_UNSET
from resolvers.global_ids import CUSTOMER_TYPES, pk_of


def given_or_unset(value: Any) -> Any:
    """Strawberry's UNSET (argument left out) as the domain's; null stays None."""
    return DOMAIN_UNSET if value is strawberry.UNSET else value


def customer_pk(
    global_id: strawberry.ID, field: str, types: tuple[str, ...] = CUSTOMER_TYPES
) -> int:
    what = "Individual" if types == ("Individual",) else "Customer"
    return pk_of(global_id, types, what, (field,))


@strawberry.input(description="An email address.")
class EmailInput:
    address: str = strawberry.field(description="The address, e.g. `ada@example.org`.")
    label: str | None = strawberry.field(default=None, description="What it is for.")


@strawberry.input(description="A phone number.")
class PhoneInput:
    number: str = strawberry.field(description="The number, digits with spaces, +, - or ().")
    label: str | None = strawberry.field(default=None, description="What it is for.")


@strawberry.input(description="A postal address.")
class AddressInput:
    line1: str = strawberry.field(description="First line (required).")
    line2: str | None = strawberry.field(default=None, description="Second line.")
    city: str | None = strawberry.field(default=None, description="Town or city.")
    region: str | None = strawberry.field(default=None, description="County, state or region.")
    postcode: str | None = strawberry.field(default=None, description="Postcode or ZIP code.")
    country: str | None = strawberry.field(default=None, description="Country.")
    primary: bool = strawberry.field(
        default=False, description="Make this the primary address (else the first one is)."
    )


@strawberry.input(description="A custom attribute.")
class AttributeInput:
    key: str = strawberry.field(description="The attribute's name.")
    value: str = strawberry.field(description="Its value.")
    protected: bool = strawberry.field(
        default=False, description="Protected data: only PROTECTED_DATA holders see or set it."
    )


@strawberry.input(description="Contact details; a list given replaces the record's list.")
class ContactDetailsInput:
    emails: list[EmailInput] | None = strawberry.field(
        default=None, description="Email addresses, primary first (at most 20)."
    )
    phones: list[PhoneInput] | None = strawberry.field(
        default=None, description="Phone numbers, primary first (at most 20)."
    )
    addresses: list[AddressInput] | None = strawberry.field(
        default=None, description="Postal addresses (at most 20)."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Tags (at most 50).")
    attributes: list[AttributeInput] | None = strawberry.field(
        default=None,
        description="Custom attributes. Without PROTECTED_DATA, protected ones are kept as "
        "they are.",
    )

    def details(self) -> commands.ContactDetails:
        def each(items: list[Any] | None, build: Any) -> list[Any] | None:
            return None if items is None else [build(i) for i in items]

        return commands.ContactDetails(
            emails=each(self.emails, lambda e: contact.Email(e.address, e.label)),
            phones=each(self.phones, lambda p: contact.Phone(p.number, p.label)),
            addresses=each(
                self.addresses,
                lambda a: contact.Address(
                    a.line1, a.line2, a.city, a.region, a.postcode, a.country, a.primary
                ),
            ),
            tags=self.tags,
            attributes=each(
                self.attributes, lambda a: records.Attribute(a.key, a.value, a.protected)
            ),
        )


@strawberry.input(description="A new Individual.")
class CreateIndividualInput(ContactDetailsInput):
    last_name: str = strawberry.field(description="Last name (required).")
    first_name: str | None = strawberry.field(default=None, description="First name.")
    title: str | None = strawberry.field(default=None, description="Title, e.g. `Ms`.")
    date_of_death: date | None = strawberry.field(default=None, description="Date of death.")

    def command(self) -> commands.CreateIndividual:
        return commands.CreateIndividual(
            self.last_name, self.first_name, self.title, self.date_of_death, self.details()
        )


@strawberry.input(description="A new Organisation.")
class CreateOrganisationInput(ContactDetailsInput):
    name: str = strawberry.field(description="The organisation's name (required).")

    def command(self) -> commands.CreateOrganisation:
        return commands.CreateOrganisation(self.name, self.details())


@strawberry.input(description="Changes to an Individual; fields left out are kept.")
class UpdateIndividualInput(ContactDetailsInput):
    customer_id: strawberry.ID = strawberry.field(description="The Individual to change.")
    title: str | None = strawberry.field(default=strawberry.UNSET, description="Title.")
    first_name: str | None = strawberry.field(default=strawberry.UNSET, description="First name.")
    last_name: str | None = strawberry.field(default=strawberry.UNSET, description="Last name.")
    date_of_death: date | None = strawberry.field(
        default=strawberry.UNSET, description="Date of death."
    )

    def command(self) -> commands.UpdateIndividual:
        return commands.UpdateIndividual(
            customer_pk(self.customer_id, "customerId", ("Individual",)),
            title=given_or_unset(self.title),
            first_name=given_or_unset(self.first_name),
            last_name=given_or_unset(self.last_name),
            date_of_death=given_or_unset(self.date_of_death),
            details=self.details(),
        )


@strawberry.input(description="Changes to an Organisation; fields left out are kept.")
class UpdateOrganisationInput(ContactDetailsInput):
    customer_id: strawberry.ID = strawberry.field(description="The Organisation to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")

    def command(self) -> commands.UpdateOrganisation:
        return commands.UpdateOrganisation(
            customer_pk(self.customer_id, "customerId", ("Organisation",)),
            name=given_or_unset(self.name),
            details=self.details(),
        )


@strawberry.input(description="A customer to deactivate.")
class DeactivateCustomerInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    reason: str | None = strawberry.field(default=None, description="Why, for the timeline.")

    def command(self) -> commands.DeactivateCustomer:
        return commands.DeactivateCustomer(customer_pk(self.customer_id, "customerId"), self.reason)


@strawberry.input(description="A customer to reactivate.")
class ReactivateCustomerInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")

    def command(self) -> commands.ReactivateCustomer:
        return commands.ReactivateCustomer(customer_pk(self.customer_id, "customerId"))


@strawberry.input(description="A new kind of relationship.")
class CreateRelationshipTypeInput:
    name: str = strawberry.field(description="The name, e.g. `Employee` or `Spouse`.")
    acts_on_behalf: bool = strawberry.field(
        default=False, description="Whether the `from` side may act on behalf of the `to` side."
    )

    def command(self) -> CreateRelationshipType:
        return CreateRelationshipType(self.name, self.acts_on_behalf)


@strawberry.input(description="A relationship to record between two customers.")
class AddRelationshipInput:
    type_id: strawberry.ID = strawberry.field(description="The relationship type.")
    from_customer_id: strawberry.ID = strawberry.field(description="The `from` customer.")
    to_customer_id: strawberry.ID = strawberry.field(description="The `to` customer.")
    starts_on: date | None = strawberry.field(default=None, description="When it started.")
    ends_on: date | None = strawberry.field(default=None, description="When it ends.")

    def command(self) -> AddRelationship:
        return AddRelationship(
            pk_of(self.type_id, ("RelationshipType",), "Relationship type", ("typeId",)),
            customer_pk(self.from_customer_id, "fromCustomerId"),
            customer_pk(self.to_customer_id, "toCustomerId"),
            self.starts_on,
            self.ends_on,
        )


@strawberry.input(description="A relationship to end.")
class EndRelationshipInput:
    relationship_id: strawberry.ID = strawberry.field(description="The relationship.")
    ends_on: date | None = strawberry.field(default=None, description="When (default today).")

    def command(self) -> EndRelationship:
        return EndRelationship(
            pk_of(self.relationship_id, ("Relationship",), "Relationship", ("relationshipId",)),
            self.ends_on,
        )


@strawberry.input(description="A new household.")
class CreateHouseholdInput:
    primary_householder_id: strawberry.ID = strawberry.field(
        description="The Individual who heads it; becomes a member."
    )
    name: str | None = strawberry.field(
        default=None, description="Its name (default: `<last name> household`)."
    )
    member_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Other Individuals to add."
    )

    def command(self) -> CreateHousehold:
        return CreateHousehold(
            customer_pk(self.primary_householder_id, "primaryHouseholderId", ("Individual",)),
            self.name,
            tuple(customer_pk(m, "memberIds", ("Individual",)) for m in self.member_ids),
        )


@strawberry.input(description="A household and one of its (would-be) members.")
class HouseholdMemberInput:
    household_id: strawberry.ID = strawberry.field(description="The household.")
    customer_id: strawberry.ID = strawberry.field(description="The Individual.")

    def _pks(self) -> tuple[int, int]:
        return (
            pk_of(self.household_id, ("Household",), "Household", ("householdId",)),
            customer_pk(self.customer_id, "customerId", ("Individual",)),
        )

    def add(self) -> AddHouseholdMember:
        return AddHouseholdMember(*self._pks())

    def remove(self) -> RemoveHouseholdMember:
        return RemoveHouseholdMember(*self._pks())

    def make_primary(self) -> SetPrimaryHouseholder:
        return SetPrimaryHouseholder(*self._pks())
