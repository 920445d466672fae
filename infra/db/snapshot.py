"""One request's reads: one pooled connection and one consistent snapshot.

Every read of a request (the caller, the page, each dataloader batch) runs on the same
connection inside one read-only transaction, REPEATABLE READ on PostgreSQL and a deferred
transaction on SQLite (whose snapshot is taken at its first read, as PostgreSQL's is). So
the five figures of an opportunity, read by different batches, come from one moment: an
instalment paid meanwhile is counted in all of them or in none.

The connection is checked out at the first read and returned when the request ends; batches
that strawberry resolves concurrently take turns on it. A write of the request (a
mutation's unit of work) ends the snapshot, so what the payload reads afterwards includes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")

_BEGIN = {
    "postgresql": "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    "sqlite": "BEGIN DEFERRED",
}


class RequestReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._begin = _BEGIN[engine.dialect.name]
        self._db: AsyncConnection | None = None
        self._turn = asyncio.Lock()

    async def run(self, read: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """`read` on the request's connection, in its snapshot, when no other read is on it."""
        async with self._turn:
            if self._db is not None:
                return await read(self._db)
            try:
                return await read(await self._open())
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
            # The pooled connection had died with the server (a restart): the pool has
            # discarded it, and one more try on a new one is not a second failure.
            await self._release()
            return await read(await self._open())

    async def end(self) -> None:
        """Give the connection back; a later read starts a new snapshot."""
        async with self._turn:
            await self._release()

    async def _open(self) -> AsyncConnection:
        db = await self._engine.connect()
        self._db = db
        # The driver's own transaction handling off, so that BEGIN says what this one is.
        await db.execution_options(isolation_level="AUTOCOMMIT")
        await db.exec_driver_sql(self._begin)
        return db

    async def _release(self) -> None:
        db, self._db = self._db, None
        if db is None:
            return
        try:
            if not db.invalidated:
                await db.exec_driver_sql("ROLLBACK")
        except DBAPIError:
            pass  # nothing was written; the pool discards a broken connection
        finally:
            await db.close()
