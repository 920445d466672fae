"""Engines for the API (async) and for workers and commands (sync), from one URL.

SQLite gets WAL, foreign keys and a busy timeout on every connection: the API, the relay and
in-process workers write to the same file from different threads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str, drivers: dict[str, str]) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"Unsupported database {backend!r}: use sqlite or postgresql.")
    return parsed.set(drivername=drivers[backend]).render_as_string(hide_password=False)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _engine_options(url: str, pool_size: int) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {}
    return {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": True}


def build_async_engine(url: str, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    full = _with_driver(url, _ASYNC_DRIVERS)
    engine = create_async_engine(full, echo=echo, **_engine_options(full, pool_size))
    if full.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    return engine


def build_sync_engine(url: str, pool_size: int = 5, echo: bool = False) -> Engine:
    full = _with_driver(url, _SYNC_DRIVERS)
    engine = create_engine(full, echo=echo, **_engine_options(full, pool_size))
    if full.startswith("sqlite"):
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine
