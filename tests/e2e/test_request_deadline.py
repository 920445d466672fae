"""A request that runs past its deadline while the database answers was slow, not an
outage: it is answered 504 REQUEST_TIMEOUT at once, and nothing says the database is
unreachable. (A deadline met because the database stalled stays a 503 outage:
tests/integration/test_database_outage.py.)"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import pytest

import resolvers.customers
import schema.customers.mutations
from infra.composition import build_app, build_runtime
from infra.settings import Settings
from tests.conftest import Api

DEADLINE = 0.5


QUERY = "{ customers { edges { node { id } } } }"
MUTATION = """mutation { createIndividual(input: {firstName: "Ada", lastName: "Lovelace"}) {
  errors { code } } }"""


@pytest.mark.parametrize(
    ("slowed", "document", "advice"),
    [
        pytest.param((resolvers.customers, "customers"), QUERY, False, id="query"),
        # Whether a mutation stopped at its deadline was made is unknown: how to send it
        # again safely is said.
        pytest.param((schema.customers.mutations, "perform"), MUTATION, True, id="mutation"),
    ],
)
async def test_a_slow_request_is_stopped_at_its_deadline_and_is_not_an_outage(
    api: Api,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    slowed: tuple[Any, str],
    document: str,
    advice: bool,
) -> None:
    async def slow(*args: Any) -> Any:  # asked for more than it can do in time
        await asyncio.sleep(30)

    runtime = build_runtime(settings.model_copy(update={"request_timeout_seconds": DEADLINE}))
    headers = {"Authorization": f"Bearer {api.key}"}
    try:
        transport = httpx.ASGITransport(app=build_app(runtime, in_process_workers=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://foyer") as client:
            monkeypatch.setattr(*slowed, slow)
            with caplog.at_level(logging.WARNING, logger="foyer"):
                started = time.monotonic()
                asked = {"query": document}
                response = await client.post("/graphql", json=asked, headers=headers)
                elapsed = time.monotonic() - started
            monkeypatch.undo()
            after = await client.post(
                "/graphql",
                json={"query": "{ customers { edges { node { id } } } }"},
                headers=headers,
            )
            ready = await client.get("/readyz")
    finally:
        await runtime.close()

    assert response.status_code == 504
    assert "Retry-After" not in response.headers
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "REQUEST_TIMEOUT"}
    assert f"longer than {DEADLINE:g} s" in error["message"]
    assert ("Idempotency-Key" in error["message"]) is advice
    assert DEADLINE <= elapsed < DEADLINE + settings.health_timeout_seconds + 1, elapsed
    assert "unreachable" not in caplog.text and "deadline" in caplog.text
    assert after.status_code == 200 and "errors" not in after.json()
    assert ready.json()["checks"]["database"] is True
