"""Hot reads (and a worker's hot writes) compiled once per process and run straight on the
driver's connection.

SQLAlchemy's compiled cache spares a statement its compiling, not its executing: for a
statement already compiled, the execution context, the greenlet hop into the sync API, the
cursor adapter and the result proxy still cost about twice what psycopg itself takes to
send the statement and parse its answer (0.4 of 0.7 ms of CPU for customer by id). A
statement read here is compiled once per dialect, with its parameter and result processors,
and run on the request's connection by its driver (psycopg or aiosqlite), in the same
transaction and snapshot.

What watches statements still sees each one: `before_cursor_execute` listeners (what counts
a request's statements, infra/db/snapshot.py, and the tests' counters) are told of it as
SQLAlchemy tells them, and may refuse it by raising; and with SQL logging on (FOYER_LOG_SQL)
the statement goes through SQLAlchemy so it is logged as every other is. Errors reach the
caller as SQLAlchemy's (OperationalError and the rest), the connection invalidated when the
driver lost it, as for any other statement: a database cut mid-read is an outage (503), not
an unexpected error.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy import exc as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # The parameters' names in the order the SQL takes them (SQLite's `?`); None where the
    # SQL names them (psycopg's `%(name)s`).
    positions: tuple[str, ...] | None
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]
    make: Callable[[Sequence[Any]], Any]
    # The values the statement was built with (`status == 'QUEUED'`), by parameter name.
    defaults: dict[str, Any]


# By statement object (each hot statement is built once, and kept here with its entry, so
# no other statement can come to have its id) and dialect.
_kept: dict[tuple[int, str], tuple[Executable, _Compiled]] = {}


def _compiled(statement: Executable, dialect: Dialect) -> _Compiled:
    key = (id(statement), dialect.name)
    entry = _kept.get(key)
    if entry is not None and entry[0] is statement:
        return entry[1]
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    # A statement with expanding (IN) or literal parameters is rendered per call: not here.
    assert not compiled.literal_execute_params and not compiled.post_compile_params
    binds = tuple(
        (name, processor) for name, processor in (compiled._bind_processors or {}).items()
    )
    columns = compiled._result_columns
    results = tuple(
        (n, processor)
        for n, column in enumerate(columns)
        if (processor := column[3]._cached_result_processor(dialect, None)) is not None
    )
    row_type = namedtuple("row", [column[0] for column in columns], rename=True)  # type: ignore[misc]
    positions = compiled.positiontup
    made = _Compiled(
        compiled.string,
        tuple(positions) if positions is not None else None,
        binds,
        results,
        row_type._make,
        {
            name: bind.effective_value
            for bind, name in compiled.bind_names.items()
            if not bind.required
        },
    )
    _kept[key] = (statement, made)
    return made


# One cursor per psycopg connection, used again by each read on it: a new cursor copies
# the connection's adapters, a tenth of a small statement's CPU. Reads of one request take
# turns on its connection (infra/db/snapshot.py), so no two share the cursor at once.
_cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def cursor_of(driver: Any) -> Any:
    """The psycopg connection's cursor for these reads."""
    cursor = _cursors.get(driver)
    if cursor is None or cursor.closed:
        cursor = _cursors[driver] = driver.cursor()
    return cursor


def _bound(
    sync: Connection, statement: Executable, parameters: dict[str, Any]
) -> tuple[_Compiled, dict[str, Any]]:
    """The statement compiled once, and its values as the driver takes them; what watches
    statements (`before_cursor_execute`: a request's count, the tests' counters) is told
    of it."""
    compiled = _compiled(statement, sync.dialect)
    values = {**compiled.defaults, **parameters}
    for name, process in compiled.binds:
        if name in values:
            values[name] = process(values[name])
    dispatch = sync.engine.dispatch
    if dispatch.before_cursor_execute:
        dispatch.before_cursor_execute(sync, None, compiled.sql, values, None, False)
    return compiled, values


async def driver_rows(
    db: AsyncConnection, statement: Executable, parameters: dict[str, Any]
) -> list[Any]:
    """The rows `statement` selects with `parameters`, each a named tuple (as a result row,
    by position and by column name), read on `db`'s connection by its driver."""
    sync = db.sync_connection
    assert sync is not None
    engine = sync.engine
    if engine._should_log_info():
        return list((await db.execute(statement, parameters)).all())
    compiled, values = _bound(sync, statement, parameters)
    driver = sync.connection.driver_connection
    try:
        if compiled.positions is None:
            cursor = cursor_of(driver)
            await cursor.execute(compiled.sql, values)
            found = await cursor.fetchall()
        else:
            ordered = tuple(values[name] for name in compiled.positions)
            async with driver.execute(compiled.sql, ordered) as cursor:
                found = await cursor.fetchall()
    except (psycopg.Error, sqlite3.Error) as error:
        lost = _lost(driver)
        if lost:
            await db.invalidate(error)
        raise as_sqlalchemy_error(error, compiled.sql, values, lost) from error
    if not compiled.results:
        return [compiled.make(row) for row in found]
    rows = []
    for row in found:
        processed = list(row)
        for n, process in compiled.results:
            processed[n] = process(processed[n])
        rows.append(compiled.make(processed))
    return rows


def driver_execute(db: Connection, statement: Executable, parameters: dict[str, Any]) -> None:
    """Run `statement`, which returns no rows, with `parameters` on `db`'s connection by
    psycopg (through SQLAlchemy on another driver): a mailing's mark, once per message."""
    engine = db.engine
    if db.dialect.driver != "psycopg" or engine._should_log_info():
        db.execute(statement, parameters)
        return
    compiled, values = _bound(db, statement, parameters)
    driver = db.connection.driver_connection
    try:
        cursor_of(driver).execute(compiled.sql, values)
    except psycopg.Error as error:
        lost = _lost(driver)
        if lost:
            db.invalidate(error)
        raise as_sqlalchemy_error(error, compiled.sql, values, lost) from error


def _lost(driver: Any) -> bool:
    """Whether the driver's connection died with the error (psycopg's; SQLite's is a file
    in the process, which an error does not close)."""
    if isinstance(driver, psycopg.AsyncConnection | psycopg.Connection):
        return bool(driver.broken or driver.closed)
    return driver is None


def as_sqlalchemy_error(
    error: Exception, sql: str, values: dict[str, Any], lost: bool
) -> sa.StatementError:
    """The driver's error as SQLAlchemy would have raised it (OperationalError for a cut
    connection, IntegrityError for a broken rule...), so that what tells an outage from a bug
    (infra/db/outage.py) and the request's retry on a dead pooled connection see a statement
    run here exactly as one run through SQLAlchemy."""
    base = psycopg.Error if isinstance(error, psycopg.Error) else sqlite3.Error
    return sa.DBAPIError.instance(sql, values, error, base, connection_invalidated=lost)
