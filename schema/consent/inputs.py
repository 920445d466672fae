"""Inputs of the consent mutations."""

from __future__ import annotations

import strawberry

from domain.consent import ledger, preferences
from resolvers.global_ids import pk_of
from schema.consent.types import ConsentSource, PreferenceKind


def preference_pk(global_id: strawberry.ID, field: tuple[str, ...]) -> int:
    return pk_of(global_id, ("ContactPreference",), "Contact preference", field)


@strawberry.input(description="A contact preference: leave `id` out to create one.")
class ContactPreferenceInput:
    name: str = strawberry.field(description="Its name, for staff.")
    kind: PreferenceKind = strawberry.field(description="Channel, topic or partner sharing.")  # type: ignore[valid-type]
    statement: str = strawberry.field(
        description="The words shown to customers; changing them makes a new version."
    )
    marketing: bool = strawberry.field(default=True, description="A marketing preference?")
    partner_company_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="With kind PARTNER: the company it is about (leave out for the general "
        "partner-companies preference).",
    )
    ask_again_months: int | None = strawberry.field(
        default=None, description="Ask again this many months after a customer agreed."
    )
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> preferences.ContactPreference:
        company = (
            pk_of(
                self.partner_company_id,
                ("PartnerCompany",),
                "Partner company",
                ("partnerCompanyId",),
            )
            if self.partner_company_id is not None
            else None
        )
        return preferences.ContactPreference(
            self.name,
            preferences.PreferenceKind(self.kind.value),
            self.statement,
            self.marketing,
            company,
            self.ask_again_months,
            id=preference_pk(self.id, ("id",)) if self.id is not None else None,
        )


@strawberry.input(description="A customer's answer to one preference.")
class ConsentAnswerInput:
    preference_id: strawberry.ID = strawberry.field(description="The preference.")
    granted: bool = strawberry.field(description="True: agreed; false: declined or withdrew.")
    wording_version: int = strawberry.field(
        description="The version of the words the customer was shown (must be current)."
    )

    def answer(self, field: tuple[str, ...]) -> ledger.Answer:
        return ledger.Answer(
            preference_pk(self.preference_id, (*field, "preferenceId")),
            self.granted,
            self.wording_version,
        )


def answers(given: list[ConsentAnswerInput], field: str) -> tuple[ledger.Answer, ...]:
    return tuple(a.answer((field, str(i))) for i, a in enumerate(given))


def source(value: object) -> ledger.ConsentSource:
    return ledger.ConsentSource(getattr(value, "value", value))


__all__ = ["ConsentAnswerInput", "ConsentSource", "ContactPreferenceInput", "answers", "source"]
