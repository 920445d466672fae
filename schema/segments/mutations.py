"""Segment mutations: save, rename, delete, freeze, export; renaming and deleting frozen
lists; the RFM bands. Each returns its payload with `errors`; on any error nothing is
written."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.consent.sharing import ExportFormat as DomainExportFormat
from domain.roles import Role
from domain.segments.rfm import RfmBands as DomainRfmBands
from domain.segments.segment import (
    FreezeSegment,
    RenameCustomerList,
    RenameSegment,
    SaveSegment,
)
from resolvers import segments as segment_writes
from resolvers.global_ids import pk_of
from schema.consent.sharing import ExportFormat
from schema.errors import ERRORS_DESCRIPTION, UserError, payload, payload_type
from schema.jobs import Job, JobPayload
from schema.permissions import requires
from schema.segments.inputs import SegmentCriterionInput, criterion_from
from schema.segments.types import CustomerList, RfmBands, Segment

INSIGHTS = requires(Role.INSIGHTS)

SegmentPayload = payload_type("SegmentPayload", "segment", Segment, "The segment as saved.")
CustomerListPayload = payload_type(
    "CustomerListPayload", "customer_list", CustomerList, "The frozen list."
)
RfmBandsPayload = payload_type("RfmBandsPayload", "bands", RfmBands, "The bands now.")


@strawberry.type(description="Result of `deleteSegment`.")
class DeleteSegmentPayload:
    deleted_segment_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the segment deleted; null on error."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `deleteCustomerList`.")
class DeleteCustomerListPayload:
    deleted_customer_list_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the list deleted; null on error."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.input(description="A segment to save: new without `segmentId`, changed with it.")
class SaveSegmentInput:
    segment_id: strawberry.ID | None = strawberry.field(
        default=None, description="The segment to change (yours, or any with INSIGHTS_ADMIN)."
    )
    name: str = strawberry.field(description="Its name.")
    description: str = strawberry.field(default="", description="What it is for.")
    criteria: SegmentCriterionInput = strawberry.field(description="Who is in it.")
    shared: bool = strawberry.field(
        default=False, description="Share it organisation-wide (needs INSIGHTS_ADMIN)."
    )


def _segment_pk(global_id: Any, field: str) -> int:
    return pk_of(str(global_id), ("Segment",), "Segment", (field,))


def _list_pk(global_id: Any) -> int:
    return pk_of(str(global_id), ("CustomerList",), "CustomerList", ("listId",))


SEGMENT_ID = strawberry.argument(description="The segment.")
LIST_ID = strawberry.argument(description="The customer list.")
NEW_NAME = strawberry.argument(description="Its new name (200 characters at most).")


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(
        description="Save a segment: its name, description, criteria (validated, each id "
        "checked to be your organisation's) and whether it is shared. INSIGHTS; sharing "
        "needs INSIGHTS_ADMIN.",
        extensions=INSIGHTS,
    )
    async def save_segment(
        self,
        info: Info,
        input: Annotated[SaveSegmentInput, strawberry.argument(description="The segment.")],
    ) -> SegmentPayload:  # type: ignore[valid-type]
        async def work() -> dict[str, Any]:
            command = SaveSegment(
                name=input.name,
                criteria=criterion_from(input.criteria),
                description=input.description,
                shared=input.shared,
                segment_id=(
                    _segment_pk(input.segment_id, "segmentId")
                    if input.segment_id is not None
                    else None
                ),
            )
            segment = await segment_writes.save(info.context, command)
            assert segment.id is not None
            found = await segment_writes.visible_segment(info.context, segment.id)
            return {"segment": Segment.from_read(found) if found else None}

        return await payload(SegmentPayload, work())

    @strawberry.mutation(
        description="Rename a segment, leaving its criteria and sharing as they are. Its "
        "owner, or an INSIGHTS_ADMIN.",
        extensions=INSIGHTS,
    )
    async def rename_segment(
        self,
        info: Info,
        segment_id: Annotated[strawberry.ID, SEGMENT_ID],
        name: Annotated[str, NEW_NAME],
    ) -> SegmentPayload:  # type: ignore[valid-type]
        async def work() -> dict[str, Any]:
            command = RenameSegment(_segment_pk(segment_id, "segmentId"), name)
            segment = await segment_writes.rename(info.context, command)
            assert segment.id is not None
            found = await segment_writes.visible_segment(info.context, segment.id)
            return {"segment": Segment.from_read(found) if found else None}

        return await payload(SegmentPayload, work())

    @strawberry.mutation(
        description="Delete a segment. Its owner, or an INSIGHTS_ADMIN; "
        "CONFLICT while a mailing run to it is scheduled or sending (cancel it first). Lists "
        "frozen from it stay, as shared as it was; runs already sent keep their deliveries "
        "and the segment's id.",
        extensions=INSIGHTS,
    )
    async def delete_segment(
        self, info: Info, segment_id: Annotated[strawberry.ID, SEGMENT_ID]
    ) -> DeleteSegmentPayload:
        async def work() -> dict[str, Any]:
            await segment_writes.delete(info.context, _segment_pk(segment_id, "segmentId"))
            return {"deleted_segment_id": segment_id}

        return await payload(DeleteSegmentPayload, work())

    @strawberry.mutation(
        description="Rename a frozen list; its members stay as they are. Whoever froze it, "
        "or an INSIGHTS_ADMIN.",
        extensions=INSIGHTS,
    )
    async def rename_customer_list(
        self,
        info: Info,
        list_id: Annotated[strawberry.ID, LIST_ID],
        name: Annotated[str, NEW_NAME],
    ) -> CustomerListPayload:  # type: ignore[valid-type]
        async def work() -> dict[str, Any]:
            command = RenameCustomerList(_list_pk(list_id), name)
            renamed = await segment_writes.rename_list(info.context, command)
            return {"customer_list": CustomerList.from_record(renamed)}

        return await payload(CustomerListPayload, work())

    @strawberry.mutation(
        description="Delete a frozen list and its members. Whoever froze it, or an "
        "INSIGHTS_ADMIN; CONFLICT while a mailing run to it is scheduled or "
        "sending (cancel it first). Runs already sent keep their deliveries and the list's id.",
        extensions=INSIGHTS,
    )
    async def delete_customer_list(
        self, info: Info, list_id: Annotated[strawberry.ID, LIST_ID]
    ) -> DeleteCustomerListPayload:
        async def work() -> dict[str, Any]:
            await segment_writes.delete_list(info.context, _list_pk(list_id))
            return {"deleted_customer_list_id": list_id}

        return await payload(DeleteCustomerListPayload, work())

    @strawberry.mutation(
        description="Freeze a segment's members into a CustomerList: the members of this "
        "moment, written in one transaction. INSIGHTS.",
        extensions=INSIGHTS,
    )
    async def freeze_segment(
        self,
        info: Info,
        segment_id: Annotated[strawberry.ID, strawberry.argument(description="The segment.")],
        name: Annotated[
            str | None,
            strawberry.argument(description="The list's name (default: the segment's and now)."),
        ] = None,
    ) -> CustomerListPayload:  # type: ignore[valid-type]
        async def work() -> dict[str, Any]:
            command = FreezeSegment(_segment_pk(segment_id, "segmentId"), name)
            frozen = await segment_writes.freeze(info.context, command)
            return {"customer_list": CustomerList.from_record(frozen)}

        return await payload(CustomerListPayload, work())

    @strawberry.mutation(
        description="Export a segment's members in the background: CSV (plain, for Power BI "
        "or Python) or XLSX (with a summary sheet charting its breakdowns and the audience "
        "measures). INSIGHTS; the job and its file are yours alone.",
        extensions=INSIGHTS,
    )
    async def export_segment(
        self,
        info: Info,
        segment_id: Annotated[strawberry.ID, strawberry.argument(description="The segment.")],
        format: Annotated[
            ExportFormat,  # type: ignore[valid-type]
            strawberry.argument(description="CSV or XLSX."),
        ] = DomainExportFormat.XLSX,
    ) -> JobPayload:
        async def work() -> dict[str, Any]:
            pk = _segment_pk(segment_id, "segmentId")
            job = await segment_writes.request_export(info.context, pk, str(format))
            return {"job": Job.from_record(job)}

        return await payload(JobPayload, work())

    @strawberry.mutation(
        description="Set the organisation's RFM band edges: four strictly ascending edges "
        "per measure. SETTINGS_ADMIN or INSIGHTS_ADMIN.",
        extensions=requires(Role.SETTINGS_ADMIN, Role.INSIGHTS_ADMIN),
    )
    async def set_rfm_bands(
        self,
        info: Info,
        recency_days: Annotated[
            list[int], strawberry.argument(description="Days since the last order.")
        ],
        frequency_orders: Annotated[list[int], strawberry.argument(description="Orders.")],
        monetary: Annotated[list[int], strawberry.argument(description="Spend, minor units.")],
    ) -> RfmBandsPayload:  # type: ignore[valid-type]
        async def work() -> dict[str, Any]:
            bands = DomainRfmBands(tuple(recency_days), tuple(frequency_orders), tuple(monetary))
            saved = await segment_writes.change_rfm_bands(info.context, bands)
            return {"bands": RfmBands.of(saved, await info.context.currency())}

        return await payload(RfmBandsPayload, work())
