"""Pop-up notes in the API: the type, and the mutations that add, edit and delete them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.customers import popup_notes as notes
from domain.customers.popup_notes import NoteColour as DomainNoteColour
from domain.roles import Role
from resolvers.global_ids import pk_of
from schema.customers.inputs import customer_pk, given_or_unset
from schema.errors import payload, payload_type
from schema.mutations import perform
from schema.node import Node
from schema.permissions import CUSTOMER_EDITORS, requires

NoteColour = strawberry.enum(
    DomainNoteColour,
    description="BLUE: shown to everyone who opens the record. PINK: sensitive fundraising "
    "information, shown only to callers holding OPPORTUNITIES (to anyone else it does not "
    "exist).",
)


@strawberry.type(description="A note shown when the customer record opens, until it expires.")
class PopUpNote(Node):
    colour: NoteColour = strawberry.field(description="BLUE or PINK.")  # type: ignore[valid-type]
    text: str = strawberry.field(description="The note, up to 2,000 characters.")
    pinned: bool = strawberry.field(description="Pinned notes come first.")
    expires_on: date | None = strawberry.field(
        description="The last day it pops up; kept (not popped) after that. Null: never expires."
    )
    popped: bool = strawberry.field(description="Whether it pops up today (not yet expired).")
    author: str = strawberry.field(description="Who wrote it.")
    created_at: datetime = strawberry.field(description="When it was written (UTC).")
    updated_at: datetime = strawberry.field(description="When it was last changed (UTC).")

    @classmethod
    def from_record(cls, record: Any, today: date) -> PopUpNote:
        """From a note row or domain PopUpNote (both carry the same names)."""
        return cls(
            pk=record.id,
            colour=DomainNoteColour(record.colour),
            text=record.text,
            pinned=record.pinned,
            expires_on=record.expires_on,
            popped=record.expires_on is None or today <= record.expires_on,
            author=record.author,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


def note_pk(global_id: strawberry.ID) -> int:
    return pk_of(global_id, ("PopUpNote",), "Pop-up note", ("id",))


@strawberry.input(description="A new pop-up note.")
class AddPopUpNoteInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer it is about.")
    colour: NoteColour = strawberry.field(  # type: ignore[valid-type]
        description="BLUE for everyone; PINK needs OPPORTUNITIES."
    )
    text: str = strawberry.field(description="The note, up to 2,000 characters.")
    pinned: bool = strawberry.field(default=False, description="Show it before the others.")
    expires_on: date | None = strawberry.field(
        default=None, description="The last day it pops up (today or later); null: never."
    )

    def command(self) -> notes.AddPopUpNote:
        return notes.AddPopUpNote(
            customer_pk(self.customer_id, "customerId"),
            DomainNoteColour(self.colour.value),
            self.text,
            self.pinned,
            self.expires_on,
        )


@strawberry.input(description="Changes to a pop-up note; fields left out stay as they are.")
class EditPopUpNoteInput:
    id: strawberry.ID = strawberry.field(description="The note.")
    text: str | None = strawberry.field(
        default=strawberry.UNSET, description="The new text, up to 2,000 characters."
    )
    pinned: bool | None = strawberry.field(default=strawberry.UNSET, description="Pinned or not.")
    expires_on: date | None = strawberry.field(
        default=strawberry.UNSET, description="The new last day it pops up; null: never."
    )

    def command(self) -> notes.EditPopUpNote:
        text, pinned = given_or_unset(self.text), given_or_unset(self.pinned)
        return notes.EditPopUpNote(
            note_pk(self.id),
            "" if text is None else text,  # null text is blank text: refused
            False if pinned is None else pinned,
            given_or_unset(self.expires_on),
        )


@strawberry.input(description="The pop-up note to delete.")
class DeletePopUpNoteInput:
    id: strawberry.ID = strawberry.field(description="The note.")

    def command(self) -> notes.DeletePopUpNote:
        return notes.DeletePopUpNote(note_pk(self.id))


PopUpNotePayload = payload_type(
    "PopUpNotePayload", "pop_up_note", PopUpNote, "The note as it now is (or was, when deleted)."
)
EDIT = requires(*CUSTOMER_EDITORS)
# A settings administrator looks after every note, so may reach these without an edit role.
CHANGE = requires(*CUSTOMER_EDITORS, Role.SETTINGS_ADMIN)
WHO_MAY_CHANGE = (
    " Only its author, an OPPORTUNITIES_ADMIN or a SETTINGS_ADMIN may; a pink note needs "
    "OPPORTUNITIES."
)


def _presenter(info: Info) -> Any:
    today = info.context.now().date()
    return lambda note: PopUpNote.from_record(note, today)


@strawberry.type
class PopUpNoteMutation:
    @strawberry.mutation(
        description="Add a pop-up note to a customer record. Needs SALES or OPPORTUNITIES; a "
        "pink note needs OPPORTUNITIES. Writes a timeline entry.",
        extensions=EDIT,
    )
    async def add_pop_up_note(
        self,
        info: Info,
        input: Annotated[AddPopUpNoteInput, strawberry.argument(description="The note.")],
    ) -> PopUpNotePayload:  # type: ignore[valid-type]
        return await payload(
            PopUpNotePayload,
            perform(info, "pop_up_note", input.command, notes.add_pop_up_note, _presenter(info)),
        )

    @strawberry.mutation(
        description="Change a pop-up note's text, pin or expiry." + WHO_MAY_CHANGE,
        extensions=CHANGE,
    )
    async def edit_pop_up_note(
        self,
        info: Info,
        input: Annotated[EditPopUpNoteInput, strawberry.argument(description="The changes.")],
    ) -> PopUpNotePayload:  # type: ignore[valid-type]
        return await payload(
            PopUpNotePayload,
            perform(info, "pop_up_note", input.command, notes.edit_pop_up_note, _presenter(info)),
        )

    @strawberry.mutation(description="Delete a pop-up note." + WHO_MAY_CHANGE, extensions=CHANGE)
    async def delete_pop_up_note(
        self,
        info: Info,
        input: Annotated[DeletePopUpNoteInput, strawberry.argument(description="The note.")],
    ) -> PopUpNotePayload:  # type: ignore[valid-type]
        return await payload(
            PopUpNotePayload,
            perform(info, "pop_up_note", input.command, notes.delete_pop_up_note, _presenter(info)),
        )
