"""Consent in the API: preferences with their wordings, questions, and ledger entries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from domain.actors import ActorKind
from domain.consent import ledger, preferences, questions
from schema.node import Node
from schema.sales.catalogue import PartnerCompany

if TYPE_CHECKING:
    from schema.sales.orders import Order

PreferenceKind = strawberry.enum(
    preferences.PreferenceKind,
    description="A channel (EMAIL, POST, PHONE, SMS), a TOPIC, or sharing with partner "
    "companies (PARTNER).",
)
PartnerMode = strawberry.enum(
    preferences.PartnerMode,
    description="GENERAL: one preference covers every partner company; PER_PARTNER: each "
    "partner company has its own.",
)
ConsentState = strawberry.enum(
    ledger.ConsentState, description="A customer's current answer to a preference."
)
ConsentSource = strawberry.enum(ledger.ConsentSource, description="Where an answer was given.")
RecorderKind = strawberry.enum(
    ActorKind,
    name="RecorderKind",
    description="Who recorded an answer: a staff USER, an API_KEY, the CUSTOMER on their "
    "preferences page, or Foyer itself (SYSTEM).",
)
QuestionReason = strawberry.enum(questions.QuestionReason, description="Why a question is asked.")


@strawberry.type(description="One version of a preference's words.")
class PreferenceWording:
    version: int = strawberry.field(description="The version, from 1.")
    statement: str = strawberry.field(description="The words shown to customers.")
    created_at: datetime = strawberry.field(description="When these words were written.")


async def _partner(info: Info, pk: int | None) -> PartnerCompany | None:
    if pk is None:
        return None
    return PartnerCompany.from_record(await info.context.loaders.partner_company_by_id.load(pk))


@strawberry.type(
    description="Something customers are asked to agree to, in the organisation's words."
)
class ContactPreference(Node):
    name: str = strawberry.field(description="Its name, for staff.")
    kind: PreferenceKind = strawberry.field(description="Channel, topic or partner sharing.")  # type: ignore[valid-type]
    statement: str = strawberry.field(description="The current words shown to customers.")
    wording_version: int = strawberry.field(description="The current words' version.")
    marketing: bool = strawberry.field(description="Whether it is a marketing preference.")
    ask_again_months: int | None = strawberry.field(
        description="Ask again this many months after a customer agreed (null: never)."
    )
    retired: bool = strawberry.field(description="No longer asked; its answers are kept.")
    partner_company_pk: strawberry.Private[int | None]

    @strawberry.field(description="The partner company it is about (null: general).")
    async def partner_company(self, info: Info) -> PartnerCompany | None:
        return await _partner(info, self.partner_company_pk)

    @strawberry.field(description="Every version of its words, oldest first.")
    async def wordings(self, info: Info) -> list[PreferenceWording]:
        rows = await info.context.loaders.wordings_by_preference.load(self.pk)
        return [
            PreferenceWording(version=r.version, statement=r.statement, created_at=r.created_at)
            for _, r in sorted(rows.items())
        ]

    @classmethod
    def from_record(cls, record: Any) -> ContactPreference:
        return cls(
            pk=record.id,
            name=record.name,
            kind=preferences.PreferenceKind(record.kind),
            statement=record.statement,
            wording_version=record.version,
            marketing=record.marketing,
            ask_again_months=record.ask_again_months,
            retired=record.retired,
            partner_company_pk=record.partner_company_id,
        )


async def load_preference(info: Info, pk: int) -> ContactPreference:
    rows = await info.context.loaders.preferences.load(0)
    return ContactPreference.from_record(next(r for r in rows if r.id == pk))


async def shown_statement(info: Info, preference_id: int, version: int) -> str:
    rows = await info.context.loaders.wordings_by_preference.load(preference_id)
    return str(rows[version].statement)


@strawberry.type(description="A question to ask a customer now.")
class ConsentQuestion:
    reason: QuestionReason = strawberry.field(description="Why it is asked.")  # type: ignore[valid-type]
    statement: str = strawberry.field(description="The words to show.")
    wording_version: int = strawberry.field(
        description="Their version: send it back with the answer."
    )
    asked: strawberry.Private[ContactPreference]
    partner_pks: strawberry.Private[tuple[int, ...]]

    @strawberry.field(description="The preference asked about.")
    def preference(self) -> ContactPreference:
        return self.asked

    @strawberry.field(description="The basket's partner companies it is asked for.")
    async def partner_companies(self, info: Info) -> list[PartnerCompany]:
        return [c for pk in self.partner_pks if (c := await _partner(info, pk)) is not None]

    @classmethod
    def from_domain(cls, question: questions.Question) -> ConsentQuestion:
        return cls(
            reason=question.reason,
            statement=question.preference.statement,
            wording_version=question.preference.version,
            asked=ContactPreference.from_record(question.preference),
            partner_pks=question.partner_company_ids,
        )


@strawberry.type(description="One entry of the consent ledger: an answer, never changed.")
class ConsentEntry(Node):
    state: ConsentState = strawberry.field(description="GRANTED or WITHDRAWN.")  # type: ignore[valid-type]
    source: ConsentSource = strawberry.field(description="Where it was given.")  # type: ignore[valid-type]
    wording_version: int = strawberry.field(description="The version of the words shown.")
    recorded_by: str = strawberry.field(description="The user or API key that recorded it.")
    recorded_by_kind: RecorderKind = strawberry.field(  # type: ignore[valid-type]
        description="Who recorded it."
    )
    recorded_at: datetime = strawberry.field(description="When.")
    preference_pk: strawberry.Private[int]
    order_pk: strawberry.Private[int | None]

    @strawberry.field(description="The words the customer was shown.")
    async def statement(self, info: Info) -> str:
        return await shown_statement(info, self.preference_pk, self.wording_version)

    @strawberry.field(description="The preference.")
    async def preference(self, info: Info) -> ContactPreference:
        return await load_preference(info, self.preference_pk)

    @strawberry.field(description="The order the answer came with, if any.")
    async def order(
        self, info: Info
    ) -> Annotated[Order, strawberry.lazy("schema.sales.orders")] | None:
        from schema.sales.orders import Order

        if self.order_pk is None:
            return None
        row = await info.context.loaders.order_by_id.load(self.order_pk)
        return Order.from_record(row) if row else None

    @classmethod
    def from_domain(cls, entry: ledger.ConsentEntry) -> ConsentEntry:
        assert entry.id is not None
        return cls(
            pk=entry.id,
            state=entry.state,
            source=entry.source,
            wording_version=entry.wording_version,
            recorded_by=entry.recorded_by,
            recorded_by_kind=entry.recorded_by_kind,
            recorded_at=entry.recorded_at,
            preference_pk=entry.preference_id,
            order_pk=entry.order_id,
        )


@strawberry.type(description="A customer's current state for one preference.")
class CustomerConsent:
    state: ConsentState = strawberry.field(description="Derived from the ledger's latest entry.")  # type: ignore[valid-type]
    latest: ConsentEntry | None = strawberry.field(
        description="The answer it comes from: when, how and to which words (null: never asked)."
    )
    preference_pk: strawberry.Private[int]

    @strawberry.field(description="The preference.")
    async def preference(self, info: Info) -> ContactPreference:
        return await load_preference(info, self.preference_pk)


async def current_consents(info: Info, customer_id: int) -> list[CustomerConsent]:
    from resolvers.consent import consents

    return [
        CustomerConsent(
            state=entry.state if entry else ledger.ConsentState.NEVER_ASKED,
            latest=ConsentEntry.from_domain(entry) if entry else None,
            preference_pk=preference_id,
        )
        for preference_id, entry in await consents(info.context, customer_id)
    ]
