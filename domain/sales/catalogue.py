"""What an organisation sells and where money goes: partner companies, events and their
instances, funds and membership schemes. Changed by SETTINGS_ADMIN only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from domain.errors import Conflict, NotFound, ProblemCollector
from domain.money import check_amount
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import CatalogueRepository, UnitOfWork


@dataclass
class PartnerCompany:
    """A visiting producer whose events the organisation sells."""

    name: str
    id: int | None = None


@dataclass
class Event:
    name: str
    partner_company_id: int | None = None
    id: int | None = None


@dataclass
class EventInstance:
    """One dated performance of an event."""

    event_id: int
    starts_at: datetime
    venue: str | None = None
    id: int | None = None


@dataclass
class Fund:
    name: str
    code: str
    id: int | None = None


@dataclass
class MembershipScheme:
    name: str
    price: int
    length_months: int
    renewal_window_days: int
    grace_period_days: int
    auto_renew_allowed: bool
    id: int | None = None


def _name(problems: ProblemCollector, value: str | None) -> str:
    return clean_text(problems, ("name",), value, required=True) or ""


async def save_partner_company(uow: UnitOfWork, company: PartnerCompany) -> PartnerCompany:
    problems = ProblemCollector()
    company.name = _name(problems, company.name)
    problems.raise_if_any()
    await _store(uow.partner_companies, company)
    return company


async def save_event(uow: UnitOfWork, event: Event) -> Event:
    problems = ProblemCollector()
    event.name = _name(problems, event.name)
    problems.raise_if_any()
    if (
        event.partner_company_id is not None
        and await uow.partner_companies.get(event.partner_company_id) is None
    ):
        raise NotFound("Partner company", ("partnerCompanyId",))
    await _store(uow.events, event)
    return event


async def save_event_instance(uow: UnitOfWork, instance: EventInstance) -> EventInstance:
    problems = ProblemCollector()
    instance.venue = clean_text(problems, ("venue",), instance.venue)
    if instance.starts_at.tzinfo is None:
        problems.add(("startsAt",), "Must include a time zone offset.")
    problems.raise_if_any()
    if await uow.events.get(instance.event_id) is None:
        raise NotFound("Event", ("eventId",))
    await _store(uow.event_instances, instance)
    return instance


async def save_fund(uow: UnitOfWork, fund: Fund) -> Fund:
    problems = ProblemCollector()
    fund.name = _name(problems, fund.name)
    fund.code = (clean_text(problems, ("code",), fund.code, required=True, limit=20) or "").upper()
    problems.raise_if_any()
    same_code = await uow.funds.with_code(fund.code)
    if same_code is not None and same_code.id != fund.id:
        raise Conflict(f"Another fund has the code {fund.code}.", ("code",))
    await _store(uow.funds, fund)
    return fund


async def save_membership_scheme(uow: UnitOfWork, scheme: MembershipScheme) -> MembershipScheme:
    problems = ProblemCollector()
    scheme.name = _name(problems, scheme.name)
    check_amount(problems, ("price",), scheme.price)
    if not 1 <= scheme.length_months <= 120:
        problems.add(("lengthMonths",), "Must be between 1 and 120 months.")
    for field, days in (
        ("renewalWindowDays", scheme.renewal_window_days),
        ("gracePeriodDays", scheme.grace_period_days),
    ):
        if not 0 <= days <= 366:
            problems.add((field,), "Must be between 0 and 366 days.")
    problems.raise_if_any()
    await _store(uow.membership_schemes, scheme)
    return scheme


E = TypeVar("E", PartnerCompany, Event, EventInstance, Fund, MembershipScheme)


async def _store(repository: CatalogueRepository[E], entry: E) -> None:
    """Add a new catalogue entry, or save a changed one (which must exist)."""
    if entry.id is None:
        await repository.add(entry)
        return
    if await repository.get(entry.id) is None:
        raise NotFound(type(entry).__name__, ("id",))
    await repository.save(entry)
