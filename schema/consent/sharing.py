"""Data sharing with partner companies in the API: exports, their log, download links."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.consent import sharing
from domain.roles import Role
from resolvers import partner_exports
from resolvers.global_ids import pk_of
from schema.errors import ERRORS_DESCRIPTION, UserError, payload
from schema.jobs import Job, JobPayload
from schema.permissions import requires

SHARING = requires(Role.INSIGHTS_ADMIN)

ExportFormat = strawberry.enum(sharing.ExportFormat, description="The file's format.")
ExportEventKind = strawberry.enum(
    sharing.ExportEvent,
    name="PartnerExportEventKind",
    description="A download link made, or the file downloaded through one.",
)


@strawberry.type(description="Something that happened to an export's file.")
class PartnerExportEvent:
    what: ExportEventKind = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    actor: str = strawberry.field(description="Who did it.")
    occurred_at: datetime = strawberry.field(description="When.")
    expires_at: datetime | None = strawberry.field(description="A link's expiry.")


@strawberry.type(description="One export of customers' details for a partner company.")
class PartnerExport:
    requested_by: str = strawberry.field(description="Who asked for it.")
    requested_at: datetime = strawberry.field(description="When.")
    bought_from: datetime = strawberry.field(description="Purchases from this moment…")
    bought_before: datetime = strawberry.field(description="…up to (not including) this one.")
    format: ExportFormat = strawberry.field(description="CSV or XLSX.")  # type: ignore[valid-type]
    rows: int | None = strawberry.field(description="Customers in it, once finished.")
    finished_at: datetime | None = strawberry.field(description="When the file was made.")
    pk: strawberry.Private[int]
    job_pk: strawberry.Private[int]

    @strawberry.field(description="The job that makes the file.")
    async def job(self, info: Info) -> Job | None:
        row = await partner_exports.job_of(info.context, self.job_pk)
        return Job.from_record(row) if row else None

    @strawberry.field(description="Download links made and downloads, oldest first.")
    async def events(self, info: Info) -> list[PartnerExportEvent]:
        rows = await info.context.loaders.events_by_export.load(self.pk)
        return [
            PartnerExportEvent(
                what=sharing.ExportEvent(r.what),
                actor=r.actor,
                occurred_at=r.occurred_at,
                expires_at=r.expires_at,
            )
            for r in rows
        ]

    @classmethod
    def from_row(cls, row: Any) -> PartnerExport:
        return cls(
            pk=row.id,
            job_pk=row.job_id,
            requested_by=row.requested_by,
            requested_at=row.requested_at,
            bought_from=row.bought_from,
            bought_before=row.bought_before,
            format=sharing.ExportFormat(row.format),
            rows=row.rows,
            finished_at=row.finished_at,
        )


async def exports_of(info: Info, partner_company_pk: int) -> list[PartnerExport]:
    rows = await info.context.loaders.exports_by_partner.load(partner_company_pk)
    return [PartnerExport.from_row(r) for r in rows]


@strawberry.type(description="Result of `createPartnerDownloadLink`.")
class PartnerDownloadLinkPayload:
    url: str | None = strawberry.field(
        default=None, description="The file, for the partner: no login, logged when used."
    )
    expires_at: datetime | None = strawberry.field(default=None, description="When it expires.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class SharingMutation:
    @strawberry.mutation(
        description="Export, in the background, the customers who bought for this partner "
        "company's events in the range and currently grant consent to share with it. "
        "Logged. Needs INSIGHTS_ADMIN.",
        extensions=SHARING,
    )
    async def request_partner_export(
        self,
        info: Info,
        partner_company_id: Annotated[
            strawberry.ID, strawberry.argument(description="The partner company.")
        ],
        bought_from: Annotated[
            datetime, strawberry.argument(name="from", description="Orders from this moment.")
        ],
        bought_before: Annotated[
            datetime, strawberry.argument(name="to", description="Orders before this moment.")
        ],
        format: Annotated[ExportFormat, strawberry.argument(description="CSV or XLSX.")],  # type: ignore[valid-type]
    ) -> JobPayload:
        async def work() -> dict[str, Any]:
            company = pk_of(
                partner_company_id, ("PartnerCompany",), "Partner company", ("partnerCompanyId",)
            )
            request = sharing.PartnerExportRequest(
                company, bought_from, bought_before, sharing.ExportFormat(format.value)
            )
            return {
                "job": Job.from_record(await partner_exports.request_export(info.context, request))
            }

        return await payload(JobPayload, work())

    @strawberry.mutation(
        description="A signed link, expiring, to a finished partner export's file, to send "
        "to the partner. Logged, as is every download. Needs INSIGHTS_ADMIN.",
        extensions=SHARING,
    )
    async def create_partner_download_link(
        self,
        info: Info,
        job_id: Annotated[strawberry.ID, strawberry.argument(description="The export's job.")],
    ) -> PartnerDownloadLinkPayload:
        async def work() -> dict[str, Any]:
            pk = pk_of(job_id, ("Job",), "Partner export", ("jobId",))
            url, expires = await partner_exports.create_download_link(info.context, pk)
            return {"url": url, "expires_at": expires}

        return await payload(PartnerDownloadLinkPayload, work())
