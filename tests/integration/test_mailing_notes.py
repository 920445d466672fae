"""A mailing's sendings reach the record's history and the recipients' timelines a batch at
a time, each once. A worker killed after marking deliveries SENT and before writing their
batch's notes leaves them due; the run's finish writes them before its job succeeds, and
writing again writes nothing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from domain.mailings.runs import DeliveryStatus
from infra.composition import build_runtime
from infra.db import mailing_sending as sending
from infra.db import tables as t
from infra.db.mailing_notes import write_notes
from infra.db.reminder_queue import sending_connection
from infra.settings import Settings
from tests.conftest import Api
from tests.integration.mailing_fixtures import (
    audience,
    create_mailing,
    deliveries,
    job_pk,
    noted,
    send,
)
from workers.dependencies import WorkerDependencies
from workers.mailings import ACTOR, finish_if_done, run_mailing


async def test_the_runs_finish_writes_each_note_a_killed_batch_left_due_once(
    api: Api, settings: Settings
) -> None:
    # A runtime of its own and nothing relaying: the run's batches stay in the outbox.
    runtime = build_runtime(settings.model_copy(update={"queue_prefix": "foyer-test-notes"}))
    engine = runtime.sync_engine
    try:
        people = await audience(api, engine, 60, seed=11)
        mailing = await create_mailing(api, people.preference)
        job = job_pk((await send(api, mailing, people.list_id))["job"])
        run_mailing(WorkerDependencies(engine, runtime.files, runtime.mail), job)
        queued = [r for r in deliveries(engine, people.tenant_id) if r.status == "QUEUED"]
        assert {r.customer_id for r in queued} == set(people.expected)

        # What a worker killed at the end of its batch leaves: every mail marked SENT (with
        # the subject its recipient got), no note written.
        with sending_connection(engine) as db:
            for row in queued:
                sending.record(db, row.id, DeliveryStatus.SENT, f"Spring, {row.customer_id}")
            db.commit()
        assert noted(engine, people.tenant_id) == Counter()
        assert all(r.notes_due for r in deliveries(engine, people.tenant_id) if r.status == "SENT")

        finish_if_done(engine, queued[0].run_id, job)
        finish_if_done(engine, queued[0].run_id, job)  # the finish seen twice writes nothing more
        with engine.begin() as db:
            assert write_notes(db, ACTOR, run_id=queued[0].run_id) == 0
        e = t.timeline_entry.c
        with engine.connect() as db:
            summaries = dict(
                db.execute(
                    select(e.customer_id, e.summary).where(
                        e.tenant_id == people.tenant_id, e.type == "MAILING_SENT"
                    )
                ).all()
            )
            status = db.execute(select(t.job.c.status).where(t.job.c.id == job)).scalar_one()
        sendings, rows = noted(engine, people.tenant_id), deliveries(engine, people.tenant_id)
    finally:
        await runtime.close()

    assert sendings == Counter(dict.fromkeys(people.expected, 1))
    assert not any(r.notes_due for r in rows)
    # Each entry words what its recipient got, from the delivery's own row.
    assert all(f"Spring, {customer}" in summaries[customer] for customer in people.expected)
    assert status == "SUCCEEDED"
