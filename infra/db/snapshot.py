"""One request's reads: one pooled connection and one consistent snapshot.

Every read of a request (the caller, the page, each dataloader batch) runs on the same
connection inside one read-only transaction (but for a request that reads once, below),
REPEATABLE READ on PostgreSQL and a deferred transaction on SQLite (whose snapshot is taken
at its first read, as PostgreSQL's is). So the five figures of an opportunity, read by
different batches, come from one moment: an instalment paid meanwhile is counted in all of
them or in none.

The connection is checked out at the first read and returned when the request ends; batches
that strawberry resolves concurrently take turns on it. A write of the request (a
mutation's unit of work) ends the snapshot, so what the payload reads afterwards includes it.

A request known to read once (resolvers/read_modes.py) needs no transaction: one statement
is one snapshot. It runs with each statement committing itself, so neither the BEGIN nor the
ROLLBACK is sent (the ROLLBACK is a round trip after the answer, whose work the process does
while the client's next request is already waiting). Should such a request ask for a second
statement, it raises SnapshotNeeded, and the request runs again in one snapshot.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from infra.db.driver_reads import as_sqlalchemy_error, cursor_of

T = TypeVar("T")

_BEGIN = {
    "postgresql": "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    "sqlite": "BEGIN DEFERRED",
}


class SnapshotNeeded(Exception):
    """A request reading once asked for a second statement (or one that is not a SELECT, or
    a write, or one that needs a transaction): what it read first is of another moment than
    what it would read next, or the statement needs the read-only transaction it is not in;
    so the request must run again in one snapshot."""


class _StaleConnection(Exception):
    """The pooled connection had died with the server."""


def _as_outage(stale: _StaleConnection, sql: str) -> Exception:
    """A connection found dead again, on the one more try: the driver's error as SQLAlchemy
    raises a lost connection's, which the API answers as an outage (503)."""
    cause = stale.__cause__
    if not isinstance(cause, Exception):
        return stale
    return as_sqlalchemy_error(cause, sql, {}, lost=True)


async def _begin_and_select(driver: Any, begin: str | None, query: str, sqlite: bool) -> Any:
    """BEGIN (unless None) and `query` on the driver's own connection: psycopg sends both in
    one message and keeps each one's result (SQLite runs in the process, so two calls cost
    nothing)."""
    if sqlite:
        if begin is not None:
            await driver.execute(begin)
        async with driver.execute(query) as cursor:
            row = await cursor.fetchone()
    else:
        cursor = cursor_of(driver)
        if begin is None:
            await cursor.execute(query)
        else:
            await cursor.execute(f"{begin}; {query}")
            cursor.nextset()
        row = await cursor.fetchone()
    return row[0] if row else None


async def _rollback(db: AsyncConnection) -> None:
    """ROLLBACK, by psycopg itself on PostgreSQL: through SQLAlchemy the statement costs
    twice the CPU for a command whose answer is nothing (infra/db/driver_reads.py)."""
    sync = db.sync_connection
    assert sync is not None
    if not in_transaction(_pooled(db).driver_connection):
        return  # a request that read once began none
    # With SQL logging on, through SQLAlchemy, which logs it.
    if db.dialect.name != "postgresql" or sync.engine._should_log_info():
        await db.exec_driver_sql("ROLLBACK")
        return
    await cursor_of(_pooled(db).driver_connection).execute("ROLLBACK")


def in_transaction(driver: Any) -> bool:
    """Whether the driver's connection (psycopg's or aiosqlite's) is inside a transaction."""
    if isinstance(driver, psycopg.AsyncConnection):
        return driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    return bool(driver.in_transaction)  # aiosqlite's


class RequestReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._begin = _BEGIN[engine.dialect.name]
        self._db: AsyncConnection | None = None
        # A mutation's connection, its transaction begun, until its unit of work takes it.
        self._writer: AsyncConnection | None = None
        self._turn = asyncio.Lock()
        self._once = False
        # The statements of data the request ran, and whether, reading once, it asked for
        # more than one (`_noted`).
        self.statements = 0
        self.needs_snapshot = False
        self._counting = True

    def read_once(self) -> None:
        """Before the first read: the request reads once, so without a transaction."""
        assert self._db is None and self._writer is None
        self._once = True

    async def read_again(self) -> None:
        """Give the connection back and read in one snapshot from now on: the request that
        asked for a second statement, reading once, runs again."""
        await self.end()
        self._once = False
        self.statements = 0
        self.needs_snapshot = False

    async def run(self, read: Callable[[AsyncConnection], Awaitable[T]], counted: bool = True) -> T:
        """`read` on the request's connection, in its snapshot, when no other read is on it.
        `counted`: its statements read data (the caller's look-up, which needs no snapshot,
        does not)."""
        async with self._turn:
            self._counting, before = counted, self.statements
            try:
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
                self.statements = before
                await self._release()
                await self._open_again()
                return await read(self._connection())
            finally:
                self._counting = True

    def _noted(self, connection: Any, statement: str) -> None:
        """`statement` is about to run on `connection`: if it is this request's and reads
        data, it is counted. Reading once, a second raises SnapshotNeeded, and so does one
        that is not a SELECT: the read-only transaction that would refuse a write is not
        there to refuse it."""
        if self._db is None or self._db.sync_connection is not connection or not self._counting:
            return
        if self._once and (self.statements or not _selects(statement)):
            self.needs_snapshot = True
            raise SnapshotNeeded
        self.statements += 1

    def needs_transaction(self, connection: Any) -> None:
        """A statement about to run on `connection` needs a transaction of its own (it sets
        what is local to one): reading once, it raises SnapshotNeeded."""
        if self._once and self._db is not None and self._db.sync_connection is connection:
            self.needs_snapshot = True
            raise SnapshotNeeded

    async def value(self, query: str) -> Any:
        """The one value `query` (SQL without parameters) selects. As the request's first
        read it travels with the BEGIN, in the same round trip: a check each request makes
        (the credentials generation) then costs no wait of its own. Reading once, there is
        no BEGIN, and it goes alone; it is not a read of data either way."""
        async with self._turn:
            if self._db is not None:
                self._counting = False
                try:
                    return (await self._db.exec_driver_sql(query)).scalar()
                finally:
                    self._counting = True
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
        writes in it (once); None when there is none. A request reading once never writes:
        one that would runs again in a snapshot, so that it writes once."""
        if self._once:
            self.needs_snapshot = True
            raise SnapshotNeeded
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
            if not self._once:
                await db.exec_driver_sql(self._begin)
            self._watch(db)
            return None
        raw = _pooled(db)
        begin = None if self._once else self._begin
        try:
            sqlite = self._engine.dialect.name == "sqlite"
            value = await _begin_and_select(raw.driver_connection, begin, query, sqlite)
        except Exception as error:
            if self._stale(raw, error):
                await db.invalidate()
                raise _StaleConnection from error
            raise
        self._watch(db)
        return value

    def _watch(self, db: AsyncConnection) -> None:
        """This request's statements on `db` are noted from now on (not its BEGIN)."""
        sync = db.sync_connection
        assert sync is not None
        _watch_statements(sync.engine)
        sync.info[_READS] = self

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
            sync = db.sync_connection
            if sync is not None and not db.invalidated:
                sync.info.pop(_READS, None)
            await _give_back(db, switched=True)


# Where a pooled connection holds the request reading on it (its info lasts as long as the
# connection, across check-outs, so each request's reads remove it when they give it back).
_READS = "foyer_request_reads"
_watched: weakref.WeakSet[Engine] = weakref.WeakSet()


def _watch_statements(engine: Engine) -> None:
    if engine not in _watched:
        event.listen(engine, "before_cursor_execute", _note_statement)
        _watched.add(engine)


def _note_statement(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
    reads = connection.info.get(_READS)
    if reads is not None:
        reads._noted(connection, statement)


def needs_transaction(connection: Any) -> None:
    """What a statement that needs a transaction calls first (infra/db/snapshot.py:
    RequestReads.needs_transaction), with the SQLAlchemy connection it runs on."""
    reads = connection.info.get(_READS)
    if reads is not None:
        reads.needs_transaction(connection)


def _selects(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT"


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
