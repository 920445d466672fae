"""The Donor Profile: a report on one Individual for a development director to hand on.

Asked for through `request_donor_profile`, produced by a worker from one consistent
snapshot, and laid out as sections of rows that the PDF and the Excel file present alike.
It shows only what its requester could see: the roles they held are kept with the job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from domain.customers.customer import CustomerKind
from domain.customers.popup_notes import PINK_READER
from domain.customers.services import get_customer
from domain.errors import InvalidInput, NotFound, Problem, ProblemCode, ProblemCollector
from domain.jobs import Job, JobKind, request_job
from domain.roles import Role
from domain.timeline import READER_OF

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

# Asking needs this; what the report then shows follows the requester's other roles.
REQUESTER_ROLE = Role.OPPORTUNITIES
# A profile looks back over years at most: the cost of rendering grows with the range.
LONGEST_RANGE = timedelta(days=366 * 20)


class ReportFormat(StrEnum):
    PDF = "PDF"
    XLSX = "XLSX"


@dataclass(frozen=True)
class RequestDonorProfile:
    customer_id: int
    starts_on: date | None = None
    ends_on: date | None = None
    format: ReportFormat = ReportFormat.PDF


class NotAnIndividual(InvalidInput):
    """The Donor Profile describes a person; an Organisation has none."""

    def __init__(self) -> None:
        message = "A Donor Profile is for an Individual, not an Organisation."
        super().__init__([Problem(ProblemCode.VALIDATION, message, ("customerId",))])


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February): the default range is the
    last year up to its end."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def roles_shaping(roles: Iterable[Role]) -> frozenset[Role]:
    """Those of `roles` that change what a report rendered for them shows: protected values,
    pink notes, and the timeline entries each role reads. A colleague reading the report's
    file must hold them all, or the file would show them what their own reads do not."""
    shaping = {Role.PROTECTED_DATA, PINK_READER, *(r for r in READER_OF.values() if r)}
    return frozenset(roles) & shaping


async def request_donor_profile(uow: UnitOfWork, command: RequestDonorProfile) -> Job:
    ends_on = command.ends_on or uow.today()
    starts_on = command.starts_on or year_before(ends_on)
    problems = ProblemCollector()
    if starts_on > ends_on:
        problems.add(("from",), "Must not be after `to`.")
    elif ends_on - starts_on > LONGEST_RANGE:
        problems.add(("from",), "The range must be at most 20 years.")
    problems.raise_if_any()
    customer = await get_customer(uow, command.customer_id)
    if await uow.erasures.erased(command.customer_id):
        raise NotFound("Customer", ("customerId",))  # no report describes an erased person
    if customer.kind is not CustomerKind.INDIVIDUAL:
        raise NotAnIndividual()
    parameters = {
        "customerId": command.customer_id,
        "from": starts_on.isoformat(),
        "to": ends_on.isoformat(),
        "format": command.format.value,
        # What the requester could see when asking: the report shows no more.
        "readerRoles": sorted(role.value for role in uow.actor.roles),
        # ...and nobody reads it who could not see as much (domain/jobs.roles_needed).
        "reads": sorted(role.value for role in roles_shaping(uow.actor.roles)),
    }
    return await request_job(uow, JobKind.DONOR_PROFILE, parameters)


@dataclass(frozen=True)
class ProfileRequest:
    """A job's parameters, read back by the worker."""

    customer_id: int
    starts_on: date
    ends_on: date
    format: ReportFormat
    reader_roles: frozenset[Role]

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> ProfileRequest:
        return cls(
            int(parameters["customerId"]),
            date.fromisoformat(parameters["from"]),
            date.fromisoformat(parameters["to"]),
            ReportFormat(parameters["format"]),
            frozenset(Role(r) for r in parameters["readerRoles"]),
        )


@dataclass(frozen=True)
class ReportColumn:
    title: str
    width: int = 14  # in characters, for the spreadsheet
    numeric: bool = False  # money and counts: right-aligned


@dataclass
class ReportSection:
    """One table of the report (and one sheet of the Excel file). Cells are typed values:
    str, int, date, datetime, Money or None."""

    title: str
    columns: tuple[ReportColumn, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    when_empty: str = "None."


@dataclass
class DonorProfile:
    organisation: str
    currency: str
    customer_name: str
    customer_reference: str
    starts_on: date
    ends_on: date
    generated_at: datetime
    sections: list[ReportSection] = field(default_factory=list)

    def section(self, title: str) -> ReportSection:
        return next(s for s in self.sections if s.title == title)
