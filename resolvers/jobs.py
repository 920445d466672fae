"""Starting jobs and reading their status."""

from __future__ import annotations

from typing import Any

from domain import donor_profile
from domain.customers.search import CustomerCriteria
from domain.donor_profile import RequestDonorProfile
from domain.errors import PermissionDenied
from domain.jobs import Job, JobKind, request_job
from infra.db.queries.jobs import job_row
from resolvers.context import RequestContext
from resolvers.customers import SEES_INACTIVE
from resolvers.global_ids import parse_global_id


async def job_by_global_id(context: RequestContext, global_id: str) -> Any | None:
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != "Job":
        return None
    async with context.services.engine.connect() as db:
        return await job_row(db, context.caller.tenant_id, parsed[1])


async def request_donor_profile(context: RequestContext, command: RequestDonorProfile) -> Job:
    return await context.perform(lambda uow: donor_profile.request_donor_profile(uow, command))


async def request_customer_export(context: RequestContext, criteria: CustomerCriteria) -> Job:
    if criteria.include_inactive and not context.caller.has(SEES_INACTIVE):
        raise PermissionDenied(
            "Exporting inactive customers needs the OPPORTUNITIES role.", ("includeInactive",)
        )
    return await context.perform(
        lambda uow: request_job(uow, JobKind.CUSTOMER_EXPORT, criteria.to_parameters())
    )


def download_path(job_global_id: str) -> str:
    return f"/downloads/jobs/{job_global_id}"
