"""Engines for the API (async) and for workers and commands (sync), from one URL.

SQLite gets WAL, foreign keys and a busy timeout on every connection: the API, the relay and
in-process workers write to the same file from different threads.

Every engine gives up on a connection that does not open, or a pooled one that does not come
free, within its timeouts; the API's engine also bounds each statement, so a stalled database
is an error to report rather than a request that hangs.

The API's engine does not ping a pooled connection before each use (a round trip on every
checkout): a connection that died with a restarted server fails its first statement, the
pool then replaces every connection older than that failure, and the request's reads
(infra/db/snapshot.py) and unit of work (resolvers/context.py) try once more on a new one.
Workers and commands keep the ping: they check out rarely and have no such retry.

Every engine resolves saved segments in the statements it runs (infra/segments/members.py),
and plans the statements holding criteria with their parameters each time
(infra/segments/planning.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from infra.segments import members as segment_members
from infra.segments import planning as segment_planning

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str, drivers: dict[str, str]) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"Unsupported database {backend!r}: use sqlite or postgresql.")
    return parsed.set(drivername=drivers[backend]).render_as_string(hide_password=False)


@dataclass(frozen=True)
class Timeouts:
    """Seconds; `statement` None leaves statements unbounded (workers' long exports)."""

    connect: float = 5
    pool: float = 5
    statement: float | None = None


def _sqlite_setup(busy_seconds: float) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _engine_options(
    url: str, pool_size: int, timeouts: Timeouts, pre_ping: bool = True
) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {}
    # libpq counts whole seconds, and treats less than 2 as 2.
    connect_args: dict[str, Any] = {"connect_timeout": max(2, round(timeouts.connect))}
    # No JIT: it compiles a statement the planner thinks costly (a segment's criteria over
    # every order) in a quarter to half a second, more than it saves on any read here.
    server = ["-c jit=off"]
    if timeouts.statement is not None:
        server.append(f"-c statement_timeout={int(timeouts.statement * 1000)}")
    connect_args["options"] = " ".join(server)
    return {
        "pool_size": pool_size,
        "max_overflow": pool_size,
        "pool_pre_ping": pre_ping,
        "pool_timeout": timeouts.pool,
        "connect_args": connect_args,
    }


def _busy_seconds(timeouts: Timeouts) -> float:
    return timeouts.statement if timeouts.statement is not None else 10


def build_async_engine(
    url: str, pool_size: int = 10, echo: bool = False, timeouts: Timeouts = Timeouts()
) -> AsyncEngine:
    full = _with_driver(url, _ASYNC_DRIVERS)
    options = _engine_options(full, pool_size, timeouts, pre_ping=False)
    engine = create_async_engine(full, echo=echo, **options)
    if full.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_setup(_busy_seconds(timeouts)))
    segment_members.install(engine.sync_engine)
    segment_planning.install(engine.sync_engine)
    return engine


def build_sync_engine(
    url: str, pool_size: int = 5, echo: bool = False, timeouts: Timeouts = Timeouts()
) -> Engine:
    full = _with_driver(url, _SYNC_DRIVERS)
    engine = create_engine(full, echo=echo, **_engine_options(full, pool_size, timeouts))
    if full.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_setup(_busy_seconds(timeouts)))
    segment_members.install(engine)
    segment_planning.install(engine)
    return engine
