"""Starting jobs and reading their status."""

from __future__ import annotations

from typing import Any

from domain import donor_profile
from domain.actors import Actor
from domain.customers.search import CustomerCriteria
from domain.donor_profile import RequestDonorProfile
from domain.errors import PermissionDenied
from domain.jobs import Job, JobKind, may_read, request_job, roles_needed
from domain.mailings.runs import mailing_figures
from domain.roles import Role
from infra.db.queries.jobs import job_row, reminder_outcomes
from infra.db.queries.mailings import run_counts_of_job
from resolvers.context import RequestContext
from resolvers.customers import SEES_INACTIVE
from resolvers.global_ids import parse_global_id


def readable(actor: Actor, row: Any) -> bool:
    """Whether `actor` may read the job `row` of its organisation and its file: the one
    check of `job`, `node` and the download route. Jobs from before roles were recorded need
    what their kind and parameters need."""
    if row.required_roles is None:
        needed = roles_needed(JobKind(row.kind), row.parameters)
    else:
        needed = frozenset(Role(name) for name in row.required_roles)
    requester = (row.requested_by_kind, row.requested_by_id)
    return may_read(actor, needed, JobKind(row.kind), requester)


async def job_by_global_id(context: RequestContext, global_id: str) -> Any | None:
    """The job, or None when there is none the caller may read: another's that needed a
    role the caller lacks looks missing, as another organisation's does."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != "Job":
        return None
    tenant_id, pk = context.caller.tenant_id, parsed[1]
    row = await context.reads.run(lambda db: job_row(db, tenant_id, pk))
    return row if row is not None and readable(context.caller, row) else None


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


async def run_figures(context: RequestContext, row: Any) -> dict[str, int]:
    """What a finished job counted, and for a reminder run how its reminders have gone
    since (they are sent after the run ends): `sent` and `failed`; for a mailing, its
    deliveries by status as they stand (`queued`, `sent`, `skippedNoConsent`, …)."""
    figures = dict(getattr(row, "summary", None) or {})
    if row.kind == JobKind.MAILING_SEND and row.id is not None:
        tenant_id, job_id = context.caller.tenant_id, row.id
        counts = await context.reads.run(lambda db: run_counts_of_job(db, tenant_id, job_id))
        figures |= mailing_figures(counts)
    if row.kind == JobKind.PLEDGE_REMINDERS and row.id is not None:
        tenant_id, job_id = context.caller.tenant_id, row.id
        outcomes = await context.reads.run(lambda db: reminder_outcomes(db, tenant_id, job_id))
        figures |= {"sent": outcomes.get("SENT", 0), "failed": outcomes.get("FAILED", 0)}
    return figures


def download_path(token: str) -> str:
    return f"/downloads/jobs/{token}"
