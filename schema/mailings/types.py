"""Mailings, their runs and deliveries, and a preview."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from domain.mailings.runs import DeliveryStatus as DomainDeliveryStatus
from domain.mailings.runs import RunStatus as DomainRunStatus
from resolvers import jobs as job_reads
from resolvers import mailings as reads
from resolvers.global_ids import to_global_id
from schema.consent.types import ContactPreference
from schema.errors import read
from schema.jobs import Job
from schema.node import Node
from schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection

if TYPE_CHECKING:
    from schema.customers.types import Customer

MailingRunStatus = strawberry.enum(
    DomainRunStatus,
    name="MailingRunStatus",
    description="SCHEDULED (waiting for its time), SENDING, SENT (every recipient sent, "
    "skipped or failed) or CANCELLED.",
)
MailingDeliveryStatus = strawberry.enum(
    DomainDeliveryStatus,
    name="MailingDeliveryStatus",
    description="QUEUED (not yet accepted by the mail server), SENT, FAILED (with a reason), "
    "CANCELLED (the run was cancelled first), or SKIPPED_ and why: NO_CONSENT (no GRANTED "
    "state for the mailing's preference at send time), NO_EMAIL, ERASED, DECEASED, INACTIVE, "
    "ALREADY_SENT (an earlier run of the mailing sent it to them).",
)


@strawberry.type(description="How many deliveries of a run are in one status.")
class DeliveryCount:
    status: MailingDeliveryStatus = strawberry.field(description="The status.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="One recipient of a run of a mailing.")
class MailingDelivery:
    status: MailingDeliveryStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    address: str | None = strawberry.field(description="The address it went (or goes) to.")
    queued_at: datetime = strawberry.field(description="When the run wrote it (UTC).")
    sent_at: datetime | None = strawberry.field(description="When the mail server took it.")
    subject: str | None = strawberry.field(
        description="The subject its recipient got, written for them; none until it is sent."
    )
    failure_reason: str | None = strawberry.field(
        description="Why it was not sent, when it FAILED, in words for a person."
    )
    message_id: str = strawberry.field(description="The Message-ID of its email: stable.")
    customer_pk: strawberry.Private[int]

    @strawberry.field(description="The recipient.")
    async def customer(
        self, info: Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customers.types")] | None:
        from schema.customers.types import customer_from_record

        row = await info.context.loaders.customer_by_id.load(self.customer_pk)
        return customer_from_record(row) if row is not None else None

    @classmethod
    def from_row(cls, row: Any) -> MailingDelivery:
        return cls(
            status=DomainDeliveryStatus(row.status),
            address=row.address,
            queued_at=row.created_at,
            sent_at=row.sent_at,
            subject=row.subject,
            failure_reason=row.failure_reason,
            message_id=f"<mailing-delivery-{row.id}@foyer>",
            customer_pk=row.customer_id,
        )


@strawberry.type(description="One sending of a mailing to a segment or list.")
class MailingRun:
    status: MailingRunStatus = strawberry.field(description="Where the run stands.")  # type: ignore[valid-type]
    send_at: datetime = strawberry.field(description="When it is (or was) to start (UTC).")
    requested_by: str = strawberry.field(description="Who asked for it.")
    cancelled_by: str | None = strawberry.field(description="Who cancelled it, if anyone.")
    segment_id: strawberry.ID | None = strawberry.field(description="The segment sent to.")
    list_id: strawberry.ID | None = strawberry.field(description="The customer list sent to.")
    pk: strawberry.Private[int]
    job_pk: strawberry.Private[int]

    @strawberry.field(description="Its deliveries by status, as they stand now.")
    async def counts(self, info: Info) -> list[DeliveryCount]:
        counts = await info.context.loaders.counts_by_run.load(self.pk)
        return [
            DeliveryCount(status=DomainDeliveryStatus(status), count=count)
            for status, count in sorted(counts.items())
        ]

    @strawberry.field(description="The job sending it: its status, progress and summary.")
    async def job(self, info: Info) -> Job | None:
        row = await job_reads.job_by_global_id(info.context, to_global_id("Job", self.job_pk))
        return Job.from_record(row) if row else None

    @classmethod
    def from_row(cls, row: Any) -> MailingRun:
        return cls(
            status=DomainRunStatus(row.status),
            send_at=row.send_at,
            requested_by=row.requested_by,
            cancelled_by=row.cancelled_by,
            segment_id=strawberry.ID(to_global_id("Segment", row.segment_id))
            if row.segment_id
            else None,
            list_id=strawberry.ID(to_global_id("CustomerList", row.list_id))
            if row.list_id
            else None,
            pk=row.id,
            job_pk=row.job_id,
        )


@strawberry.type(
    description="An email written by staff as templates over each recipient's fields, sent "
    "under one contact preference to a segment or list."
)
class Mailing(Node):
    name: str = strawberry.field(description="Its name, for staff.")
    subject: str = strawberry.field(description="The subject template (jinja2).")
    html_body: str = strawberry.field(description="The HTML body template (jinja2).")
    text_body: str | None = strawberry.field(
        description="The plain-text part's template; null: derived from the rendered HTML."
    )
    created_by: str = strawberry.field(description="Who created it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")
    preference_pk: strawberry.Private[int]

    @strawberry.field(
        description="The contact preference it is sent under: only customers granting it "
        "get it, and its unsubscribe link withdraws it."
    )
    async def preference(self, info: Info) -> ContactPreference | None:
        row = await info.context.loaders.preference_by_id.load(self.preference_pk)
        return ContactPreference.from_record(row) if row is not None else None

    @strawberry.field(description="Its runs, newest first.")
    async def runs(self, info: Info) -> list[MailingRun]:
        return [
            MailingRun.from_row(r) for r in await info.context.loaders.runs_by_mailing.load(self.pk)
        ]

    @strawberry.field(description="Its deliveries over every run, newest first.")
    async def deliveries(
        self,
        info: Info,
        status: Annotated[
            list[MailingDeliveryStatus] | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only deliveries in these statuses."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[MailingDelivery]:
        statuses = [DomainDeliveryStatus(s.value).value for s in status] if status else None
        page = await read(reads.delivery_page(info.context, self.pk, statuses, first, after))
        return Connection.of(page.rows, page.cursors, page.has_next_page, MailingDelivery.from_row)

    @classmethod
    def from_record(cls, row: Any) -> Mailing:
        return cls(
            pk=row.id,
            name=row.name,
            subject=row.subject,
            html_body=row.html_body,
            text_body=row.text_body,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            preference_pk=row.preference_id,
        )


@strawberry.type(description="A mailing as one customer would get it.")
class MailingPreview:
    to: str | None = strawberry.field(
        description="Who it would go to (name and first address); null: they have no email."
    )
    subject: str = strawberry.field(description="The subject.")
    html: str = strawberry.field(description="The HTML part, with the links at its foot.")
    text: str = strawberry.field(description="The plain-text part.")
