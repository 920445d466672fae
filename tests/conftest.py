"""Fixtures shared by the integration and end-to-end tests.

Every test that uses `runtime` runs twice: on SQLite with the in-process broker, and on
PostgreSQL with RabbitMQ (`FOYER_TEST_BACKENDS=sqlite` or `=postgresql` runs one). Each
backend gets a fresh database for the session; each test gets its own organisation, so tests
never see each other's rows and nothing needs truncating.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import event

from domain.roles import Role
from infra.auth.accounts import create_api_key, create_tenant
from infra.composition import Runtime, build_app, build_runtime
from infra.db.migrate import upgrade
from infra.settings import Settings

POSTGRES_ADMIN = os.environ.get("FOYER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
RABBITMQ = os.environ.get("FOYER_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/%2F")
BACKENDS = os.environ.get("FOYER_TEST_BACKENDS", "sqlite,postgresql").split(",")
ALL_ROLES = frozenset(Role)
# Tests that need a queue no session worker consumes add one of these to the prefix.
QUEUE_VARIANTS = ("", "-failing", "-killed", "-stopping", "-outage", "-shutdown")


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"foyer_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def queue_prefix() -> str:
    return f"foyer-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session", params=BACKENDS)
def settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, queue_prefix: str
) -> Iterator[Settings]:
    folder = tmp_path_factory.mktemp(request.param)
    common = {"files_dir": folder / "files", "queue_prefix": queue_prefix}
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'foyer.db'}"
        upgrade(url)
        yield Settings(database_url=url, broker_url="", **common)
        return
    with postgres_database() as url:
        upgrade(url)
        yield Settings(database_url=url, broker_url=RABBITMQ, **common)
        _delete_queues(queue_prefix)


def _delete_queues(prefix: str, variants: tuple[str, ...] = QUEUE_VARIANTS) -> None:
    """Remove what this session declared on RabbitMQ: each actor queue with its delay (.DQ)
    and dead-letter (.XQ) twins, and the notices exchange."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ))
    channel = connection.channel()
    for variant in variants:
        for queue in ("exports", "reminders", "mail"):
            for suffix in ("", ".DQ", ".XQ"):
                channel.queue_delete(f"{prefix}{variant}.{queue}{suffix}")
        channel.exchange_delete(f"{prefix}{variant}.events")
    connection.close()


@pytest.fixture(scope="session")
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    built = build_runtime(settings)
    yield built
    await built.close()


@pytest.fixture(scope="session")
def app(runtime: Runtime) -> Any:
    return build_app(runtime, in_process_workers=False)


@dataclass
class Api:
    """One organisation's view of the API, as a client would call it."""

    client: httpx.AsyncClient
    key: str
    slug: str
    runtime: Runtime

    async def call(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """The whole GraphQL response (data, errors, extensions)."""
        headers = (
            {"Authorization": f"Bearer {key if key is not None else self.key}"}
            if (key if key is not None else self.key)
            else {}
        )
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response.json()  # type: ignore[no-any-return]

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """The data of a call that must not fail at the GraphQL level."""
        result = await self.call(query, variables, key)
        assert "errors" not in result, result.get("errors")
        return result["data"]  # type: ignore[no-any-return]

    async def key_with(self, *roles: Role) -> str:
        return await create_api_key(self.runtime.engine, self.slug, frozenset(roles), "test")


def client_address() -> str:
    """An address of the IPv6 documentation range, new on every call."""
    hexits = uuid.uuid4().hex
    return f"2001:db8::{hexits[:4]}:{hexits[4:8]}:{hexits[8:12]}"


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    # Each test calls from an address of its own, as it has an organisation of its own:
    # failed log-ins are counted per address, and one test's must not throttle another's.
    transport = httpx.ASGITransport(app=app, client=(client_address(), 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://foyer.test") as client:
        yield client


async def new_organisation(runtime: Runtime, client: httpx.AsyncClient) -> Api:
    slug = await create_tenant(runtime.engine, f"Test Theatre {uuid.uuid4().hex[:8]}")
    key = await create_api_key(runtime.engine, slug, ALL_ROLES, "test (all roles)")
    return Api(client, key, slug, runtime)


@pytest.fixture
async def api(runtime: Runtime, client: httpx.AsyncClient) -> Api:
    """A fresh organisation and an API key holding every role."""
    return await new_organisation(runtime, client)


@pytest.fixture
async def other_api(runtime: Runtime, client: httpx.AsyncClient) -> Api:
    """A second organisation: nothing of `api`'s may ever be visible to it."""
    return await new_organisation(runtime, client)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


class StatementCounter:
    """Queries, not transaction control: psycopg sends a unit of work's BEGIN by itself,
    unseen, where a request's read snapshot sends its own (infra/db/snapshot.py)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _db: Any, _cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.count += 1


@pytest.fixture
def statements(runtime: Runtime) -> Iterator[StatementCounter]:
    """Counts the SQL statements the API runs while the test body runs."""
    counter = StatementCounter()
    event.listen(runtime.engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(runtime.engine.sync_engine, "before_cursor_execute", counter)


def sqlite_only(settings: Settings) -> None:
    if not settings.is_sqlite:
        pytest.skip("Only meaningful with the embedded default.")


FILES = Path(__file__).parent
