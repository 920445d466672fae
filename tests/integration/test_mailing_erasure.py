"""Erasing a customer reaches their mailing deliveries: none keeps the address it went to or
the subject written for them, and one still to go is skipped as erased, never sent."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.mailings.events import MailingSent
from domain.mailings.runs import DeliveryStatus
from infra.clock import utc_now
from infra.composition import build_runtime
from infra.db import mailing_sending as sending
from infra.db import tables as t
from infra.db.reminder_queue import sending_connection
from infra.settings import Settings
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.integration.mailing_fixtures import (
    CANCEL,
    audience,
    create_mailing,
    deliveries,
    job_pk,
    send,
)
from tests.integration.test_erasure import ERASE
from workers.dependencies import WorkerDependencies
from workers.mailings import ACTOR, run_mailing


async def test_an_erased_customers_deliveries_keep_nothing_of_them(
    api: Api, settings: Settings
) -> None:
    # A runtime of its own and nothing relaying: the run's batches stay in the outbox.
    runtime = build_runtime(settings.model_copy(update={"queue_prefix": "foyer-test-erasure"}))
    engine = runtime.sync_engine
    mailing: str | None = None
    try:
        people = await audience(api, engine, 30, seed=13)
        mailing = await create_mailing(api, people.preference)
        job = job_pk((await send(api, mailing, people.list_id))["job"])
        run_mailing(WorkerDependencies(engine, runtime.files, runtime.mail), job)
        sent, queued, kept = [
            r for r in deliveries(engine, people.tenant_id) if r.status == "QUEUED"
        ][:3]
        c = t.customer.c
        with engine.connect() as db:
            names = dict(
                db.execute(
                    select(c.id, func.coalesce(c.first_name, c.name)).where(
                        c.id.in_([sent.customer_id, kept.customer_id])
                    )
                ).all()
            )
        subjects = {row.id: f"Spring, {names[row.customer_id]}" for row in (sent, kept)}
        with sending_connection(engine) as db:  # as the sender marks a mail handed over
            for row in (sent, kept):
                fact = MailingSent(
                    row.customer_id, row.mailing_id, "Spring season", subjects[row.id], row.address
                )
                done = (people.tenant_id, fact, ACTOR, utc_now())
                sending.record(db, row.id, DeliveryStatus.SENT, done)
            db.commit()
        for row in (sent, queued):
            with engine.connect() as db:
                kind, reference = db.execute(
                    select(t.customer.c.kind, t.customer.c.reference).where(
                        t.customer.c.id == row.customer_id
                    )
                ).one()
            typename = "Individual" if kind == "INDIVIDUAL" else "Organisation"
            erased = await api.data(
                ERASE,
                {
                    "id": to_global_id(typename, row.customer_id),
                    "reason": "Asked",
                    "confirm": reference,
                },
            )
            assert erased["eraseCustomer"]["errors"] == []
        after = {r.id: r for r in deliveries(engine, people.tenant_id)}
        e = t.timeline_entry.c
        with engine.connect() as db:
            entry = db.execute(
                select(e.summary).where(e.customer_id == sent.customer_id, e.type == "MAILING_SENT")
            ).scalar_one()
    finally:
        # The run's batches wait in the outbox: cancelled, another test's relay that sends
        # them on finds nothing to send.
        if mailing is not None:
            await api.data(CANCEL, {"m": mailing})
        await runtime.close()

    assert (after[sent.id].status, after[sent.id].address, after[sent.id].subject) == (
        "SENT",
        None,
        None,
    )
    assert (after[queued.id].status, after[queued.id].address) == ("SKIPPED_ERASED", None)
    assert sent.address not in entry and names[sent.customer_id] not in entry
    assert "[erased]" in entry
    # Another recipient keeps theirs.
    assert after[kept.id].address == kept.address
    assert after[kept.id].subject == subjects[kept.id]
