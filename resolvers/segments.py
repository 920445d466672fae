"""Segments and frozen lists: reading them with their visibility, evaluating their
criteria, saving, freezing, renaming, deleting and exporting them, the RFM bands and the
audience measures.

The one read check of a segment (`visible_segment`) is used by its field, `node`, the list,
every evaluation, freezing and export; export jobs are then their requester's alone
(domain/jobs.py), so the download route applies the same rule. A list's (`visible_list`)
is the same rule (domain/segments/access.py) over the list's creator and sharing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.calendar import check_year
from domain.errors import NotFound, PermissionDenied, ProblemCollector
from domain.jobs import Job, JobKind, request_job
from domain.pages import check_page_size
from domain.segments import access
from domain.segments import criteria as k
from domain.segments.breakdown import BreakdownBy, Bucket, ordered
from domain.segments.measures import Measures
from domain.segments.rfm import RfmBands
from domain.segments.segment import (
    CustomerList,
    FreezeSegment,
    RenameCustomerList,
    RenameSegment,
    SaveSegment,
    Segment,
    check_members_readable,
    checked_criteria,
    delete_customer_list,
    delete_segment,
    freeze_segment,
    rename_customer_list,
    rename_segment,
    save_segment,
    set_rfm_bands,
)
from infra.db.keyset import Page
from infra.db.queries import segments as queries
from infra.db.repositories.segments import (
    SqlSegmentRepository,
    customer_list_from_row,
    segment_from_row,
)
from infra.segments.measures_sql import measures
from infra.segments.rfm_sql import bands_of_async
from resolvers.context import RequestContext
from resolvers.global_ids import parse_global_id


@dataclass(frozen=True)
class SegmentRead:
    """A segment the caller sees, and whether they may read its members."""

    segment: Segment
    readable: bool


async def visible_segment(context: RequestContext, pk: int) -> SegmentRead | None:
    actor, tenant_id = context.caller, context.caller.tenant_id
    row = await context.reads.run(lambda db: queries.segment_row(db, tenant_id, pk))
    if row is None or not access.may_see(actor, row.owner_kind, row.owner_id, row.shared):
        return None
    segment = segment_from_row(row)
    return SegmentRead(segment, not access.missing_roles(actor, segment.criteria))


async def segment_by_global_id(context: RequestContext, global_id: str) -> SegmentRead | None:
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != "Segment":
        return None
    return await visible_segment(context, parsed[1])


def list_size(context: RequestContext, frozen: CustomerList) -> int:
    """How many members a frozen list has: told only to those who may read them."""
    check_members_readable(context.caller, frozen)
    return frozen.size


def readable_criteria(read: SegmentRead) -> k.Criterion:
    """The segment's criteria, to those who may read its members: to evaluate them, or to
    show them, as they name what those members are (a protected value, a campaign)."""
    if not read.readable:
        needed = access.roles_to_read(read.segment.criteria)
        names = ", ".join(sorted(r.value for r in needed))
        raise PermissionDenied(f"This segment's criteria need the {names} roles.")
    return read.segment.criteria


def _owner_filter(context: RequestContext) -> tuple[str, int | None] | None:
    """Whose unshared segments and lists the caller lists: their own, or all (None)."""
    actor = context.caller
    return None if access.sees_all(actor) else (actor.kind.value, actor.id)


async def segments(context: RequestContext, first: int | None, after: str | None) -> Page[Any]:
    size, actor, owner = check_page_size(first), context.caller, _owner_filter(context)
    page = await context.reads.run(
        lambda db: queries.segments_page(db, actor.tenant_id, owner, size, after)
    )
    reads = []
    for row in page.rows:
        segment = segment_from_row(row)
        reads.append(SegmentRead(segment, not access.missing_roles(actor, segment.criteria)))
    return Page(reads, page.cursors, page.has_next_page)


async def count(context: RequestContext, read: SegmentRead) -> int:
    return await _count(context, readable_criteria(read))


async def _count(context: RequestContext, root: k.Criterion) -> int:
    tenant_id, today = context.caller.tenant_id, context.now().date()

    async def work(db: Any) -> int:
        return await queries.member_count(db, root, await queries.evaluation(db, tenant_id, today))

    return await context.reads.run(work)


async def members(
    context: RequestContext, read: SegmentRead, first: int | None, after: str | None
) -> Page[Any]:
    return await _members(context, readable_criteria(read), first, after)


async def _members(
    context: RequestContext, root: k.Criterion, first: int | None, after: str | None
) -> Page[Any]:
    size = check_page_size(first)
    tenant_id, today = context.caller.tenant_id, context.now().date()

    async def work(db: Any) -> Page[Any]:
        at = await queries.evaluation(db, tenant_id, today)
        return await queries.members_page(db, root, at, size, after)

    page = await context.reads.run(work)
    for row in page.rows:
        context.loaders.customer_by_id.prime(row.id, row)
    return page


async def breakdown(
    context: RequestContext, read: SegmentRead, by: BreakdownBy, preference_global_id: str | None
) -> list[Bucket]:
    root = readable_criteria(read)
    tenant_id, today = context.caller.tenant_id, context.now().date()
    preference_id = None
    if preference_global_id is not None:
        parsed = parse_global_id(preference_global_id)
        if parsed is None or parsed[0] != "ContactPreference":
            raise NotFound("ContactPreference", ("preferenceId",))
        preference_id = parsed[1]

    async def work(db: Any) -> list[Bucket]:
        at = await queries.evaluation(db, tenant_id, today)
        return await queries.breakdown(db, root, at, by, preference_id)

    return ordered(by, await context.reads.run(work))


@dataclass(frozen=True)
class Preview:
    count: int
    page: Page[Any]


async def preview(context: RequestContext, root: k.Criterion, first: int | None) -> Preview:
    """Count and first page of criteria not saved: checked as saving checks them."""
    actor = context.caller

    async def check(db: Any) -> k.Criterion:
        return await checked_criteria(actor, SqlSegmentRepository(db, actor.tenant_id), root)

    cleaned = await context.reads.run(check)
    return Preview(await _count(context, cleaned), await _members(context, cleaned, first, None))


async def save(context: RequestContext, command: SaveSegment) -> Segment:
    return await context.perform(lambda uow: save_segment(uow, command))


async def freeze(context: RequestContext, command: FreezeSegment) -> CustomerList:
    return await context.perform(lambda uow: freeze_segment(uow, command))


async def request_export(context: RequestContext, pk: int, file_format: str) -> Job:
    read = await visible_segment(context, pk)
    if read is None:
        raise NotFound("Segment", ("segmentId",))
    root = readable_criteria(read)
    reads = sorted(r.value for r in access.roles_to_read(root))
    parameters = {"segment_id": pk, "format": file_format, "reads": reads}
    return await context.perform(lambda uow: request_job(uow, JobKind.SEGMENT_EXPORT, parameters))


async def rename(context: RequestContext, command: RenameSegment) -> Segment:
    return await context.perform(lambda uow: rename_segment(uow, command))


async def delete(context: RequestContext, pk: int) -> Segment:
    return await context.perform(lambda uow: delete_segment(uow, pk))


async def visible_list(context: RequestContext, pk: int) -> CustomerList | None:
    """The list, when the caller sees it: they froze it, or it is shared."""
    actor, tenant_id = context.caller, context.caller.tenant_id
    row = await context.reads.run(lambda db: queries.customer_list_row(db, tenant_id, pk))
    if row is None:
        return None
    frozen = customer_list_from_row(row)
    if not access.may_see(actor, frozen.created_by_kind, frozen.created_by_id, frozen.shared):
        return None
    return frozen


async def customer_lists(
    context: RequestContext, first: int | None, after: str | None
) -> Page[CustomerList]:
    size, tenant_id, owner = (
        check_page_size(first),
        context.caller.tenant_id,
        _owner_filter(context),
    )
    page = await context.reads.run(
        lambda db: queries.customer_lists_page(db, tenant_id, owner, size, after)
    )
    return Page([customer_list_from_row(r) for r in page.rows], page.cursors, page.has_next_page)


async def list_members(
    context: RequestContext, frozen: CustomerList, first: int | None, after: str | None
) -> Page[Any]:
    """A list's members, for those holding what its segment's criteria took to read."""
    check_members_readable(context.caller, frozen)
    size, tenant_id, pk = check_page_size(first), context.caller.tenant_id, frozen.id
    assert pk is not None
    page = await context.reads.run(
        lambda db: queries.list_members_page(db, tenant_id, pk, size, after)
    )
    for row in page.rows:
        context.loaders.customer_by_id.prime(row.id, row)
    return page


async def rename_list(context: RequestContext, command: RenameCustomerList) -> CustomerList:
    return await context.perform(lambda uow: rename_customer_list(uow, command))


async def delete_list(context: RequestContext, pk: int) -> CustomerList:
    return await context.perform(lambda uow: delete_customer_list(uow, pk))


async def rfm_bands(context: RequestContext) -> RfmBands:
    tenant_id = context.caller.tenant_id
    return await context.reads.run(lambda db: bands_of_async(db, tenant_id))


async def change_rfm_bands(context: RequestContext, bands: RfmBands) -> RfmBands:
    return await context.perform(lambda uow: set_rfm_bands(uow, bands))


async def audience_measures(context: RequestContext, year: int) -> Measures:
    problems = ProblemCollector()
    check_year(problems, ("year",), year)
    problems.raise_if_any()
    tenant_id, now = context.caller.tenant_id, context.now()
    return await context.reads.run(lambda db: measures(db, tenant_id, year, now))
