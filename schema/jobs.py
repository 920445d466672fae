"""Background jobs in the API: their status, and the mutations that start them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.donor_profile import REQUESTER_ROLE, RequestDonorProfile
from domain.donor_profile import ReportFormat as DomainReportFormat
from domain.jobs import JobKind as DomainJobKind
from domain.jobs import JobStatus as DomainJobStatus
from domain.roles import Role
from resolvers import jobs
from resolvers.global_ids import pk_of
from schema.customers.queries import SEARCH_DESCRIPTION, CustomerFilter, criteria_from
from schema.errors import ERRORS_DESCRIPTION, UserError, payload
from schema.node import Node
from schema.permissions import requires

JobKind = strawberry.enum(DomainJobKind, description="What a job produces.")
JobStatus = strawberry.enum(
    DomainJobStatus,
    description="PENDING (queued), RUNNING, SUCCEEDED or FAILED (with `error`).",
)


@strawberry.type(description="A named count reported by a finished job.")
class JobFigure:
    name: str = strawberry.field(description="What was counted.")
    value: int = strawberry.field(description="How many.")


@strawberry.type(description="Work done in the background. Poll `job(id:)` until it finishes.")
class Job(Node):
    kind: JobKind = strawberry.field(description="What the job produces.")  # type: ignore[valid-type]
    status: JobStatus = strawberry.field(description="Where the job stands.")  # type: ignore[valid-type]
    progress: int = strawberry.field(description="Items done so far.")
    total: int | None = strawberry.field(description="Items to do, once known.")
    requested_by: str = strawberry.field(description="Who asked for it.")
    created_at: datetime = strawberry.field(description="When it was asked for.")
    started_at: datetime | None = strawberry.field(description="When a worker started it.")
    finished_at: datetime | None = strawberry.field(description="When it succeeded or failed.")
    error: str | None = strawberry.field(description="Why it failed, in words for a person.")
    has_file: strawberry.Private[bool]
    download_token: strawberry.Private[str | None]
    record: strawberry.Private[Any]

    @strawberry.field(
        description="What a finished job counted (e.g. `queued`, `skippedNoEmail`), by name; "
        "a reminder run adds how its reminders have gone since (`sent`, `failed`)."
    )
    async def summary(self, info: Info) -> list[JobFigure]:
        figures = await jobs.run_figures(info.context, self.record)
        return [JobFigure(name=k, value=v) for k, v in sorted(figures.items())]

    @strawberry.field(
        description="Where to download the result, as an absolute URL a client can fetch as "
        "it is (built from the address this request was sent to): a random address per file "
        "(send the same Authorization header, of a caller who may read the job); null until "
        "there is a file."
    )
    def download_url(self, info: Info) -> str | None:
        if not self.has_file or not self.download_token:
            return None
        return info.context.base_url + jobs.download_path(self.download_token)

    @classmethod
    def from_record(cls, record: Any) -> Job:
        """From a job row or domain Job (both carry the same names)."""
        return cls(
            pk=record.id,
            kind=DomainJobKind(record.kind),
            status=DomainJobStatus(record.status),
            progress=record.progress,
            total=record.total,
            requested_by=record.requested_by,
            created_at=record.created_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
            error=record.error,
            has_file=record.status == DomainJobStatus.SUCCEEDED
            and bool(record.result_file)
            and bool(record.download_token),
            download_token=record.download_token,
            record=record,
        )


@strawberry.type(description="Result of a mutation that starts a job.")
class JobPayload:
    job: Job | None = strawberry.field(default=None, description="The job: poll `job(id:)`.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class JobQuery:
    @strawberry.field(
        description="A job by id; null when there is none you may read: a job is readable "
        "by whoever in its organisation holds every role it needed (the requester, or a "
        "colleague who could have asked for the same).",
        extensions=requires(),
    )
    async def job(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The job's global id.")],
    ) -> Job | None:
        row = await jobs.job_by_global_id(info.context, id)
        return Job.from_record(row) if row else None


ReportFormat = strawberry.enum(
    DomainReportFormat,
    description="PDF (A4, to print or hand on) or XLSX (Excel, a sheet per section).",
)


@strawberry.type
class JobMutation:
    @strawberry.mutation(
        description="Produce an Individual's Donor Profile in the background: details, "
        "relationships, household, current memberships, open opportunities with their "
        "figures, the pop-up notes you may see (pink only with OPPORTUNITIES), tickets and "
        "donations in the range, activities, pledges with instalments and a summary. Needs "
        "OPPORTUNITIES; the file downloads for your organisation only.",
        extensions=requires(REQUESTER_ROLE),
    )
    async def request_donor_profile(
        self,
        info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The Individual.")],
        from_: Annotated[
            date | None,
            strawberry.argument(
                name="from", description="First day of the range (default: a year before `to`)."
            ),
        ] = None,
        to: Annotated[
            date | None, strawberry.argument(description="Last day of the range (default: today).")
        ] = None,
        format: Annotated[
            ReportFormat,  # type: ignore[valid-type]
            strawberry.argument(description="PDF or XLSX."),
        ] = DomainReportFormat.PDF,
    ) -> JobPayload:
        async def work() -> dict[str, Any]:
            command = RequestDonorProfile(
                pk_of(customer_id, ("Individual", "Organisation"), "Individual", ("customerId",)),
                from_,
                to,
                DomainReportFormat(format.value),
            )
            return {"job": Job.from_record(await jobs.request_donor_profile(info.context, command))}

        return await payload(JobPayload, work())

    @strawberry.mutation(
        description="Export the matching customers to an Excel file in the background. Needs "
        "INSIGHTS.",
        extensions=requires(Role.INSIGHTS),
    )
    async def request_customer_export(
        self,
        info: Info,
        search: Annotated[str | None, strawberry.argument(description=SEARCH_DESCRIPTION)] = None,
        filter: Annotated[
            CustomerFilter | None, strawberry.argument(description="Further conditions.")
        ] = None,
        include_inactive: Annotated[
            bool,
            strawberry.argument(description="Include inactive customers (needs OPPORTUNITIES)."),
        ] = False,
    ) -> JobPayload:
        async def work() -> dict[str, Any]:
            criteria = criteria_from(search, filter, include_inactive)
            return {
                "job": Job.from_record(await jobs.request_customer_export(info.context, criteria))
            }

        return await payload(JobPayload, work())
