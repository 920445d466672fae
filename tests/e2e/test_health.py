"""`/healthz` says the process is up; `/readyz` says whether the database and the broker
answer, so a load balancer sends traffic only where it can be served."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from infra.composition import build_app, build_runtime
from infra.settings import Settings
from tests.e2e.test_cli import free_port


async def test_a_process_with_its_database_and_broker_up_is_live_and_ready(
    client: httpx.AsyncClient,
) -> None:
    live = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert live.status_code == 200
    assert (ready.status_code, ready.json()["checks"]) == (
        200,
        {"database": True, "broker": True},
    )


async def test_a_broker_that_does_not_answer_makes_the_process_unready_not_dead(
    settings: Settings,
) -> None:
    nowhere = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"  # nothing listens there
    runtime = build_runtime(settings.model_copy(update={"broker_url": SecretStr(nowhere)}))
    app: Any = build_app(runtime, in_process_workers=False)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://foyer.test") as client:
            live = await client.get("/healthz")
            ready = await client.get("/readyz")
    finally:
        await runtime.close()

    assert live.status_code == 200
    assert (ready.status_code, ready.json()["checks"]) == (
        503,
        {"database": True, "broker": False},
    )
