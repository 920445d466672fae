"""Pop-up notes in and out of their table."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.popup_notes import PopUpNote
from infra.db import tables as t
from infra.db.repositories.catalogue import SqlCatalogueRepository


class SqlPopUpNoteRepository(SqlCatalogueRepository[PopUpNote]):
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        super().__init__(connection, tenant_id, t.pop_up_note, PopUpNote)

    async def delete(self, note_id: int) -> None:
        n = t.pop_up_note.c
        await self._db.execute(
            delete(t.pop_up_note).where(n.id == note_id, n.tenant_id == self._tenant_id)
        )
