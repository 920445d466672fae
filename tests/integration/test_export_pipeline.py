"""The customer export from mutation to download, through the outbox, the relay, the broker
(in-process or RabbitMQ) and a worker."""

from __future__ import annotations

import io
from collections.abc import Iterator
from urllib.parse import urlparse

import dramatiq
import httpx
import pytest
from openpyxl import load_workbook
from pydantic import SecretStr

from infra.composition import Runtime, build_runtime, start_worker
from infra.settings import Settings
from resolvers.global_ids import parse_global_id
from tests.conftest import Api
from tests.e2e.test_customers import create_individual
from tests.integration.jobs import JOB, request_export, tenant_id, unsent_messages, wait_for
from tests.integration.tcp_proxy import TcpProxy


def job_pk(global_id: str) -> int:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


@pytest.fixture(scope="session")
def worker(runtime: Runtime) -> Iterator[dramatiq.Worker]:
    running = start_worker(runtime, threads=2)
    yield running
    running.stop()


async def test_an_export_goes_through_the_outbox_to_a_worker_and_downloads(
    api: Api, other_api: Api, runtime: Runtime, worker: dramatiq.Worker
) -> None:
    await create_individual(
        api,
        firstName="Zoë",
        lastName="Export",
        emails=[{"address": "zoe@example.org"}],
        tags=["press"],
    )
    await create_individual(api, firstName="Not", lastName="Included")
    job_id = await request_export(api, "export")

    relayed = runtime.relay.relay_once()

    assert relayed >= 1
    done = wait_for(runtime.sync_engine, job_pk(job_id), lambda row: row.status == "SUCCEEDED")
    assert (done.progress, done.total, done.attempts) == (1, 1, 1)
    data = await api.data(JOB, {"id": job_id})
    url = data["job"]["downloadUrl"]
    # Absolute, from the address the client called: fetched as it is, by a fresh client.
    assert url.startswith("http://foyer.test/downloads/jobs/")
    async with httpx.AsyncClient(transport=api.client._transport) as fresh:
        response = await fresh.get(url, headers={"Authorization": f"Bearer {api.key}"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Reference", "Kind", "Title", "First name", "Last name")
    assert [r[3:5] for r in rows[1:]] == [("Zoë", "Export")]
    assert rows[1][6] == "zoe@example.org" and rows[1][15] is True
    assert sheet.freeze_panes == "A2"


async def test_a_job_and_its_file_stay_within_their_organisation(
    api: Api, other_api: Api, runtime: Runtime, worker: dramatiq.Worker
) -> None:
    job_id = await request_export(api)
    runtime.relay.relay_once()
    wait_for(runtime.sync_engine, job_pk(job_id), lambda row: row.status == "SUCCEEDED")
    url = (await api.data(JOB, {"id": job_id}))["job"]["downloadUrl"]

    assert (await other_api.data(JOB, {"id": job_id})) == {"job": None}
    theirs = await other_api.client.get(url, headers={"Authorization": f"Bearer {other_api.key}"})
    nobody = await api.client.get(url)
    assert (theirs.status_code, nobody.status_code) == (404, 401)


async def test_a_job_left_unfinished_by_a_restart_is_sent_again(
    api: Api, runtime: Runtime, worker: dramatiq.Worker
) -> None:
    from sqlalchemy import update

    from infra.db import tables as t
    from infra.messaging.relay import requeue_unfinished_jobs

    job_id = await request_export(api)
    runtime.relay.relay_once()
    wait_for(runtime.sync_engine, job_pk(job_id), lambda row: row.status == "SUCCEEDED")
    with runtime.sync_engine.begin() as db:  # as if the process died mid-job
        db.execute(update(t.job).where(t.job.c.id == job_pk(job_id)).values(status="RUNNING"))

    assert requeue_unfinished_jobs(runtime.sync_engine) >= 1
    runtime.relay.relay_once()

    row = wait_for(runtime.sync_engine, job_pk(job_id), lambda row: row.status == "SUCCEEDED")
    assert row.attempts == 2


async def test_a_job_that_keeps_failing_ends_failed_with_a_reason(
    api: Api, settings: Settings, tmp_path: object
) -> None:
    from pathlib import Path

    blocked = Path(str(tmp_path)) / "not-a-folder"
    blocked.write_text("a file where the export folder should be")
    failing = build_runtime(
        settings.model_copy(
            update={
                "files_dir": blocked,
                "queue_prefix": settings.queue_prefix + "-failing",
            }
        )
    )
    job_id = await request_export(api)
    running = start_worker(failing, threads=1)
    try:
        failing.relay.relay_once()
        row = wait_for(failing.sync_engine, job_pk(job_id), lambda row: row.status == "FAILED")
    finally:
        running.stop()
        await failing.close()
    assert "failed after 1 attempt" in row.error
    data = await api.data(JOB, {"id": job_id})
    assert data["job"]["status"] == "FAILED" and data["job"]["downloadUrl"] is None


async def test_with_rabbitmq_unreachable_the_mutation_succeeds_and_the_export_completes_later(
    api: Api, settings: Settings, runtime: Runtime, worker: dramatiq.Worker
) -> None:
    if settings.embedded_broker:
        pytest.skip("The in-process broker cannot be unreachable.")
    url = urlparse(settings.broker_url.get_secret_value())
    proxy = TcpProxy(url.port or 5672)
    proxied_url = settings.broker_url.get_secret_value().replace(
        f"{url.hostname}:{url.port or 5672}", f"127.0.0.1:{proxy.port}"
    )
    through_proxy = build_runtime(
        settings.model_copy(update={"broker_url": SecretStr(proxied_url)})
    )
    try:
        job_id = await request_export(api)  # the API never talks to the broker

        assert through_proxy.relay.relay_once() == 0
        stuck = [
            m
            for m in unsent_messages(runtime.sync_engine)
            if m.arguments == {"job_id": job_pk(job_id)}
        ]
        assert len(stuck) == 1 and stuck[0].attempts >= 1 and stuck[0].last_error

        proxy.start()
        assert through_proxy.relay.relay_once() >= 1
        row = wait_for(runtime.sync_engine, job_pk(job_id), lambda r: r.status == "SUCCEEDED")
        assert row.attempts == 1
    finally:
        proxy.close()
        await through_proxy.close()
    assert tenant_id(runtime.sync_engine, api.slug) > 0
