"""Contact preferences: what an organisation asks its customers to agree to, in its own words.

A preference's statement is versioned: changing the words makes a new version, and every
answer names the version the customer was shown. A preference with answers is retired,
never deleted, so the ledger always says what each answer was to.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.errors import Conflict, NotFound, ProblemCollector
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

MAX_STATEMENT = 2000
MAX_ASK_AGAIN_MONTHS = 120


class PreferenceKind(StrEnum):
    """A channel (EMAIL, POST, PHONE, SMS), a TOPIC, or sharing with partner companies."""

    EMAIL = "EMAIL"
    POST = "POST"
    PHONE = "PHONE"
    SMS = "SMS"
    TOPIC = "TOPIC"
    PARTNER = "PARTNER"


class PartnerMode(StrEnum):
    """GENERAL: one preference covers every partner company; PER_PARTNER: each company has
    its own (Arts Council England asks its NPOs to ask per partner)."""

    GENERAL = "GENERAL"
    PER_PARTNER = "PER_PARTNER"


@dataclass
class ContactPreference:
    name: str
    kind: PreferenceKind
    statement: str
    marketing: bool = True
    # With kind PARTNER: the company it is about; None is the general partner preference.
    partner_company_id: int | None = None
    ask_again_months: int | None = None
    version: int = 1
    retired: bool = False
    id: int | None = None

    @property
    def is_partner(self) -> bool:
        return self.kind is PreferenceKind.PARTNER

    def in_use(self, mode: PartnerMode) -> bool:
        """Whether it is asked now: not retired, and of the organisation's partner mode."""
        if self.retired:
            return False
        if not self.is_partner:
            return True
        general = self.partner_company_id is None
        return general == (mode is PartnerMode.GENERAL)


async def save_preference(uow: UnitOfWork, preference: ContactPreference) -> ContactPreference:
    """Create a preference, or change one: new words make a new wording version."""
    problems = ProblemCollector()
    preference.name = clean_text(problems, ("name",), preference.name, required=True) or ""
    preference.statement = (
        clean_text(
            problems, ("statement",), preference.statement, required=True, limit=MAX_STATEMENT
        )
        or ""
    )
    months = preference.ask_again_months
    if months is not None and not 1 <= months <= MAX_ASK_AGAIN_MONTHS:
        problems.add(("askAgainMonths",), f"Must be between 1 and {MAX_ASK_AGAIN_MONTHS} months.")
    if preference.partner_company_id is not None and not preference.is_partner:
        problems.add(("partnerCompanyId",), "Only a PARTNER preference names a partner company.")
    problems.raise_if_any()
    company = preference.partner_company_id
    if company is not None and await uow.partner_companies.get(company) is None:
        raise NotFound("Partner company", ("partnerCompanyId",))
    existing = await uow.consent.preference(preference.id) if preference.id else None
    if preference.id is not None and existing is None:
        raise NotFound("Contact preference", ("id",))
    if existing is not None:
        if existing.retired:
            raise Conflict("A retired preference cannot be changed.", ("id",))
        if (existing.kind, existing.partner_company_id) != (preference.kind, company):
            raise Conflict(
                "A preference's kind and partner company stay as they were: answers were "
                "given to them. Retire it and create another.",
                ("kind",),
            )
    if preference.is_partner:
        await _check_one_partner_preference(uow, preference)
    if existing is None:
        preference.version = 1
        await uow.consent.add_preference(preference)
        return preference
    preference.version = existing.version + (existing.statement != preference.statement)
    await uow.consent.save_preference(preference)
    return preference


async def _check_one_partner_preference(uow: UnitOfWork, preference: ContactPreference) -> None:
    for other in await uow.consent.preferences():
        if (
            other.is_partner
            and not other.retired
            and other.id != preference.id
            and other.partner_company_id == preference.partner_company_id
        ):
            what = "that partner company" if preference.partner_company_id else "partner companies"
            raise Conflict(f"{other.name!r} already asks about {what}.", ("partnerCompanyId",))


async def retire_preference(uow: UnitOfWork, preference_id: int) -> ContactPreference:
    """Stop asking a preference. It is never deleted: its answers keep their meaning."""
    preference = await uow.consent.preference(preference_id)
    if preference is None:
        raise NotFound("Contact preference", ("preferenceId",))
    if preference.retired:
        raise Conflict("The preference is retired already.", ("preferenceId",))
    preference.retired = True
    await uow.consent.retire_preference(preference)
    return preference


async def set_partner_mode(uow: UnitOfWork, mode: PartnerMode) -> PartnerMode:
    """Answers to the other mode's preferences stay in the ledger and readable; they are
    simply no longer asked."""
    await uow.consent.set_partner_mode(mode)
    return mode
