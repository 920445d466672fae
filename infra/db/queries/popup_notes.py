"""Reading pop-up notes: only ever those of the colours the caller may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.popup_notes import NoteColour
from infra.db import tables as t

n = t.pop_up_note.c


def readable_notes(tenant_id: int, colours: Collection[NoteColour]) -> Select[Any]:
    """The organisation's notes of `colours`: every read of notes starts here."""
    return select(t.pop_up_note).where(
        n.tenant_id == tenant_id, n.colour.in_([c.value for c in colours])
    )


async def notes_by_customer(
    db: AsyncConnection, tenant_id: int, customer_ids: list[int], colours: Collection[NoteColour]
) -> dict[int, list[Any]]:
    statement = readable_notes(tenant_id, colours).where(n.customer_id.in_(customer_ids))
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in await db.execute(statement):
        grouped[row.customer_id].append(row)
    return grouped


async def notes_by_id(
    db: AsyncConnection, tenant_id: int, ids: list[int], colours: Collection[NoteColour]
) -> dict[int, Any]:
    statement = readable_notes(tenant_id, colours).where(n.id.in_(ids))
    return {row.id: row for row in await db.execute(statement)}
