"""A `foyer worker` sent SIGTERM mid-export: it does not run the export to its end but hands
it back between batches and exits within its grace; another worker finishes the job."""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator

import pytest

from infra.composition import Runtime, build_runtime
from infra.demo.generator import generate_customers
from infra.settings import Settings
from tests.conftest import Api
from tests.integration.jobs import job_row, request_export, tenant_id, wait_for
from tests.integration.test_export_pipeline import job_pk
from tests.integration.test_killed_worker import start_worker_process

CUSTOMERS = 20_000
# Well short of the export's time (a second or two on a quiet machine): an export that
# finishes within the grace is never handed back.
GRACE = 0.2
# What the bound allows beyond the grace: the last batch, and a Python process's goodbyes.
MARGIN = 10.0


@pytest.fixture
async def relaying(settings: Settings) -> AsyncIterator[Runtime]:
    if settings.embedded_broker:
        pytest.skip(
            "Needs RabbitMQ: `foyer worker` runs only with a broker. The embedded default's "
            "workers stop the same way (test_job_leases.py)."
        )
    built = build_runtime(
        settings.model_copy(update={"queue_prefix": settings.queue_prefix + "-shutdown"})
    )
    yield built
    await built.close()


async def test_a_worker_sent_sigterm_mid_export_exits_within_its_grace_and_another_finishes(
    api: Api, relaying: Runtime
) -> None:
    engine = relaying.sync_engine
    generate_customers(engine, tenant_id(engine, api.slug), CUSTOMERS, seed=13)
    job = job_pk(await request_export(api))
    relaying.relay.relay_once()
    grace = {"FOYER_SHUTDOWN_GRACE_SECONDS": str(GRACE)}

    first = start_worker_process(relaying.settings, **grace)
    second = None
    try:
        wait_for(engine, job, lambda r: r.status == "RUNNING" and r.progress > 0, seconds=120)
        asked = time.monotonic()
        first.send_signal(signal.SIGTERM)
        code = first.wait(timeout=GRACE + MARGIN)
        took = time.monotonic() - asked
        handed_back = job_row(engine, job)

        assert relaying.relay.relay_once() >= 1  # the message written with the hand-back
        second = start_worker_process(relaying.settings, **grace)
        done = wait_for(engine, job, lambda r: r.status == "SUCCEEDED", seconds=180)
    finally:
        for process in (p for p in (first, second) if p is not None and p.poll() is None):
            process.terminate()
            process.wait(timeout=30)

    print(f"exited {took:.1f} s after SIGTERM")
    assert code == 0 and took < GRACE + MARGIN
    assert handed_back.status == "PENDING" and 0 < handed_back.progress < CUSTOMERS
    assert handed_back.lease_holder is None
    assert (done.attempts, done.progress, done.total) == (2, CUSTOMERS, CUSTOMERS)
