"""A mailing's sendings reach the record's history and the recipients' timelines a batch at
a time, each once. A worker killed after marking deliveries SENT and before writing their
batch's notes leaves them due: the run's finish writes them before its job succeeds, a copy
of the batch delivered again writes them even when the run was cancelled meanwhile, and a
customer erased in between gets a note that keeps nothing of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select

from domain.mailings.runs import DeliveryStatus
from infra.composition import Runtime, build_runtime
from infra.db import mailing_sending as sending
from infra.db import tables as t
from infra.db.mailing_notes import note_run
from infra.db.reminder_queue import sending_connection
from infra.settings import Settings
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.integration.mailing_fixtures import (
    CANCEL,
    Audience,
    audience,
    create_mailing,
    deliveries,
    job_pk,
    noted,
    send,
)
from tests.integration.test_erasure import ERASE
from workers.dependencies import WorkerDependencies
from workers.mailings import finish_if_done, run_mailing, send_mailing_batch


@dataclass
class Started:
    runtime: Runtime
    people: Audience
    mailing: str
    job: int
    queued: list[Any]

    @property
    def engine(self) -> Engine:
        return self.runtime.sync_engine

    @property
    def deps(self) -> WorkerDependencies:
        return WorkerDependencies(self.engine, self.runtime.files, self.runtime.mail)


@pytest.fixture
async def started(api: Api, settings: Settings) -> AsyncIterator[Started]:
    """A run resolved, its batches handed to the outbox and left there (a runtime of its
    own, nothing relaying), and every delivery marked SENT with no note written: what a
    worker killed at the end of its batch leaves."""
    runtime = build_runtime(settings.model_copy(update={"queue_prefix": "foyer-test-notes"}))
    engine = runtime.sync_engine
    try:
        people = await audience(api, engine, 60, seed=11)
        mailing = await create_mailing(api, people.preference)
        job = job_pk((await send(api, mailing, people.list_id))["job"])
        run_mailing(WorkerDependencies(engine, runtime.files, runtime.mail), job)
        queued = [r for r in deliveries(engine, people.tenant_id) if r.status == "QUEUED"]
        assert {r.customer_id for r in queued} == set(people.expected)
        with sending_connection(engine) as db:
            for row in queued:
                sending.record(db, row.id, DeliveryStatus.SENT, f"Spring, {row.customer_id}")
            db.commit()
        yield Started(runtime, people, mailing, job, queued)
    finally:
        await runtime.close()


def summaries(engine: Engine, tenant: int) -> dict[int, str]:
    e = t.timeline_entry.c
    with engine.connect() as db:
        found = db.execute(
            select(e.customer_id, e.summary).where(e.tenant_id == tenant, e.type == "MAILING_SENT")
        )
        return dict(found.all())


def job_status(engine: Engine, job: int) -> str:
    with engine.connect() as db:
        return str(db.execute(select(t.job.c.status).where(t.job.c.id == job)).scalar_one())


async def test_the_runs_finish_writes_each_note_a_killed_batch_left_due_once(
    started: Started,
) -> None:
    engine, people, run_id = started.engine, started.people, started.queued[0].run_id
    assert noted(engine, people.tenant_id) == Counter()
    assert all(r.notes_due for r in deliveries(engine, people.tenant_id) if r.status == "SENT")

    finish_if_done(engine, run_id, started.job)
    finish_if_done(engine, run_id, started.job)  # the finish seen twice writes nothing more
    with engine.begin() as db:
        assert note_run(db, run_id) == 0

    assert noted(engine, people.tenant_id) == Counter(dict.fromkeys(people.expected, 1))
    assert not any(r.notes_due for r in deliveries(engine, people.tenant_id))
    # Each entry words what its recipient got, from the delivery's own row.
    written = summaries(engine, people.tenant_id)
    assert all(f"Spring, {customer}" in written[customer] for customer in people.expected)
    assert job_status(engine, started.job) == "SUCCEEDED"


async def test_a_batch_delivered_again_after_a_cancel_still_writes_what_it_sent(
    api: Api, started: Started
) -> None:
    engine, people = started.engine, started.people
    assert (await api.data(CANCEL, {"m": started.mailing}))["cancelMailing"]["errors"] == []
    send_mailing_batch(started.deps, [r.id for r in started.queued])  # the copy, redelivered

    assert noted(engine, people.tenant_id) == Counter(dict.fromkeys(people.expected, 1))
    assert not any(r.notes_due for r in deliveries(engine, people.tenant_id))


async def test_a_customer_erased_before_the_note_gets_one_that_keeps_nothing_of_them(
    api: Api, started: Started
) -> None:
    engine, people = started.engine, started.people
    erased = started.queued[0]
    with engine.connect() as db:
        kind, reference = db.execute(
            select(t.customer.c.kind, t.customer.c.reference).where(
                t.customer.c.id == erased.customer_id
            )
        ).one()
    typename = "Individual" if kind == "INDIVIDUAL" else "Organisation"
    customer = to_global_id(typename, erased.customer_id)
    answer = await api.data(ERASE, {"id": customer, "reason": "Asked", "confirm": reference})
    assert answer["eraseCustomer"]["errors"] == []

    finish_if_done(engine, erased.run_id, started.job)

    assert noted(engine, people.tenant_id) == Counter(dict.fromkeys(people.expected, 1))
    entry = summaries(engine, people.tenant_id)[erased.customer_id]
    assert erased.address not in entry and f"Spring, {erased.customer_id}" not in entry
    assert "[erased]" in entry
    e, h = t.timeline_entry.c, t.record_change.c
    with engine.connect() as db:
        [facts] = db.execute(
            select(h.facts)
            .join(t.timeline_entry, e.change_id == h.id)
            .where(e.customer_id == erased.customer_id, e.type == "MAILING_SENT")
        ).scalars()
    assert erased.address not in str(facts) and f"Spring, {erased.customer_id}" not in str(facts)
    row = next(r for r in deliveries(engine, people.tenant_id) if r.id == erased.id)
    assert (row.status, row.address, row.subject) == ("SENT", None, None)
    # The others keep theirs.
    other = started.queued[1]
    assert other.address in summaries(engine, people.tenant_id)[other.customer_id]
