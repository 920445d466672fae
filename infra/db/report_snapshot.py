"""One consistent moment to read a whole report from.

On PostgreSQL a REPEATABLE READ, read-only transaction: every statement sees the database
as it was at the first one. On SQLite (WAL) a read transaction does the same; pysqlite
opens none for SELECTs by itself, so it is begun explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name == "postgresql":
        with (
            engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ) as db,
            db.begin(),
        ):
            yield db
        return
    with engine.connect() as db:
        db.exec_driver_sql("BEGIN")
        try:
            yield db
        finally:
            db.rollback()
