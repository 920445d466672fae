"""A worker killed mid-export: RabbitMQ redelivers the message, another worker finishes the
job, and the job completes exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from infra.composition import Runtime, build_runtime
from infra.demo.generator import generate_customers
from infra.settings import Settings
from tests.conftest import Api
from tests.integration.jobs import request_export, tenant_id, wait_for
from tests.integration.test_export_pipeline import job_pk

CUSTOMERS = 30_000
# The workers' lease: the copy of a killed worker's message that the broker delivers again
# waits for it to run out (infra/db/leases.py), so the tests keep it short.
KILLED_LEASE = 10.0


@pytest.fixture
def killed_settings(settings: Settings) -> Settings:
    if settings.embedded_broker:
        pytest.skip("Needs RabbitMQ: the in-process broker lives and dies with its process.")
    return settings.model_copy(
        update={"queue_prefix": settings.queue_prefix + "-killed", "lease_seconds": KILLED_LEASE}
    )


@pytest.fixture
async def killed_runtime(killed_settings: Settings) -> AsyncIterator[Runtime]:
    built = build_runtime(killed_settings)
    yield built
    await built.close()


def start_worker_process(settings: Settings, **more: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FOYER_DATABASE_URL": settings.database_url,
        "FOYER_BROKER_URL": settings.broker_url.get_secret_value(),
        "FOYER_QUEUE_PREFIX": settings.queue_prefix,
        "FOYER_FILES_DIR": str(settings.files_dir),
        "FOYER_LEASE_SECONDS": str(settings.lease_seconds),
        **more,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "infra.cli.main", "worker", "--threads", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_a_worker_killed_mid_export_leaves_the_job_to_another_which_completes_it_once(
    api: Api, killed_settings: Settings, killed_runtime: Runtime
) -> None:
    engine = killed_runtime.sync_engine
    generate_customers(engine, tenant_id(engine, api.slug), CUSTOMERS, seed=7)
    job = job_pk(await request_export(api))
    killed_runtime.relay.relay_once()

    first = start_worker_process(killed_settings)
    try:
        wait_for(
            engine, job, lambda r: r.status == "RUNNING" and 0 < r.progress < CUSTOMERS, seconds=120
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert wait_for(engine, job, lambda r: True).status == "RUNNING"

        second = start_worker_process(killed_settings)
        try:
            done = wait_for(engine, job, lambda r: r.status == "SUCCEEDED", seconds=180)
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()

    assert (done.attempts, done.progress, done.total) == (2, CUSTOMERS, CUSTOMERS)
    path = Path(str(killed_settings.files_dir)) / done.result_file
    workbook = load_workbook(path, read_only=True)
    rows = sum(1 for _ in workbook.active.iter_rows(values_only=True))
    workbook.close()
    assert rows == CUSTOMERS + 1
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".partial")]
    assert len(leftovers) <= 1  # the killed worker's half-written file, never published
