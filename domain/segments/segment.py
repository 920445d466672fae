"""Saved segments and frozen customer lists: saving, sharing, freezing, renaming, deleting,
the RFM bands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from domain.actors import Actor
from domain.errors import Conflict, NotFound, PermissionDenied, ProblemCollector
from domain.roles import Role
from domain.segments import access
from domain.segments import criteria as k
from domain.segments.rfm import RfmBands, check_bands
from domain.text import LONG_TEXT_LIMIT, clean_text

if TYPE_CHECKING:
    from domain.ports import SegmentRepository, UnitOfWork


@dataclass
class Segment:
    name: str
    description: str
    criteria: k.Criterion
    owner_kind: str
    owner_id: int
    owner: str
    shared: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None


@dataclass
class CustomerList:
    name: str
    segment_id: int | None
    frozen_at: datetime
    created_by: str
    created_by_kind: str
    created_by_id: int
    size: int = 0
    id: int | None = None
    # Shared while its segment is; kept as it was when the segment is deleted.
    shared: bool = False
    # What reading its members takes: what its segment's criteria took when it was frozen.
    reads: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class SaveSegment:
    """Create a segment (no `segment_id`) or change one the caller may change."""

    name: str
    criteria: k.Criterion
    description: str = ""
    shared: bool = False
    segment_id: int | None = None


@dataclass(frozen=True)
class FreezeSegment:
    segment_id: int
    name: str | None = None


@dataclass(frozen=True)
class RenameSegment:
    segment_id: int
    name: str


@dataclass(frozen=True)
class RenameCustomerList:
    list_id: int
    name: str


# What each kind of id a criterion names is, for NotFound messages and for look-ups.
REFERENCE_KINDS = {
    "preference_id": "ContactPreference",
    "event_id": "Event",
    "partner_company_id": "PartnerCompany",
    "fund_id": "Fund",
    "campaign_id": "Campaign",
    "scheme_id": "MembershipScheme",
    "stage_id": "OpportunityStage",
    "owner_id": "StaffUser",
    "instance_id": "EventInstance",
    "household_id": "Household",
}


@dataclass(frozen=True)
class Reference:
    kind: str
    id: int
    path: tuple[str, ...]


def references(root: k.Criterion, root_path: tuple[str, ...] = ("criteria",)) -> list[Reference]:
    """Every id the tree names, with its path, so each can be checked to be the
    organisation's."""
    found = []
    for node in k.walk(root, root_path):
        for attribute, kind in REFERENCE_KINDS.items():
            value = getattr(node.criterion, attribute, None)
            if isinstance(value, int):
                name = k.NAMES[type(node.criterion)]
                field = "".join(
                    part.title() if i else part for i, part in enumerate(attribute.split("_"))
                )
                found.append(Reference(kind, value, (*node.path, name, field)))
    return found


async def checked_criteria(
    actor: Actor,
    segments: SegmentRepository,
    root: k.Criterion,
    path: tuple[str, ...] = ("criteria",),
) -> k.Criterion:
    """`root` (at `path` in the input) validated, naming only the organisation's rows, and
    readable by `actor`."""
    cleaned = k.validate(root, path)
    missing = access.missing_roles(actor, cleaned)
    if missing:
        names = ", ".join(sorted(r.value for r in missing))
        raise PermissionDenied(f"These criteria need the {names} role.", path)
    for reference in await segments.missing(references(cleaned, path)):
        raise NotFound(reference.kind, reference.path)
    return cleaned


async def save_segment(uow: UnitOfWork, command: SaveSegment) -> Segment:
    problems = ProblemCollector()
    name = clean_text(problems, ("name",), command.name, required=True)
    description = clean_text(
        problems, ("description",), command.description, limit=LONG_TEXT_LIMIT, multiline=True
    )
    problems.raise_if_any()
    criteria = await checked_criteria(uow.actor, uow.segments, command.criteria)
    actor, now = uow.actor, uow.now()
    if command.shared and not actor.has(access.SHARING_ROLE):
        raise PermissionDenied("Sharing a segment needs the INSIGHTS_ADMIN role.", ("shared",))
    if command.segment_id is None:
        assert actor.id is not None
        segment = Segment(
            name or "",
            description or "",
            criteria,
            actor.kind.value,
            actor.id,
            actor.label,
            command.shared,
            now,
            now,
        )
        await uow.segments.add(segment)
        return segment
    segment = await readable_segment(uow, command.segment_id, ("segmentId",))
    _check_may_change(actor, segment, ("segmentId",))
    segment.name, segment.description, segment.criteria = name or "", description or "", criteria
    segment.shared, segment.updated_at = command.shared, now
    await uow.segments.save(segment)
    return segment


async def seen_segment(
    uow: UnitOfWork, segment_id: int, field: tuple[str, ...], *, to_delete: bool = False
) -> Segment:
    """The segment if the caller sees it; NotFound, as for another organisation's, when they
    do not. Held against deletion (deleting: against every other change) until the unit of
    work ends."""
    segment = await uow.segments.get(segment_id, to_delete=to_delete)
    if segment is None or not access.may_see(
        uow.actor, segment.owner_kind, segment.owner_id, segment.shared
    ):
        raise NotFound("Segment", field)
    return segment


async def readable_segment(uow: UnitOfWork, segment_id: int, field: tuple[str, ...]) -> Segment:
    """The segment if the caller may read its members (freeze, export, mail it)."""
    segment = await seen_segment(uow, segment_id, field)
    missing = access.missing_roles(uow.actor, segment.criteria)
    if missing:
        names = ", ".join(sorted(r.value for r in missing))
        raise PermissionDenied(f"This segment's criteria need the {names} role.", field)
    return segment


def _check_may_change(actor: Actor, owned: Segment | CustomerList, field: tuple[str, ...]) -> None:
    if isinstance(owned, Segment):
        kind, owner_id, what = owned.owner_kind, owned.owner_id, "segment"
    else:
        kind, owner_id, what = owned.created_by_kind, owned.created_by_id, "list"
    if not access.may_change(actor, kind, owner_id):
        raise PermissionDenied(
            f"Changing a colleague's shared {what} needs the INSIGHTS_ADMIN role.", field
        )


async def rename_segment(uow: UnitOfWork, command: RenameSegment) -> Segment:
    segment = await seen_segment(uow, command.segment_id, ("segmentId",))
    _check_may_change(uow.actor, segment, ("segmentId",))
    segment.name = _required_name(command.name)
    segment.updated_at = uow.now()
    await uow.segments.save(segment)
    return segment


async def delete_segment(uow: UnitOfWork, segment_id: int) -> Segment:
    """Delete a segment no scheduled or sending mailing run is for. Lists frozen from it
    stay, as shared as it was; runs already sent keep naming it."""
    segment = await seen_segment(uow, segment_id, ("segmentId",), to_delete=True)
    _check_may_change(uow.actor, segment, ("segmentId",))
    if not await uow.segments.delete(segment):
        raise Conflict(
            "A mailing is scheduled or being sent to this segment: cancel it first.",
            ("segmentId",),
        )
    return segment


async def seen_list(
    uow: UnitOfWork, list_id: int, field: tuple[str, ...], *, to_delete: bool = False
) -> CustomerList:
    """The list if the caller sees it (the segment rule, with its creator as owner);
    NotFound as for another organisation's when they do not."""
    frozen = await uow.segments.get_list(list_id, to_delete=to_delete)
    if frozen is None or not access.may_see(
        uow.actor, frozen.created_by_kind, frozen.created_by_id, frozen.shared
    ):
        raise NotFound("CustomerList", field)
    return frozen


def check_members_readable(actor: Actor, frozen: CustomerList, field: tuple[str, ...] = ()) -> None:
    """A list's members are read (listed, mailed) only by those holding what its segment's
    criteria took to read when it was frozen."""
    if access.missing_of(actor, frozen.reads):
        names = ", ".join(sorted(r.value for r in frozen.reads))
        raise PermissionDenied(f"This list's members need the {names} roles.", field)


async def readable_list(uow: UnitOfWork, list_id: int, field: tuple[str, ...]) -> CustomerList:
    """The list if the caller may read its members (mail it): the rule `list_members` uses."""
    frozen = await seen_list(uow, list_id, field)
    check_members_readable(uow.actor, frozen, field)
    return frozen


async def rename_customer_list(uow: UnitOfWork, command: RenameCustomerList) -> CustomerList:
    frozen = await seen_list(uow, command.list_id, ("listId",))
    _check_may_change(uow.actor, frozen, ("listId",))
    frozen.name = _required_name(command.name)
    await uow.segments.save_list(frozen)
    return frozen


async def delete_customer_list(uow: UnitOfWork, list_id: int) -> CustomerList:
    """Delete a list no scheduled or sending mailing run is for; runs already sent keep
    naming it and their deliveries."""
    frozen = await seen_list(uow, list_id, ("listId",), to_delete=True)
    _check_may_change(uow.actor, frozen, ("listId",))
    if not await uow.segments.delete_list(frozen):
        raise Conflict(
            "A mailing is scheduled or being sent to this list: cancel it first.", ("listId",)
        )
    return frozen


def _required_name(name: str) -> str:
    problems = ProblemCollector()
    cleaned = clean_text(problems, ("name",), name, required=True)
    problems.raise_if_any()
    return cleaned or ""


async def freeze_segment(uow: UnitOfWork, command: FreezeSegment) -> CustomerList:
    """A list of the segment's members at this moment, written in this one transaction."""
    segment = await readable_segment(uow, command.segment_id, ("segmentId",))
    problems = ProblemCollector()
    name = clean_text(problems, ("name",), command.name)
    problems.raise_if_any()
    now = uow.now()
    frozen = CustomerList(
        name or f"{segment.name} ({now:%Y-%m-%d %H:%M} UTC)"[:200],
        segment.id,
        now,
        uow.actor.label,
        uow.actor.kind.value,
        uow.actor.id or 0,
        shared=segment.shared,
        reads=access.roles_to_read(segment.criteria),
    )
    await uow.segments.freeze(segment, frozen)
    return frozen


async def set_rfm_bands(uow: UnitOfWork, bands: RfmBands) -> RfmBands:
    await uow.segments.set_bands(check_bands(bands))
    return bands
