"""Pop-up notes on the customer record: blue for everyone who opens it, pink for fundraisers.

A pink note holds sensitive fundraising information. To a caller without OPPORTUNITIES it
does not exist: every read path (the record, `node`, the timeline, reports) asks
`readable_colours` which notes the caller may see, and an id of a pink note is NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from domain.actors import Actor
from domain.customers.services import get_customer
from domain.errors import NotFound, PermissionDenied, ProblemCollector
from domain.events import Fact
from domain.roles import FUNDRAISING_READER, Role
from domain.text import LONG_TEXT_LIMIT, clean_text
from domain.timeline import Subject, TimelineEntry
from domain.timeline import TimelineEntryType as T
from domain.unset import UNSET, Unset

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


class NoteColour(StrEnum):
    BLUE = "BLUE"
    PINK = "PINK"


# The role a pink note needs, and the roles that may change anyone's note.
# Who reads pink notes reads fundraising; their timeline entries need the same
# (domain.timeline.READER_OF).
PINK_READER = FUNDRAISING_READER
NOTE_MODERATORS = frozenset({Role.OPPORTUNITIES_ADMIN, Role.SETTINGS_ADMIN})


class NoteChange(StrEnum):
    ADDED = "added"
    EDITED = "edited"
    DELETED = "deleted"


_ENTRY_TYPES = {
    (NoteColour.BLUE, NoteChange.ADDED): T.NOTE_ADDED,
    (NoteColour.BLUE, NoteChange.EDITED): T.NOTE_EDITED,
    (NoteColour.BLUE, NoteChange.DELETED): T.NOTE_DELETED,
    (NoteColour.PINK, NoteChange.ADDED): T.PINK_NOTE_ADDED,
    (NoteColour.PINK, NoteChange.EDITED): T.PINK_NOTE_EDITED,
    (NoteColour.PINK, NoteChange.DELETED): T.PINK_NOTE_DELETED,
}


def readable_colours(roles: Iterable[Role]) -> frozenset[NoteColour]:
    """The one visibility rule: which notes a caller holding `roles` may know exist."""
    return frozenset(NoteColour) if PINK_READER in set(roles) else frozenset({NoteColour.BLUE})


@dataclass
class PopUpNote:
    customer_id: int
    colour: NoteColour
    text: str
    author: str
    author_kind: str
    author_id: int | None
    created_at: datetime
    updated_at: datetime
    pinned: bool = False
    expires_on: date | None = None
    id: int | None = None

    def popped(self, today: date) -> bool:
        """Shown when the record opens: until its expiry date has passed."""
        return self.expires_on is None or today <= self.expires_on

    def written_by(self, actor: Actor) -> bool:
        return (self.author_kind, self.author_id) == (actor.kind.value, actor.id)


N = TypeVar("N")


def display_order(notes: Iterable[N]) -> list[N]:
    """Pinned first, then newest first; for note records and rows alike (both carry
    `pinned`, `created_at` and `id`)."""
    newest = sorted(notes, key=lambda n: (n.created_at, n.id), reverse=True)  # type: ignore[attr-defined]
    return sorted(newest, key=lambda n: not n.pinned)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AddPopUpNote:
    customer_id: int
    colour: NoteColour
    text: str
    pinned: bool = False
    expires_on: date | None = None


@dataclass(frozen=True)
class EditPopUpNote:
    note_id: int
    text: str | Unset = UNSET
    pinned: bool | Unset = UNSET
    expires_on: date | Unset | None = UNSET


@dataclass(frozen=True)
class DeletePopUpNote:
    note_id: int


@dataclass(frozen=True)
class PopUpNoteChanged(Fact):
    """One revision of a note: its text as it was added, after each edit, and when deleted."""

    note_id: int
    customer_id: int
    colour: NoteColour
    change: NoteChange
    text: str

    def timeline_entries(self) -> list[TimelineEntry]:
        kind, verb = _ENTRY_TYPES[self.colour, self.change], self.change.value
        shown = self.text if len(self.text) <= 80 else self.text[:79] + "…"
        summary = f"{self.colour.value.title()} note {verb}: {shown}"
        details = {"popUpNoteId": str(self.note_id)}
        subject = Subject("PopUpNote", self.note_id)
        return [TimelineEntry(self.customer_id, kind, summary, details, subject=subject)]


def _clean(problems: ProblemCollector, value: str) -> str | None:
    return clean_text(problems, ("text",), value, required=True, limit=LONG_TEXT_LIMIT)


def _check_colour(actor: Actor, colour: NoteColour) -> None:
    if colour not in readable_colours(actor.roles):
        raise PermissionDenied("A pink note needs the OPPORTUNITIES role.", ("colour",))


async def add_pop_up_note(uow: UnitOfWork, command: AddPopUpNote) -> PopUpNote:
    # Who may write it is decided before what was written is looked at.
    _check_colour(uow.actor, command.colour)
    problems = ProblemCollector()
    text = _clean(problems, command.text)
    _check_expiry(problems, command.expires_on, uow.today())
    problems.raise_if_any()
    await get_customer(uow, command.customer_id)
    now = uow.now()
    note = PopUpNote(
        command.customer_id,
        command.colour,
        text or "",
        uow.actor.label,
        uow.actor.kind.value,
        uow.actor.id,
        now,
        now,
        command.pinned,
        command.expires_on,
    )
    await uow.pop_up_notes.add(note)
    _record(uow, note, NoteChange.ADDED)
    return note


async def edit_pop_up_note(uow: UnitOfWork, command: EditPopUpNote) -> PopUpNote:
    problems = ProblemCollector()
    text = None if command.text is UNSET else _clean(problems, command.text)
    if command.expires_on is not UNSET:
        _check_expiry(problems, command.expires_on, uow.today())
    problems.raise_if_any()
    note = await _changeable(uow, command.note_id)
    if text is not None:
        note.text = text
    if command.pinned is not UNSET:
        note.pinned = command.pinned
    if command.expires_on is not UNSET:
        note.expires_on = command.expires_on
    note.updated_at = uow.now()
    await uow.pop_up_notes.save(note)
    _record(uow, note, NoteChange.EDITED)
    return note


async def delete_pop_up_note(uow: UnitOfWork, command: DeletePopUpNote) -> PopUpNote:
    note = await _changeable(uow, command.note_id)
    await uow.pop_up_notes.delete(command.note_id)
    _record(uow, note, NoteChange.DELETED)
    return note


async def _changeable(uow: UnitOfWork, note_id: int) -> PopUpNote:
    note = await uow.pop_up_notes.get(note_id)
    if note is None or note.colour not in readable_colours(uow.actor.roles):
        raise NotFound("Pop-up note", ("id",))
    if not note.written_by(uow.actor) and not NOTE_MODERATORS & uow.actor.roles:
        raise NotNoteAuthor()
    return note


class NotNoteAuthor(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            "Only the note's author, an OPPORTUNITIES_ADMIN or a SETTINGS_ADMIN may change "
            "or delete it.",
            ("id",),
        )


def _check_expiry(problems: ProblemCollector, expires_on: date | None, today: date) -> None:
    if expires_on is not None and expires_on < today:
        problems.add(("expiresOn",), "Must not be in the past.")


def _record(uow: UnitOfWork, note: PopUpNote, change: NoteChange) -> None:
    assert note.id is not None
    uow.record(PopUpNoteChanged(note.id, note.customer_id, note.colour, change, note.text))
