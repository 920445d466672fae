"""A request's reads (one connection, one snapshot) end after its answer is sent: the
connection goes back to the pool whatever happened, a client gone mid-answer included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from infra.db import tables as t
from infra.db.snapshot import RequestReads
from tests.asgi_scope import graphql_post_scope
from tests.conftest import Api
from tests.e2e.fuzz_fixtures import checked_out_after

QUERY = "{ contactPreferences { id } }"


def graphql_scope(key: str) -> dict[str, Any]:
    headers = [
        (b"host", b"foyer.test"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {key}".encode()),
    ]
    return graphql_post_scope(headers, client=("2001:db8::7", 50000))


async def test_the_connection_is_back_in_the_pool_after_the_answer(api: Api) -> None:
    assert "errors" not in await api.call(QUERY)
    assert await checked_out_after(api, 2.0) == 0


async def test_a_client_gone_before_the_answer_leaves_no_connection_out(api: Api, app: Any) -> None:
    body = json.dumps({"query": QUERY}).encode()
    received = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return received.pop(0) if received else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            raise OSError("the client went away")

    with pytest.raises(OSError):
        await app(graphql_scope(api.key), receive, send)
    assert await checked_out_after(api, 2.0) == 0


async def test_a_connection_the_reads_gave_back_writes_in_transactions_again(api: Api) -> None:
    """The reads switch their connection's driver to commit each statement itself (their
    BEGIN says what the snapshot is); given back, it must be a plain one again, or a unit
    of work given it next would write each statement on its own."""
    engine = api.runtime.engine
    reads = RequestReads(engine)
    given = await reads.run(lambda db: _driver_of(db))
    await reads.end()
    tenant = await reads.run(lambda db: _tenant_id(db, api.slug))
    await reads.end()

    # Every pooled connection, the one given back among them, writes in a transaction.
    held = [await engine.connect() for _ in range(engine.sync_engine.pool.checkedin())]
    try:
        assert given in [await _driver_of(db) for db in held]
        for db in held:
            await db.begin()
            rename = update(t.tenant).where(t.tenant.c.id == tenant).values(name="Never")
            await db.execute(rename)
            await db.rollback()
    finally:
        for db in held:
            await db.close()
    async with engine.connect() as db:
        name = (await db.execute(select(t.tenant.c.name).where(t.tenant.c.id == tenant))).scalar()
    assert name != "Never"


async def _driver_of(db: AsyncConnection) -> Any:
    return (await db.get_raw_connection()).driver_connection


async def _tenant_id(db: AsyncConnection, slug: str) -> int:
    found = await db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == slug))
    return int(found.scalar_one())
