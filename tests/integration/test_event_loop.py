"""Nothing a request reaches blocks the event loop: with asyncio's debug mode on, no callback
may run longer than a small bound while the API serves queries, mutations, a login, readiness
and a download, with the broker stalled (where there is one to stall)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import insert

from domain.roles import Role
from infra.clock import utc_now
from infra.composition import build_app, build_runtime
from infra.db import tables as t
from infra.settings import Settings
from tests.conftest import Api
from tests.e2e.test_access import LOGIN, PASSWORD, staff_user
from tests.e2e.test_customers import CREATE_INDIVIDUAL, CUSTOMERS
from tests.integration.jobs import tenant_id
from tests.integration.outages import SHORT_TIMEOUTS, proxied_api

ME = "{ viewer { name } }"
# Far below the 15 s a stalled broker held the loop for, far above a busy machine's jitter.
SLOW_CALLBACK_SECONDS = 0.25


@asynccontextmanager
async def api_with_broker_stalled(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    if settings.embedded_broker:
        runtime = build_runtime(settings.model_copy(update=SHORT_TIMEOUTS))
        transport = httpx.ASGITransport(app=build_app(runtime, in_process_workers=False))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                yield client
        finally:
            await runtime.close()
        return
    async with proxied_api(settings, "broker") as proxied:
        proxied.proxy.stall()
        yield proxied.client


def a_finished_export(api: Api) -> str:
    """A finished export's download token."""
    runtime = api.runtime
    tenant = tenant_id(runtime.sync_engine, api.slug)
    path = runtime.files.path_for(tenant, "customers.xlsx")
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    token = secrets.token_urlsafe(32)
    with runtime.sync_engine.begin() as db:
        pk = db.execute(
            insert(t.job)
            .values(
                tenant_id=tenant,
                kind="CUSTOMER_EXPORT",
                status="SUCCEEDED",
                parameters={},
                progress=1,
                total=1,
                requested_by="test",
                attempts=1,
                created_at=utc_now(),
                result_file=runtime.files.relative(path),
                download_token=token,
            )
            .returning(t.job.c.id)
        ).scalar_one()
    assert pk
    return token


async def test_no_request_holds_up_the_event_loop(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    email = await staff_user(api, *Role)
    token = a_finished_export(api)
    bearer = {"Authorization": f"Bearer {api.key}"}
    graphql = [
        ({"query": CUSTOMERS, "variables": {"inactive": False}}, bearer),
        ({"query": CREATE_INDIVIDUAL, "variables": {"input": {"lastName": "Loop"}}}, bearer),
        ({"query": LOGIN, "variables": {"email": email, "password": PASSWORD}}, {}),
        ({"query": ME}, bearer),
    ]
    async with api_with_broker_stalled(settings) as client:

        async def every_request() -> None:
            for body, headers in graphql:
                response = await client.post("/graphql", json=body, headers=headers)
                assert "errors" not in response.json(), response.json()
            assert (await client.get(f"/downloads/jobs/{token}", headers=bearer)).status_code == 200
            await client.get("/readyz")

        await every_request()  # first calls compile statements and fill caches
        loop = asyncio.get_running_loop()
        caplog.set_level(logging.WARNING, logger="asyncio")
        slow_in_each_pass = []
        # A blocking call is slow on every pass; a busy machine that deschedules the process
        # for a moment is not. Two passes tell them apart without loosening the bound.
        for _ in range(2):
            caplog.clear()
            loop.set_debug(True)
            loop.slow_callback_duration = SLOW_CALLBACK_SECONDS
            try:
                await every_request()
            finally:
                loop.set_debug(False)
            slow_in_each_pass.append(
                [
                    r.getMessage()
                    for r in caplog.records
                    if r.name == "asyncio" and "took" in r.getMessage()
                ]
            )
            if not slow_in_each_pass[-1]:
                break

    assert slow_in_each_pass[-1] == [], slow_in_each_pass


async def test_with_the_broker_stalled_readyz_says_so_quickly_and_queries_are_not_held_up(
    api: Api, settings: Settings
) -> None:
    async with proxied_api(settings, "broker") as proxied:
        proxied.proxy.stall()

        async def timed(
            request: asyncio.Future[httpx.Response] | object,
        ) -> tuple[float, httpx.Response]:
            started = time.monotonic()
            response = await request  # type: ignore[misc]
            return time.monotonic() - started, response

        (ready_seconds, ready), (query_seconds, query) = await asyncio.gather(
            timed(proxied.client.get("/readyz")),
            timed(
                proxied.client.post(
                    "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {api.key}"}
                )
            ),
        )

    assert (ready.status_code, ready.json()["checks"]) == (503, {"database": True, "broker": False})
    assert query.status_code == 200
    # The health timeout is 1 s; the broker client's own default was 15 s, on the event loop.
    assert ready_seconds < 5, ready_seconds
    assert query_seconds < 3, query_seconds


async def test_a_storm_of_readiness_probes_checks_the_dependencies_once(
    settings: Settings,
) -> None:
    checked: list[float] = []

    def broker_answers(timeout: float) -> bool:
        checked.append(timeout)
        return True

    runtime = build_runtime(settings)
    from resolvers.context import Services
    from schema.app import create_app

    services = Services(runtime.engine, settings, runtime.files, runtime.passwords)
    transport = httpx.ASGITransport(app=create_app(services, broker_answers))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answers = await asyncio.gather(*(client.get("/readyz") for _ in range(50)))
    finally:
        await runtime.close()
    assert {a.status_code for a in answers} == {200}
    assert len(checked) == 1
