"""Segment queries: a segment, the list of them, frozen lists, previews, the RFM bands and
the audience measures. INSIGHTS for all."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.roles import Role
from resolvers import segments as segment_reads
from resolvers.global_ids import parse_global_id
from schema.customers.types import customer_from_record
from schema.errors import read
from schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.permissions import requires
from schema.segments.inputs import SegmentCriterionInput, criterion_from
from schema.segments.types import CustomerList, Insights, RfmBands, Segment, SegmentPreview

INSIGHTS = requires(Role.INSIGHTS)


def _pk(global_id: str, type_name: str) -> int | None:
    parsed = parse_global_id(global_id)
    return parsed[1] if parsed is not None and parsed[0] == type_name else None


@strawberry.type
class SegmentQuery:
    @strawberry.field(
        description="A segment by id; null when there is none you see (your own, or shared).",
        extensions=INSIGHTS,
    )
    async def segment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Its global id.")],
    ) -> Segment | None:
        found = await segment_reads.segment_by_global_id(info.context, id)
        return Segment.from_read(found) if found else None

    @strawberry.field(
        description="The segments you see: yours and the shared ones, newest first.",
        extensions=INSIGHTS,
    )
    async def segments(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Segment]:
        page = await read(segment_reads.segments(info.context, first, after))
        return Connection.of(page.rows, page.cursors, page.has_next_page, Segment.from_read)

    @strawberry.field(
        description="A frozen list by id; null when there is none you see (you froze it, or "
        "it is shared).",
        extensions=INSIGHTS,
    )
    async def customer_list(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Its global id.")],
    ) -> CustomerList | None:
        pk = _pk(id, "CustomerList")
        found = await segment_reads.visible_list(info.context, pk) if pk is not None else None
        return CustomerList.from_record(found) if found else None

    @strawberry.field(
        description="The frozen lists you see: those you froze and the shared ones (every "
        "one with INSIGHTS_ADMIN), newest first.",
        extensions=INSIGHTS,
    )
    async def customer_lists(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[CustomerList]:
        page = await read(segment_reads.customer_lists(info.context, first, after))
        return Connection.of(page.rows, page.cursors, page.has_next_page, CustomerList.from_record)

    @strawberry.field(
        description="Count and first page of criteria without saving them; bad criteria are "
        "a BAD_USER_INPUT error naming the field path.",
        extensions=INSIGHTS,
    )
    async def preview_segment(
        self,
        info: Info,
        criteria: Annotated[
            SegmentCriterionInput, strawberry.argument(description="The criteria.")
        ],
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
    ) -> SegmentPreview:
        async def work() -> segment_reads.Preview:
            return await segment_reads.preview(info.context, criterion_from(criteria), first)

        found = await read(work())
        page = found.page
        customers = Connection.of(page.rows, page.cursors, page.has_next_page, customer_from_record)
        return SegmentPreview(count=found.count, customers=customers)

    @strawberry.field(description="The organisation's RFM band edges.", extensions=INSIGHTS)
    async def rfm_bands(self, info: Info) -> RfmBands:
        bands = await segment_reads.rfm_bands(info.context)
        return RfmBands.of(bands, await info.context.currency())

    @strawberry.field(description="Audience measures.", extensions=INSIGHTS)
    def insights(self) -> Insights:
        return Insights()
