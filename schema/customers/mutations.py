"""Mutations of the customer record. Each returns a payload with the changed object and
`errors`; on any error nothing is written."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.customers import households, relationships
from domain.customers import services as customers
from domain.roles import Role
from schema.customers.inputs import (
    AddRelationshipInput,
    CreateHouseholdInput,
    CreateIndividualInput,
    CreateOrganisationInput,
    CreateRelationshipTypeInput,
    DeactivateCustomerInput,
    EndRelationshipInput,
    HouseholdMemberInput,
    ReactivateCustomerInput,
    UpdateIndividualInput,
    UpdateOrganisationInput,
)
from schema.customers.types import (
    Customer,
    Household,
    Individual,
    Organisation,
    Relationship,
    RelationshipType,
    customer_from_record,
)
from schema.errors import ERRORS_DESCRIPTION, UserError, payload
from schema.mutations import perform
from schema.permissions import CUSTOMER_EDITORS, requires


def _household(household: Any) -> Household | None:
    # A household whose last member left no longer exists.
    return Household.from_record(household) if household.member_ids else None


@strawberry.type(description="Result of `createIndividual`.")
class CreateIndividualPayload:
    individual: Individual | None = strawberry.field(default=None, description="The new record.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `updateIndividual`.")
class UpdateIndividualPayload:
    individual: Individual | None = strawberry.field(default=None, description="The record.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `createOrganisation`.")
class CreateOrganisationPayload:
    organisation: Organisation | None = strawberry.field(
        default=None, description="The new record."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `updateOrganisation`.")
class UpdateOrganisationPayload:
    organisation: Organisation | None = strawberry.field(default=None, description="The record.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `deactivateCustomer` or `reactivateCustomer`.")
class CustomerActivationPayload:
    customer: Customer | None = strawberry.field(default=None, description="The record.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `createRelationshipType`.")
class CreateRelationshipTypePayload:
    relationship_type: RelationshipType | None = strawberry.field(
        default=None, description="The new type."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `addRelationship` or `endRelationship`.")
class RelationshipPayload:
    relationship: Relationship | None = strawberry.field(
        default=None, description="The relationship."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of a household mutation.")
class HouseholdPayload:
    household: Household | None = strawberry.field(
        default=None, description="The household; null once its last member has left."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


EDIT = requires(*CUSTOMER_EDITORS)
INPUT = "What to do; see the input type."


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(
        description="Create an Individual. Needs SALES or OPPORTUNITIES.", extensions=EDIT
    )
    async def create_individual(
        self,
        info: Info,
        input: Annotated[CreateIndividualInput, strawberry.argument(description=INPUT)],
    ) -> CreateIndividualPayload:
        return await payload(
            CreateIndividualPayload,
            perform(
                info, "individual", input.command, customers.create_individual, customer_from_record
            ),
        )

    @strawberry.mutation(
        description="Create an Organisation. Needs SALES or OPPORTUNITIES.", extensions=EDIT
    )
    async def create_organisation(
        self,
        info: Info,
        input: Annotated[CreateOrganisationInput, strawberry.argument(description=INPUT)],
    ) -> CreateOrganisationPayload:
        return await payload(
            CreateOrganisationPayload,
            perform(
                info,
                "organisation",
                input.command,
                customers.create_organisation,
                customer_from_record,
            ),
        )

    @strawberry.mutation(
        description="Change an Individual's names or contact details.", extensions=EDIT
    )
    async def update_individual(
        self,
        info: Info,
        input: Annotated[UpdateIndividualInput, strawberry.argument(description=INPUT)],
    ) -> UpdateIndividualPayload:
        return await payload(
            UpdateIndividualPayload,
            perform(
                info, "individual", input.command, customers.update_individual, customer_from_record
            ),
        )

    @strawberry.mutation(
        description="Change an Organisation's name or contact details.", extensions=EDIT
    )
    async def update_organisation(
        self,
        info: Info,
        input: Annotated[UpdateOrganisationInput, strawberry.argument(description=INPUT)],
    ) -> UpdateOrganisationPayload:
        return await payload(
            UpdateOrganisationPayload,
            perform(
                info,
                "organisation",
                input.command,
                customers.update_organisation,
                customer_from_record,
            ),
        )

    @strawberry.mutation(
        description="Mark a customer inactive: hidden from sales search, kept "
        "for fundraising and history.",
        extensions=EDIT,
    )
    async def deactivate_customer(
        self,
        info: Info,
        input: Annotated[DeactivateCustomerInput, strawberry.argument(description=INPUT)],
    ) -> CustomerActivationPayload:
        return await payload(
            CustomerActivationPayload,
            perform(
                info, "customer", input.command, customers.deactivate_customer, customer_from_record
            ),
        )

    @strawberry.mutation(description="Make an inactive customer active again.", extensions=EDIT)
    async def reactivate_customer(
        self,
        info: Info,
        input: Annotated[ReactivateCustomerInput, strawberry.argument(description=INPUT)],
    ) -> CustomerActivationPayload:
        return await payload(
            CustomerActivationPayload,
            perform(
                info, "customer", input.command, customers.reactivate_customer, customer_from_record
            ),
        )

    @strawberry.mutation(
        description="Define a relationship type. Needs SETTINGS_ADMIN.",
        extensions=requires(Role.SETTINGS_ADMIN),
    )
    async def create_relationship_type(
        self,
        info: Info,
        input: Annotated[CreateRelationshipTypeInput, strawberry.argument(description=INPUT)],
    ) -> CreateRelationshipTypePayload:
        return await payload(
            CreateRelationshipTypePayload,
            perform(
                info,
                "relationship_type",
                input.command,
                relationships.create_relationship_type,
                RelationshipType.from_record,
            ),
        )

    @strawberry.mutation(
        description="Record a relationship between two customers.", extensions=EDIT
    )
    async def add_relationship(
        self,
        info: Info,
        input: Annotated[AddRelationshipInput, strawberry.argument(description=INPUT)],
    ) -> RelationshipPayload:
        return await payload(
            RelationshipPayload,
            perform(
                info,
                "relationship",
                input.command,
                relationships.add_relationship,
                Relationship.from_record,
            ),
        )

    @strawberry.mutation(description="End a relationship (kept, marked ended).", extensions=EDIT)
    async def end_relationship(
        self,
        info: Info,
        input: Annotated[EndRelationshipInput, strawberry.argument(description=INPUT)],
    ) -> RelationshipPayload:
        return await payload(
            RelationshipPayload,
            perform(
                info,
                "relationship",
                input.command,
                relationships.end_relationship,
                Relationship.from_record,
            ),
        )

    @strawberry.mutation(
        description="Create a household headed by an Individual who is in no household yet.",
        extensions=EDIT,
    )
    async def create_household(
        self,
        info: Info,
        input: Annotated[CreateHouseholdInput, strawberry.argument(description=INPUT)],
    ) -> HouseholdPayload:
        return await payload(
            HouseholdPayload,
            perform(info, "household", input.command, households.create_household, _household),
        )

    @strawberry.mutation(
        description="Add an Individual who is in no household to a household.", extensions=EDIT
    )
    async def add_household_member(
        self,
        info: Info,
        input: Annotated[HouseholdMemberInput, strawberry.argument(description=INPUT)],
    ) -> HouseholdPayload:
        return await payload(
            HouseholdPayload,
            perform(info, "household", input.add, households.add_household_member, _household),
        )

    @strawberry.mutation(
        description="Remove a member from a household. The primary householder leaves last.",
        extensions=EDIT,
    )
    async def remove_household_member(
        self,
        info: Info,
        input: Annotated[HouseholdMemberInput, strawberry.argument(description=INPUT)],
    ) -> HouseholdPayload:
        return await payload(
            HouseholdPayload,
            perform(
                info, "household", input.remove, households.remove_household_member, _household
            ),
        )

    @strawberry.mutation(description="Make a member the primary householder.", extensions=EDIT)
    async def set_primary_householder(
        self,
        info: Info,
        input: Annotated[HouseholdMemberInput, strawberry.argument(description=INPUT)],
    ) -> HouseholdPayload:
        return await payload(
            HouseholdPayload,
            perform(
                info,
                "household",
                input.make_primary,
                households.set_primary_householder,
                _household,
            ),
        )
