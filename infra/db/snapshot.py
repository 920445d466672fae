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
from typing import Any, TypeVar

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from infra.db.driver_reads import as_sqlalchemy_error, cursor_of

T = TypeVar("T")

_BEGIN = {
    "postgresql": "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    "sqlite": "BEGIN DEFERRED",
}


class _StaleConnection(Exception):
    """The pooled connection had died with the server."""


def _as_outage(stale: _StaleConnection, sql: str) -> Exception:
    """A connection found dead again, on the one more try: the driver's error as SQLAlchemy
    raises a lost connection's, which the API answers as an outage (503)."""
    cause = stale.__cause__
    if not isinstance(cause, Exception):
        return stale
    return as_sqlalchemy_error(cause, sql, {}, lost=True)


async def _begin_and_select(driver: Any, begin: str, query: str, sqlite: bool) -> Any:
    """BEGIN and `query` on the driver's own connection: psycopg sends both in one message
    and keeps each one's result (SQLite runs in the process, so two calls cost nothing)."""
    if sqlite:
        await driver.execute(begin)
        async with driver.execute(query) as cursor:
            row = await cursor.fetchone()
    else:
        cursor = cursor_of(driver)
        await cursor.execute(f"{begin}; {query}")
        cursor.nextset()
        row = await cursor.fetchone()
    return row[0] if row else None


async def _rollback(db: AsyncConnection) -> None:
    """ROLLBACK, by psycopg itself on PostgreSQL: through SQLAlchemy the statement costs
    twice the CPU for a command whose answer is nothing (infra/db/driver_reads.py)."""
    sync = db.sync_connection
    assert sync is not None
    # With SQL logging on, through SQLAlchemy, which logs it.
    if db.dialect.name != "postgresql" or sync.engine._should_log_info():
        await db.exec_driver_sql("ROLLBACK")
        return
    await cursor_of(_pooled(db).driver_connection).execute("ROLLBACK")


class RequestReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._begin = _BEGIN[engine.dialect.name]
        self._db: AsyncConnection | None = None
        # A mutation's connection, its transaction begun, until its unit of work takes it.
        self._writer: AsyncConnection | None = None
        self._turn = asyncio.Lock()

    async def run(self, read: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """`read` on the request's connection, in its snapshot, when no other read is on it."""
        async with self._turn:
            if self._db is not None:
                return await read(self._db)
            try:
                await self._open()
                return await read(self._connection())
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
            except _StaleConnection:
                pass
            # The pooled connection had died with the server (a restart): the pool has
            # discarded it, and one more try on a new one is not a second failure.
            await self._release()
            await self._open_again()
            return await read(self._connection())

    async def value(self, query: str) -> Any:
        """The one value `query` (SQL without parameters) selects. As the request's first
        read it travels with the BEGIN, in the same round trip: a check each request makes
        (the credentials generation) then costs no wait of its own."""
        async with self._turn:
            if self._db is not None:
                return (await self._db.exec_driver_sql(query)).scalar()
            try:
                return await self._open(query)
            except _StaleConnection:
                await self._release()
                return await self._open_again(query)

    async def value_alone(self, query: str) -> Any:
        """`value`, for a request that is about to write (a mutation): no snapshot is
        opened. On PostgreSQL the query travels with the BEGIN of the transaction the
        request's first unit of work then writes in (`take_writer`), so that the check,
        the checkout and the BEGIN cost one round trip, not three; on SQLite, whose writes
        begin on their own, it goes alone."""
        async with self._turn:
            if self._db is not None:
                return (await self._db.exec_driver_sql(query)).scalar()
            await self._release_writer()
            for attempt in (1, 2):
                db = await self._engine.connect()
                try:
                    # The driver's own transaction handling off: the BEGIN goes with the query.
                    await db.execution_options(isolation_level="AUTOCOMMIT")
                    if self._engine.dialect.name != "postgresql":
                        return (await db.exec_driver_sql(query)).scalar()
                    value = await self._begin_writing(db, query)
                    self._writer, db = db, None
                    return value
                except (DBAPIError, _StaleConnection) as error:
                    # A pooled connection that died with the server: one more try.
                    stale = isinstance(error, _StaleConnection) or error.connection_invalidated
                    if stale and attempt == 1:
                        continue
                    if isinstance(error, _StaleConnection):
                        raise _as_outage(error, query) from error.__cause__
                    raise
                finally:
                    if db is not None:
                        await db.close()

    async def _begin_writing(self, db: AsyncConnection, query: str) -> Any:
        raw = _pooled(db)
        try:
            return await _begin_and_select(raw.driver_connection, "BEGIN", query, False)
        except Exception as error:
            if self._stale(raw, error):
                await db.invalidate()
                raise _StaleConnection from error
            raise

    def take_writer(self) -> AsyncConnection | None:
        """The connection `value_alone` began a transaction on, for the unit of work that
        writes in it (once); None when there is none."""
        writer, self._writer = self._writer, None
        return writer

    async def end(self, keep_writer: bool = False) -> None:
        """Give the connection back; a later read starts a new snapshot. An untaken
        writer's goes back too (its transaction, which wrote nothing, rolled back) unless
        `keep_writer`: a unit of work is about to take it."""
        async with self._turn:
            await self._release()
            if not keep_writer:
                await self._release_writer()

    def _connection(self) -> AsyncConnection:
        assert self._db is not None
        return self._db

    async def _open_again(self, query: str | None = None) -> Any:
        """`_open`, as the one more try after a pooled connection that had died."""
        try:
            return await self._open(query)
        except _StaleConnection as stale:
            raise _as_outage(stale, query or self._begin) from stale.__cause__

    async def _open(self, query: str | None = None) -> Any:
        """Check out the connection and BEGIN; with `query`, its value."""
        # One connection at a time per request: a mutation reading before it writes gives
        # back the writer (its unit of work then checks out one of its own).
        await self._release_writer()
        db = await self._engine.connect()
        self._db = db
        try:
            await _statements_commit_themselves(db, True)
        except _StaleConnection:
            await db.invalidate()
            raise
        if query is None:
            await db.exec_driver_sql(self._begin)
            return None
        raw = _pooled(db)
        try:
            sqlite = self._engine.dialect.name == "sqlite"
            return await _begin_and_select(raw.driver_connection, self._begin, query, sqlite)
        except Exception as error:
            if self._stale(raw, error):
                await db.invalidate()
                raise _StaleConnection from error
            raise

    def _stale(self, raw: Any, error: Exception) -> bool:
        """Whether `error` says the pooled connection died with the server."""
        if not self._engine.dialect.is_disconnect(error, raw.dbapi_connection, None):
            return False
        # What SQLAlchemy does with a disconnect it sees itself: every pooled connection
        # older than this one is replaced at its next checkout, so the one retry does not
        # meet another connection that died with the server.
        self._engine.sync_engine.pool._invalidate(raw, error)
        return True

    async def _release_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            await _give_back(writer)

    async def _release(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            await _give_back(db, switched=True)


def _pooled(db: AsyncConnection) -> Any:
    """The pooled connection `db` holds, read in place: `get_raw_connection()` takes a
    greenlet's round trip to read the same attribute."""
    sync = db.sync_connection
    assert sync is not None
    return sync.connection


async def _statements_commit_themselves(db: AsyncConnection, on: bool) -> None:
    """The driver's own transaction handling off (`on`), so that the BEGIN sent says what
    the transaction is, or back on before the connection returns to the pool. On
    PostgreSQL, psycopg's own switch: SQLAlchemy's isolation-level option and its reset at
    check-in cost about 45 µs a request, ten times psycopg's, and SQLAlchemy need not know
    (it begins nothing on its own; its rollback at check-in finds nothing to roll back).
    Raises _StaleConnection when the driver cannot switch (a connection that died)."""
    if db.dialect.name != "postgresql":
        if on:
            await db.execution_options(isolation_level="AUTOCOMMIT")
        return  # SQLAlchemy resets what it set
    try:
        await _pooled(db).driver_connection.set_autocommit(on)
    except psycopg.Error as error:
        raise _StaleConnection from error


async def _give_back(db: AsyncConnection, switched: bool = False) -> None:
    """End the read-only (or unwritten) transaction on `db` and return it to the pool;
    `switched`: its driver was told to commit each statement itself, and is told back."""
    try:
        if not db.invalidated:
            await _rollback(db)
            if switched:
                await _statements_commit_themselves(db, False)
    except DBAPIError:
        # Nothing was written; the pool discards a broken connection. One whose driver
        # may still commit each statement itself must not go back: a unit of work given
        # it would write each statement on its own.
        if switched and not db.invalidated:
            await db.invalidate()
    except Exception:
        # The driver's own error (psycopg's): a connection whose transaction may still
        # be open must not go back to the pool.
        await db.invalidate()
    except BaseException:
        # The request cancelled mid-way: the same, and the cancellation goes on.
        await db.invalidate()
        raise
    finally:
        await db.close()
