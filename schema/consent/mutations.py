"""Consent mutations: preferences and the partner mode (SETTINGS_ADMIN), and recording
answers (SALES). Each returns its payload with `errors`; on any error nothing is written."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from domain.consent import erasure, ledger, preferences
from domain.roles import Role
from resolvers.preference_page import create_link
from schema.consent.inputs import (
    ConsentAnswerInput,
    ContactPreferenceInput,
    answers,
    preference_pk,
    source,
)
from schema.consent.types import ConsentEntry, ConsentSource, ContactPreference, PartnerMode
from schema.customers.inputs import customer_pk
from schema.errors import ERRORS_DESCRIPTION, UserError, payload, payload_type
from schema.mutations import perform
from schema.permissions import CUSTOMER_EDITORS, requires

if TYPE_CHECKING:
    from schema.customers.types import Customer

SETTINGS = requires(Role.SETTINGS_ADMIN)
SALES = requires(Role.SALES)

ContactPreferencePayload = payload_type(
    "ContactPreferencePayload", "preference", ContactPreference, "The contact preference."
)


@strawberry.type(description="Result of `setPartnerMode`.")
class PartnerModePayload:
    mode: PartnerMode | None = strawberry.field(default=None, description="The mode now.")  # type: ignore[valid-type]
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `recordConsents`.")
class RecordConsentsPayload:
    entries: list[ConsentEntry] = strawberry.field(
        default_factory=list, description="The ledger entries written, one per answer."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `createPreferenceLink`.")
class PreferenceLinkPayload:
    url: str | None = strawberry.field(
        default=None, description="The customer's preferences page; no login needed."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the link stops working."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `eraseCustomer`.")
class EraseCustomerPayload:
    customer: Annotated[Customer, strawberry.lazy("schema.customers.types")] | None = (
        strawberry.field(default=None, description="The customer as it is now: anonymised.")
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(
        description="Erase a customer's personal data, irreversibly: anonymised in place, "
        "orders, gifts and amounts kept (every total unchanged), ledger entries kept without "
        "the person, email addresses kept only as hashes on a suppression list. Type the "
        "customer's reference as `confirmReference`. SETTINGS_ADMIN.",
        extensions=SETTINGS,
    )
    async def erase_customer(
        self,
        info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer.")],
        reason: Annotated[str, strawberry.argument(description="Why, for the record.")],
        confirm_reference: Annotated[
            str, strawberry.argument(description="The customer's reference, to confirm.")
        ],
    ) -> EraseCustomerPayload:
        from schema.customers.types import customer_from_record

        async def work() -> dict[str, Any]:
            pk = customer_pk(customer_id, "customerId")
            erased = await info.context.perform(
                lambda uow: erasure.erase_customer(uow, pk, reason, confirm_reference)
            )
            return {"customer": customer_from_record(erased)}

        return await payload(EraseCustomerPayload, work())

    @strawberry.mutation(
        description="A signed link, expiring, to the customer's own preferences page, for "
        "staff to send them. Needs SALES or OPPORTUNITIES.",
        extensions=requires(*CUSTOMER_EDITORS),
    )
    async def create_preference_link(
        self,
        info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer.")],
    ) -> PreferenceLinkPayload:
        async def work() -> dict[str, Any]:
            url, expires = await create_link(info.context, customer_pk(customer_id, "customerId"))
            return {"url": url, "expires_at": datetime.fromisoformat(expires)}

        return await payload(PreferenceLinkPayload, work())

    @strawberry.mutation(
        description="Create or change a contact preference; new words make a new wording "
        "version. SETTINGS_ADMIN.",
        extensions=SETTINGS,
    )
    async def save_contact_preference(
        self,
        info: Info,
        input: Annotated[
            ContactPreferenceInput, strawberry.argument(description="The preference.")
        ],
    ) -> ContactPreferencePayload:  # type: ignore[valid-type]
        return await payload(
            ContactPreferencePayload,
            perform(
                info,
                "preference",
                input.entry,
                preferences.save_preference,
                ContactPreference.from_record,
            ),
        )

    @strawberry.mutation(
        description="Stop asking a preference; it and its answers are kept. SETTINGS_ADMIN.",
        extensions=SETTINGS,
    )
    async def retire_contact_preference(
        self,
        info: Info,
        preference_id: Annotated[strawberry.ID, strawberry.argument(description="The preference.")],
    ) -> ContactPreferencePayload:  # type: ignore[valid-type]
        return await payload(
            ContactPreferencePayload,
            perform(
                info,
                "preference",
                lambda: preference_pk(preference_id, ("preferenceId",)),
                preferences.retire_preference,
                ContactPreference.from_record,
            ),
        )

    @strawberry.mutation(
        description="Choose one general partner-companies preference or one per partner "
        "company. Earlier answers stay readable. SETTINGS_ADMIN.",
        extensions=SETTINGS,
    )
    async def set_partner_mode(
        self,
        info: Info,
        mode: Annotated[PartnerMode, strawberry.argument(description="The mode.")],  # type: ignore[valid-type]
    ) -> PartnerModePayload:
        chosen = preferences.PartnerMode(mode.value)
        return await payload(
            PartnerModePayload,
            perform(info, "mode", lambda: chosen, preferences.set_partner_mode, lambda m: m),
        )

    @strawberry.mutation(
        description="Record a customer's answers from any channel: one ledger entry each. "
        "Needs SALES.",
        extensions=SALES,
    )
    async def record_consents(
        self,
        info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer.")],
        answers_given: Annotated[
            list[ConsentAnswerInput],
            strawberry.argument(name="answers", description="The answers (at most 100)."),
        ],
        consent_source: Annotated[
            ConsentSource,  # type: ignore[valid-type]
            strawberry.argument(name="source", description="Where they were given."),
        ],
    ) -> RecordConsentsPayload:
        async def work() -> dict[str, Any]:
            pk = customer_pk(customer_id, "customerId")
            given = answers(answers_given, "answers")
            entries = await info.context.perform(
                lambda uow: ledger.record_consents(uow, pk, given, source(consent_source))
            )
            return {"entries": [ConsentEntry.from_domain(e) for e in entries]}

        return await payload(RecordConsentsPayload, work())
