"""Sharing data with a partner company: an export of the customers who bought for its
events and currently grant consent to share with it, produced in the background, and a
log of every export and every download of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.consent.preferences import ContactPreference, PartnerMode
from domain.errors import Conflict, InvalidInput, NotFound, ProblemCollector
from domain.jobs import Job, JobKind, JobStatus, request_job

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

MAX_RANGE = timedelta(days=3 * 366)


class ExportFormat(StrEnum):
    CSV = "CSV"
    XLSX = "XLSX"


@dataclass(frozen=True)
class PartnerExportRequest:
    partner_company_id: int
    bought_from: datetime
    bought_before: datetime
    format: ExportFormat


def sharing_preference(
    preferences: list[ContactPreference], mode: PartnerMode, partner_company_id: int
) -> ContactPreference | None:
    """The preference whose GRANTED answer lets the partner have a customer's details: the
    partner's own in PER_PARTNER mode, the general partner preference in GENERAL mode."""
    wanted = None if mode is PartnerMode.GENERAL else partner_company_id
    return next(
        (
            p
            for p in preferences
            if p.is_partner and p.in_use(mode) and p.partner_company_id == wanted
        ),
        None,
    )


async def request_partner_export(uow: UnitOfWork, request: PartnerExportRequest) -> Job:
    problems = ProblemCollector()
    for field, moment in (("from", request.bought_from), ("to", request.bought_before)):
        if moment.tzinfo is None:
            problems.add((field,), "Must include a time zone offset.")
    problems.raise_if_any()
    if request.bought_before <= request.bought_from:
        raise InvalidInput.at(("to",), "Must be after `from`.")
    if request.bought_before - request.bought_from > MAX_RANGE:
        raise InvalidInput.at(("to",), "At most three years at a time.")
    if await uow.partner_companies.get(request.partner_company_id) is None:
        raise NotFound("Partner company", ("partnerCompanyId",))
    preference = sharing_preference(
        await uow.consent.preferences(),
        await uow.consent.partner_mode(),
        request.partner_company_id,
    )
    if preference is None:
        raise Conflict(
            "No preference in use asks customers about sharing with this partner company, "
            "so nobody can have agreed to it.",
            ("partnerCompanyId",),
        )
    job = await request_job(
        uow,
        JobKind.PARTNER_EXPORT,
        {
            "partner_company_id": request.partner_company_id,
            "from": request.bought_from.isoformat(),
            "to": request.bought_before.isoformat(),
            "format": request.format.value,
        },
    )
    assert job.id is not None
    await uow.consent.log_export(job.id, request)
    return job


class ExportEvent(StrEnum):
    LINK_CREATED = "LINK_CREATED"
    DOWNLOADED = "DOWNLOADED"


PARTNER_LABEL = "The partner company, through a download link"


async def allow_download(uow: UnitOfWork, job_id: int, expires_at: datetime) -> Job:
    """Check the job is a finished partner export of ours, and log the link about to be
    given out (who made it, until when)."""
    job = await uow.jobs.get(job_id)
    if job is None or job.kind is not JobKind.PARTNER_EXPORT:
        raise NotFound("Partner export", ("jobId",))
    if job.status is not JobStatus.SUCCEEDED:
        raise Conflict("The export has not finished; ask again once it has.", ("jobId",))
    await uow.consent.log_export_event(job_id, ExportEvent.LINK_CREATED, expires_at)
    return job
