"""Leases, the sweeper and the retry policy on both backends: a job whose worker vanished
goes back to the queue and finishes; one out of attempts is FAILED with the reason; a worker
that lost its lease stops; a job whose input is wrong fails at once; an export that fails
leaves no temporary file; a worker told to stop hands a long export back between batches."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import dramatiq
import pytest
from dramatiq.broker import MessageProxy
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from sqlalchemy import insert, update

from infra.clock import utc_now
from infra.composition import Runtime, build_runtime, start_worker, stop_worker
from infra.db import job_progress
from infra.db import tables as t
from infra.db.leases import HeldElsewhere, Holder, LeaseLost, heir
from infra.db.unit_of_work import outbox_row
from infra.demo.generator import generate_customers
from infra.settings import Settings
from infra.sweeper import sweep_jobs
from tests.conftest import Api
from tests.integration.jobs import job_row, request_export, tenant_id, wait_for
from tests.integration.test_export_pipeline import job_pk, worker  # noqa: F401
from workers.retry_policy import RetryPolicy, RetrySchedule, attempt_holder

pytestmark = pytest.mark.usefixtures("worker")
A_MOMENT = timedelta(milliseconds=200)
AN_ATTEMPT = timedelta(seconds=30)  # a lease that lasts the whole test


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def temporary_files(folder: Path) -> list[str]:
    return [name for name in files_in(folder) if name.endswith(".partial")]


def mark_messages_sent(runtime: Runtime, job: int) -> None:
    """As if the job's message had gone to a worker that then vanished with it."""
    o = t.outbox_message.c
    with runtime.sync_engine.begin() as db:
        db.execute(
            update(t.outbox_message)
            .where(o.sent_at.is_(None), o.arguments["job_id"].as_integer() == job)
            .values(sent_at=utc_now())
        )


async def export_nobody_took(api: Api, runtime: Runtime) -> int:
    """An export job whose message went nowhere: the test plays its attempts."""
    job = job_pk(await request_export(api))
    mark_messages_sent(runtime, job)
    return job


def held_by_a_vanished_worker(runtime: Runtime, job: int, tenant: int) -> Path:
    """Claim the job as a worker would, leave half a file as it would, and never come back."""
    assert job_progress.claim(runtime.sync_engine, job, Holder("vanished", A_MOMENT))
    final = runtime.files.path_for(tenant, f"customers-{job}.xlsx")
    partial = runtime.files.temporary_path(final, job)
    partial.write_bytes(b"half a sheet")
    return partial


async def test_a_job_whose_worker_vanished_is_sent_again_by_the_sweeper_and_finishes(
    api: Api, runtime: Runtime
) -> None:
    job = await export_nobody_took(api, runtime)
    partial = held_by_a_vanished_worker(runtime, job, tenant_id(runtime.sync_engine, api.slug))
    assert sweep_jobs(runtime.sync_engine, runtime.files, max_attempts=5) == (0, 0)  # still held

    await asyncio.sleep(A_MOMENT.total_seconds())
    swept = sweep_jobs(runtime.sync_engine, runtime.files, max_attempts=5)
    assert (swept, partial.exists()) == ((1, 0), False)
    assert job_row(runtime.sync_engine, job).status == "PENDING"
    assert runtime.relay.relay_once() >= 1

    done = wait_for(runtime.sync_engine, job, lambda r: r.status == "SUCCEEDED")
    assert (done.attempts, done.lease_holder, done.lease_expires_at) == (2, None, None)
    assert temporary_files(partial.parent) == []


async def test_a_job_that_keeps_losing_its_worker_is_failed_with_the_reason(
    api: Api, runtime: Runtime
) -> None:
    job = await export_nobody_took(api, runtime)
    partial = held_by_a_vanished_worker(runtime, job, tenant_id(runtime.sync_engine, api.slug))
    await asyncio.sleep(A_MOMENT.total_seconds())

    assert sweep_jobs(runtime.sync_engine, runtime.files, max_attempts=1) == (0, 1)

    row = job_row(runtime.sync_engine, job)
    assert row.status == "FAILED" and "stopped without finishing 1 times" in row.error
    assert not partial.exists()


async def test_a_worker_whose_lease_was_given_to_another_is_told_at_its_next_report(
    api: Api, runtime: Runtime
) -> None:
    job = await export_nobody_took(api, runtime)
    stalled = Holder("stalled", A_MOMENT)
    assert job_progress.claim(runtime.sync_engine, job, stalled)
    await asyncio.sleep(A_MOMENT.total_seconds())
    sweep_jobs(runtime.sync_engine, runtime.files, max_attempts=5)
    runtime.relay.relay_once()
    wait_for(runtime.sync_engine, job, lambda r: r.status == "SUCCEEDED")

    with pytest.raises(LeaseLost):
        job_progress.report_progress(runtime.sync_engine, job, 1, 1, stalled)
    assert not job_progress.release(runtime.sync_engine, job, "stalled", send_again=True)
    assert job_row(runtime.sync_engine, job).status == "SUCCEEDED"


async def test_a_copy_of_a_running_jobs_message_waits_while_the_retry_takes_it_over_at_once(
    api: Api, runtime: Runtime
) -> None:
    engine, lease = runtime.sync_engine, AN_ATTEMPT
    job = await export_nobody_took(api, runtime)
    working = Holder.attempt("message", 0, "first", lease)
    copy = Holder.attempt("message", 0, "copy", lease)  # the broker's second delivery
    assert job_progress.claim(engine, job, working)

    with pytest.raises(HeldElsewhere) as held:
        job_progress.claim(engine, job, copy)
    assert held.value.until > utc_now() + lease / 2
    job_progress.postpone(engine, job, working, heir("message", 1), 0)  # failed: retry due
    with pytest.raises(HeldElsewhere):
        job_progress.claim(engine, job, copy)
    retry = Holder.attempt("message", 1, "retry", lease)
    assert job_progress.claim(engine, job, retry)

    assert job_row(engine, job).lease_holder == retry.delivery
    assert job_progress.release(engine, job, retry.delivery, send_again=True)
    runtime.relay.relay_once()
    assert wait_for(engine, job, lambda r: r.status == "SUCCEEDED").attempts == 3


async def test_an_attempt_that_fails_for_the_world_hands_its_lease_to_its_retry(
    api: Api, runtime: Runtime
) -> None:
    engine, lease = runtime.sync_engine, AN_ATTEMPT
    job = await export_nobody_took(api, runtime)
    broker = StubBroker()
    broker.declare_queue("exports")
    policy = RetryPolicy(engine, RetrySchedule(timedelta(hours=1), 0.01, 0.02), lease)
    sent = dramatiq.Message("exports", "export_customers", (), {"job_id": job}, {})
    attempt = MessageProxy(sent)
    policy.before_process_message(broker, attempt)
    assert job_progress.claim(engine, job, attempt_holder(attempt, lease))

    policy.after_process_message(broker, attempt, exception=ConnectionResetError("reset"))

    row = job_row(engine, job)
    assert (row.status, row.lease_holder) == ("PENDING", heir(sent.message_id, 1))
    queued = broker.queues[dq_name("exports")].get_nowait()
    retry = MessageProxy(dramatiq.Message.decode(queued))
    # The first attempt's message delivered again, as the broker sent it.
    as_sent = {"job_id": job}, {}, sent.message_id, sent.message_timestamp
    copy = MessageProxy(dramatiq.Message("exports", "export_customers", (), *as_sent))
    for proxy in (retry, copy):
        policy.before_process_message(broker, proxy)
    with pytest.raises(HeldElsewhere):
        job_progress.claim(engine, job, attempt_holder(copy, lease))
    assert job_progress.claim(engine, job, attempt_holder(retry, lease))
    assert job_progress.release(engine, job, attempt_holder(retry, lease).delivery, send_again=True)
    runtime.relay.relay_once()
    wait_for(engine, job, lambda r: r.status == "SUCCEEDED")


async def test_a_job_whose_parameters_are_invalid_fails_at_once_with_the_reason(
    api: Api, runtime: Runtime
) -> None:
    tenant = tenant_id(runtime.sync_engine, api.slug)
    values = {"tenant_id": tenant, "kind": "CUSTOMER_EXPORT", "status": "PENDING"}
    values |= {"parameters": {"kind": "DRAGON"}, "progress": 0, "requested_by": "test"}
    with runtime.sync_engine.begin() as db:
        job = db.execute(
            insert(t.job).values(**values, attempts=0, created_at=utc_now()).returning(t.job.c.id)
        ).scalar_one()
        db.execute(
            insert(t.outbox_message).values(
                **outbox_row(tenant, "export_customers", {"job_id": job})
            )
        )
    runtime.relay.relay_once()

    row = wait_for(runtime.sync_engine, job, lambda r: r.status == "FAILED")
    assert row.attempts == 1
    assert row.error.startswith("The job failed after 1 attempt: ValueError:")
    assert "DRAGON" in row.error


async def test_an_export_that_fails_leaves_no_temporary_file(
    api: Api, runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where openpyxl streams its sheet
    tenant = tenant_id(runtime.sync_engine, api.slug)
    generate_customers(runtime.sync_engine, tenant, 50, seed=3)
    job = job_pk(await request_export(api))
    final = runtime.files.path_for(tenant, f"customers-{job}.xlsx")
    final.mkdir()  # the finished file cannot take its name: publishing fails

    runtime.relay.relay_once()
    row = wait_for(runtime.sync_engine, job, lambda r: r.status == "FAILED")

    assert "IsADirectoryError" in row.error
    assert temporary_files(final.parent) == []
    assert files_in(tmp_path) == []


@pytest.fixture
async def stopping_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Workers with no grace at all: told to stop, a job longer than a batch hands back."""
    prefix = settings.queue_prefix + "-stopping"
    built = build_runtime(
        settings.model_copy(update={"queue_prefix": prefix, "shutdown_grace_seconds": 0})
    )
    yield built
    await built.close()


@pytest.fixture
def stopping_worker(stopping_runtime: Runtime) -> Iterator[dramatiq.Worker]:
    yield start_worker(stopping_runtime, threads=1)


async def test_a_worker_told_to_stop_hands_a_long_export_back_between_batches(
    api: Api, runtime: Runtime, stopping_runtime: Runtime, stopping_worker: dramatiq.Worker
) -> None:
    engine = runtime.sync_engine
    generate_customers(engine, tenant_id(engine, api.slug), 5_000, seed=5)
    job = job_pk(await request_export(api))
    stopping_runtime.relay.relay_once()
    wait_for(engine, job, lambda r: r.status == "RUNNING", seconds=60)

    stop_worker(stopping_runtime, stopping_worker)

    handed_back = job_row(engine, job)
    assert (handed_back.status, handed_back.attempts) == ("PENDING", 1)
    assert 0 < handed_back.progress < 5_000 and handed_back.lease_holder is None
    assert runtime.relay.relay_once() >= 1  # its message, written with the hand-back
    done = wait_for(engine, job, lambda r: r.status == "SUCCEEDED", seconds=120)
    assert (done.attempts, done.progress) == (2, 5_000)
