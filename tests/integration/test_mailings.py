"""A mailing to a thousand customers through a real SMTP server (aiosmtpd on loopback): each
consenting one gets exactly one message, with its unsubscribe headers; everyone else is
skipped and counted by why; each recipient's timeline shows it; a second run of the same
mailing sends nobody anything twice; a run can be cancelled and scheduled."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import dramatiq
import pytest
from dramatiq.broker import MessageProxy
from sqlalchemy import select, update

from domain.consent.ledger import ConsentState
from domain.mailings.runs import DeliveryStatus
from domain.segments.criteria import ConsentCriterion, to_json
from infra.clock import utc_now
from infra.composition import Runtime
from infra.db import insights_tables as i
from infra.db import mailing_recipients, mailing_sending
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.leases import LeaseLost
from infra.db.mailing_sending import reserve_pace
from infra.scheduling import start_due_mailings
from infra.sweeper import Sweeper, sweep_jobs
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.integration.jobs import job_row, tenant_id
from tests.integration.mailing_fixtures import (
    CANCEL,
    JOB,
    Audience,
    audience,
    create_mailing,
    deliveries,
    freeze_list,
    job_finished,
    job_pk,
    send,
    settle,
    smtp_fixtures,
)
from tests.integration.test_mail_transport import Mailbox
from workers.dependencies import WorkerDependencies
from workers.mailings import run_mailing
from workers.retry_policy import RetryPolicy, RetrySchedule, attempt_holder

CUSTOMERS = 1_000
SKIPPED = {s.value for s in DeliveryStatus if s.value.startswith("SKIPPED_")}
TIMELINE = """query($id: ID!) { customer(id: $id) { timeline(first: 20, types: [MAILING_SENT]) {
  edges { node { summary subject { __typename ... on Mailing { name } } } } } } }"""
DELIVERIES = """query($id: ID!, $s: [MailingDeliveryStatus!]) { mailing(id: $id) {
  runs { status counts { status count } }
  deliveries(status: $s, first: 100) { edges { node { status address messageId subject } }
  pageInfo { hasNextPage } } } }"""


mailbox, sender = smtp_fixtures("mailings")


def arrived(mailbox: Mailbox, rows: list) -> Counter[str]:
    ids = {f"<mailing-delivery-{r.id}@foyer>" for r in rows}
    return Counter(
        str(x.message["Message-ID"]) for x in mailbox.received if x.message["Message-ID"] in ids
    )


async def test_a_mailing_reaches_each_consenting_customer_exactly_once_and_counts_the_rest(
    api: Api, sender: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    engine = sender.sync_engine
    people = await audience(api, engine, CUSTOMERS)
    erased = next(iter(people.expected))
    reference = (
        engine.connect()
        .execute(select(t.customer.c.reference).where(t.customer.c.id == erased))
        .scalar_one()
    )
    erase = """mutation($id: ID!, $r: String!) { eraseCustomer(customerId: $id, reason: "asked",
      confirmReference: $r) { errors { message } } }"""
    gone = await api.data(erase, {"id": to_global_id("Individual", erased), "r": reference})
    if gone["eraseCustomer"]["errors"]:  # an Organisation
        gone = await api.data(erase, {"id": to_global_id("Organisation", erased), "r": reference})
    assert gone["eraseCustomer"]["errors"] == []
    expected = {k: v for k, v in people.expected.items() if k != erased}
    mailing = await create_mailing(api, people.preference)

    started = await send(api, mailing, people.list_id)
    assert started["errors"] == [] and started["run"]["status"] == "SENDING"
    job = job_pk(started["job"])
    settle(sender, job_finished(engine, job))

    rows = deliveries(engine, people.tenant_id)
    sent = {r.customer_id: r.address for r in rows if r.status == "SENT"}
    assert sent == expected
    counts = arrived(mailbox[0], rows)
    assert len(counts) == len(expected) and set(counts.values()) == {1}
    statuses = Counter(r.status for r in rows)
    assert statuses["SKIPPED_ERASED"] == 1 and statuses["SKIPPED_DECEASED"] > 0
    assert statuses["SKIPPED_INACTIVE"] > 0 and statuses["SKIPPED_NO_EMAIL"] > 0
    assert statuses["SKIPPED_NO_CONSENT"] > 0 and sum(statuses.values()) == CUSTOMERS
    found = (await api.data(JOB, {"id": started["job"]["id"]}))["job"]
    figures = {f["name"]: f["value"] for f in found["summary"]}
    assert found["status"] == "SUCCEEDED" and found["progress"] == found["total"] == len(expected)
    assert figures["sent"] == len(expected) and figures["queued"] == 0
    assert figures["skippedNoConsent"] == statuses["SKIPPED_NO_CONSENT"]

    first_sent = next(r.id for r in rows if r.status == "SENT")
    one = next(
        x.message
        for x in mailbox[0].received
        if x.message["Message-ID"] == f"<mailing-delivery-{first_sent}@foyer>"
    )
    assert one["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = await api.data(DELIVERIES, {"id": mailing, "s": ["SENT"]})
    # Each delivery keeps the subject its recipient got, written for them.
    subjects = {str(x.message["Message-ID"]): x.message["Subject"] for x in mailbox[0].received}
    page = [e["node"] for e in sent["mailing"]["deliveries"]["edges"]]
    assert page and all(n["subject"] == subjects[n["messageId"]] for n in page)
    assert all(n["subject"].startswith("Spring at ") for n in page)
    assert len({n["subject"] for n in page}) > 1  # written for each: first names differ
    skipped = await api.data(DELIVERIES, {"id": mailing, "s": ["SKIPPED_DECEASED"]})
    assert {e["node"]["subject"] for e in skipped["mailing"]["deliveries"]["edges"]} == {None}
    https, mailto = [part.strip(" <>") for part in one["List-Unsubscribe"].split(",")]
    assert "/unsubscribe/" in https and mailto.startswith("mailto:")
    html = one.get_body(("html",)).get_content()
    text = one.get_body(("plain",)).get_content()
    assert "/preferences/" in html and "/preferences/" in text and "Dear " in text
    customer = next(iter(expected))
    kind = (
        "Individual"
        if engine.connect()
        .execute(select(t.customer.c.kind).where(t.customer.c.id == customer))
        .scalar_one()
        == "INDIVIDUAL"
        else "Organisation"
    )
    timeline = await api.data(TIMELINE, {"id": to_global_id(kind, customer)})
    [entry] = [e["node"] for e in timeline["customer"]["timeline"]["edges"]]
    assert entry["subject"] == {"__typename": "Mailing", "name": "Spring season"}
    assert expected[customer] in entry["summary"]
    listed = await api.data(DELIVERIES, {"id": mailing, "s": ["SKIPPED_DECEASED"]})
    nodes = [e["node"] for e in listed["mailing"]["deliveries"]["edges"]]
    assert {n["status"] for n in nodes} == {"SKIPPED_DECEASED"}
    assert len(nodes) == statuses["SKIPPED_DECEASED"]

    again = await send(api, mailing, people.list_id)  # the same mailing, the same people
    settle(sender, job_finished(engine, job_pk(again["job"])))
    second = [r for r in deliveries(engine, people.tenant_id) if r.run_id != rows[0].run_id]
    assert Counter(r.status for r in second)["SKIPPED_ALREADY_SENT"] == len(expected)
    assert not any(r.status == "SENT" for r in second)
    assert set(arrived(mailbox[0], rows).values()) == {1}


class _Killed(BaseException):
    """The worker dying: nothing after it runs in that attempt."""


async def _sent_in_chunks_of_25(
    api: Api, sender: Runtime, seed: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[Audience, str, dict[str, Any]]:
    """A mailing sent to 120 customers, its run job not yet run, whose recipients will be
    written 25 at a time."""
    people = await audience(api, sender.sync_engine, 120, seed=seed)
    mailing = await create_mailing(api, people.preference)
    monkeypatch.setattr(mailing_recipients, "RESOLVE_CHUNK", 25)
    return people, mailing, await send(api, mailing, people.list_id)


def _before_chunk(number: int, happening: Callable[[], None], patch: pytest.MonkeyPatch) -> None:
    """`happening` runs as the resolving attempt is about to write chunk `number` (from 1),
    before it looks whether its run is still sending."""
    still_sending, looks = mailing_recipients._sending, []

    def looks_at_the_run(db: Any, run: Any) -> bool:
        looks.append(run)
        if len(looks) == number:
            happening()
        return still_sending(db, run)

    patch.setattr(mailing_recipients, "_sending", looks_at_the_run)


async def test_a_run_killed_while_resolving_resolves_the_rest_when_sent_again_and_sends_each_once(
    api: Api, sender: Runtime, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sender.sync_engine
    people, _, started = await _sent_in_chunks_of_25(api, sender, 23, monkeypatch)
    job = job_pk(started["job"])
    write_chunk, chunks = mailing_recipients._resolve_chunk, []

    def dies_on_the_third(*args: Any) -> None:
        chunks.append(args)
        if len(chunks) == 3:
            raise _Killed
        write_chunk(*args)

    with monkeypatch.context() as patch:
        patch.setattr(mailing_recipients, "_resolve_chunk", dies_on_the_third)
        with pytest.raises(_Killed):
            run_mailing(WorkerDependencies(engine, sender.files, sender.mail), job)

    # Two chunks were written, and their batches go while the run is not resolved: the
    # batch that sends the last of them does not finish the run.
    assert len(deliveries(engine, people.tenant_id)) == 50
    settle(sender, lambda: all(r.status != "QUEUED" for r in deliveries(engine, people.tenant_id)))
    first = [r for r in deliveries(engine, people.tenant_id) if r.status == "SENT"]
    assert first and job_row(engine, job).status == "RUNNING"
    with engine.connect() as db:
        run = db.execute(select(m.mailing_run).where(m.mailing_run.c.job_id == job)).one()
    assert run.status == "SENDING" and run.resolved_at is None

    # The dead attempt's lease runs out; the sweeper sends the run job again.
    with engine.begin() as db:
        db.execute(
            update(t.job)
            .where(t.job.c.id == job)
            .values(lease_expires_at=utc_now() - timedelta(seconds=1))
        )
    sweep_jobs(engine, sender.files, max_attempts=5)
    settle(sender, job_finished(engine, job))

    rows = deliveries(engine, people.tenant_id)
    assert {r.customer_id: r.address for r in rows if r.status == "SENT"} == people.expected
    assert len(rows) == 120 and set(arrived(mailbox[0], rows).values()) == {1}
    found = (await api.data(JOB, {"id": started["job"]["id"]}))["job"]
    assert found["status"] == "SUCCEEDED"
    assert found["progress"] == found["total"] == len(people.expected)


async def test_an_attempt_that_lost_its_run_job_stops_writing_recipients_and_undoes_its_chunk(
    api: Api, sender: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sender.sync_engine
    people, _, started = await _sent_in_chunks_of_25(api, sender, 31, monkeypatch)
    job = job_pk(started["job"])

    def taken_over() -> None:  # it stalled past its lease: the sweeper gave the job to another
        with engine.begin() as other:
            other.execute(update(t.job).where(t.job.c.id == job).values(lease_holder="another"))

    _before_chunk(2, taken_over, monkeypatch)
    with pytest.raises(LeaseLost):
        run_mailing(WorkerDependencies(engine, sender.files, sender.mail), job)

    assert len(deliveries(engine, people.tenant_id)) == 25
    assert job_row(engine, job).total == len(
        [r for r in deliveries(engine, people.tenant_id) if r.status == "QUEUED"]
    )
    with engine.begin() as db:  # done with it
        db.execute(
            update(m.mailing_delivery)
            .where(m.mailing_delivery.c.tenant_id == people.tenant_id)
            .values(status="CANCELLED")
        )
        db.execute(update(t.job).where(t.job.c.id == job).values(status="FAILED"))


async def test_cancelling_a_run_while_its_recipients_are_written_stops_the_writing(
    api: Api, sender: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sender.sync_engine
    people, mailing, started = await _sent_in_chunks_of_25(api, sender, 29, monkeypatch)
    job = job_pk(started["job"])
    two_written, cancelled = threading.Event(), threading.Event()

    def waits_for_the_cancel() -> None:
        two_written.set()
        assert cancelled.wait(30)

    _before_chunk(3, waits_for_the_cancel, monkeypatch)
    deps = WorkerDependencies(engine, sender.files, sender.mail)
    resolving = asyncio.ensure_future(asyncio.to_thread(run_mailing, deps, job))
    assert await asyncio.to_thread(two_written.wait, 30)
    assert (await api.data(CANCEL, {"m": mailing}))["cancelMailing"]["errors"] == []
    cancelled.set()
    await resolving

    rows = deliveries(engine, people.tenant_id)
    assert len(rows) == 50 and {r.status for r in rows} <= {"CANCELLED", *SKIPPED}
    with engine.connect() as db:
        run = db.execute(select(m.mailing_run).where(m.mailing_run.c.job_id == job)).one()
    assert run.status == "CANCELLED" and run.resolved_at is None
    assert job_row(engine, job).status == "FAILED"


async def test_a_segment_is_resolved_when_the_run_starts(
    api: Api, sender: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    engine = sender.sync_engine
    people = await audience(api, engine, 60, seed=5)
    criteria = ConsentCriterion(ConsentState.GRANTED, preference_id=people.preference["pk"])
    now = utc_now()
    with engine.begin() as db:
        segment = db.execute(
            i.segment.insert()
            .values(
                tenant_id=people.tenant_id,
                name="Granting email",
                description="",
                criteria=to_json(criteria),
                owner_kind="API_KEY",
                owner_id=0,
                owner="test",
                shared=True,
                created_at=now,
                updated_at=now,
            )
            .returning(i.segment.c.id)
        ).scalar_one()
    mailing = await create_mailing(api, people.preference)

    started = await send(api, mailing, s=to_global_id("Segment", segment))
    settle(sender, job_finished(engine, job_pk(started["job"])))

    rows = deliveries(engine, people.tenant_id)
    assert {r.customer_id for r in rows if r.status == "SENT"} == set(people.expected)
    assert set(arrived(mailbox[0], rows).values()) == {1}


async def test_cancelling_stops_the_run_and_fails_its_job_with_who_cancelled(
    api: Api, sender: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    engine = sender.sync_engine
    people = await audience(api, engine, 30, seed=11)
    mailing = await create_mailing(api, people.preference)
    later = (utc_now() + timedelta(hours=1)).isoformat()
    started = await send(api, mailing, people.list_id, at=later)
    assert started["run"]["status"] == "SCHEDULED"

    busy = await send(api, mailing, people.list_id)
    cancelled = (await api.data(CANCEL, {"m": mailing}))["cancelMailing"]
    again = (await api.data(CANCEL, {"m": mailing}))["cancelMailing"]

    assert busy["errors"][0]["code"] == "CONFLICT"
    assert cancelled["errors"] == []
    assert cancelled["mailing"]["runs"][0]["status"] == "CANCELLED"
    assert again["errors"][0]["code"] == "CONFLICT"
    found = (await api.data(JOB, {"id": started["job"]["id"]}))["job"]
    assert found["status"] == "FAILED" and "Cancelled by" in found["error"]
    sender.relay.relay_once()
    assert start_due_mailings(engine) == 0
    assert deliveries(engine, people.tenant_id) == []


async def test_deliveries_a_dead_batch_held_when_its_run_was_cancelled_are_cancelled_by_the_sweeper(
    api: Api, sender: Runtime
) -> None:
    engine = sender.sync_engine
    people = await audience(api, engine, 30, seed=13)
    mailing = await create_mailing(api, people.preference)
    started = await send(api, mailing, people.list_id)
    # The run job, as a worker would run it; its batches' messages wait in the outbox.
    run_mailing(WorkerDependencies(engine, sender.files, sender.mail), job_pk(started["job"]))
    o, d = t.outbox_message.c, m.mailing_delivery.c
    with engine.begin() as db:
        db.execute(
            update(t.outbox_message)
            .where(o.tenant_id == people.tenant_id, o.sent_at.is_(None))
            .values(sent_at=utc_now())
        )
        # A batch took them, and dies just after the run is cancelled.
        db.execute(
            update(m.mailing_delivery)
            .where(d.tenant_id == people.tenant_id, d.status == "QUEUED")
            .values(lease_holder="dead", lease_expires_at=utc_now() + timedelta(minutes=5))
        )
    assert (await api.data(CANCEL, {"m": mailing}))["cancelMailing"]["errors"] == []
    held = [r for r in deliveries(engine, people.tenant_id) if r.status == "QUEUED"]
    sweeper = Sweeper(engine, sender.files, sender.settings)
    assert held and sweeper.sweep().deliveries_cancelled == 0  # still held

    # The dead batch's lease runs out (moved rather than waited for: a slow machine must
    # not see it run out before the first sweep).
    with engine.begin() as db:
        db.execute(
            update(m.mailing_delivery)
            .where(d.tenant_id == people.tenant_id, d.lease_holder == "dead")
            .values(lease_expires_at=utc_now() - timedelta(seconds=1))
        )
    assert sweeper.sweep().deliveries_cancelled == len(held)

    rows = deliveries(engine, people.tenant_id)
    assert not any(r.status == "QUEUED" for r in rows)
    assert {r.status for r in rows if r.id in {h.id for h in held}} == {"CANCELLED"}


async def test_a_batch_waiting_to_retry_holds_its_runs_job_so_the_sweeper_leaves_it(
    api: Api, sender: Runtime
) -> None:
    engine, lease = sender.sync_engine, timedelta(seconds=5)
    people = await audience(api, engine, 30, seed=19)
    mailing = await create_mailing(api, people.preference)
    started = await send(api, mailing, people.list_id)
    job = job_pk(started["job"])
    run_mailing(WorkerDependencies(engine, sender.files, sender.mail, lease), job)
    o, d = t.outbox_message.c, m.mailing_delivery.c
    with engine.begin() as db:
        [arguments] = [
            row.arguments
            for row in db.execute(
                update(t.outbox_message)
                .where(o.tenant_id == people.tenant_id, o.sent_at.is_(None))
                .values(sent_at=utc_now())
                .returning(o.task, o.arguments)
            )
            if row.task == "send_mailing_batch"
        ]
    batch = MessageProxy(dramatiq.Message("mail", "send_mailing_batch", (), arguments, {}))
    policy = RetryPolicy(engine, RetrySchedule(timedelta(hours=1), 20, 20), lease)
    policy.before_process_message(sender.broker, batch)
    ids, holder = arguments["delivery_ids"], attempt_holder(batch, lease)
    with engine.begin() as db:
        assert mailing_sending.DELIVERIES.claim(db, ids, holder, utc_now())

    # The mail server is away: the batch waits 10 to 20 s for its retry.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sender.broker, "enqueue", lambda *a, **k: None)  # the retry: not here
        policy.after_process_message(sender.broker, batch, exception=ConnectionResetError("451"))

    held = job_row(engine, job)
    assert held.status == "RUNNING" and held.lease_expires_at > utc_now() + lease
    assert sweep_jobs(engine, sender.files, max_attempts=5) == (0, 0)
    with engine.begin() as db:  # done with it: the run's deliveries go nowhere
        db.execute(
            update(m.mailing_delivery)
            .where(d.tenant_id == people.tenant_id, d.status == "QUEUED")
            .values(status="CANCELLED")
        )
        db.execute(update(t.job).where(t.job.c.id == job).values(status="FAILED"))


async def test_a_scheduled_run_waits_for_its_time_then_the_scheduler_starts_it(
    api: Api, sender: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    engine = sender.sync_engine
    people = await audience(api, engine, 30, seed=13)
    mailing = await create_mailing(api, people.preference)
    started = await send(
        api, mailing, people.list_id, at=(utc_now() + timedelta(hours=2)).isoformat()
    )
    job = job_pk(started["job"])

    def handed_back() -> bool:  # the early message was taken, and the job handed back
        with engine.connect() as db:
            row = db.execute(select(t.job).where(t.job.c.id == job)).one()
        return row.attempts >= 1 and row.status == "PENDING" and row.lease_holder is None

    settle(sender, handed_back)

    assert deliveries(engine, people.tenant_id) == []
    r = m.mailing_run.c
    with engine.begin() as db:  # two hours pass
        db.execute(update(m.mailing_run).where(r.job_id == job).values(send_at=utc_now()))
    assert start_due_mailings(engine) == 1
    assert start_due_mailings(engine) == 0  # a second scheduler starts nothing
    settle(sender, job_finished(engine, job))

    rows = deliveries(engine, people.tenant_id)
    assert {x.customer_id for x in rows if x.status == "SENT"} == set(people.expected)


async def test_an_empty_list_finishes_at_once(api: Api, sender: Runtime) -> None:
    engine = sender.sync_engine
    people = await audience(api, engine, 3, seed=17)
    mailing = await create_mailing(api, people.preference)
    empty = freeze_list(engine, people.tenant_id, [], "Nobody")

    started = await send(api, mailing, empty)
    settle(sender, job_finished(engine, job_pk(started["job"])))

    found = (await api.data(JOB, {"id": started["job"]["id"]}))["job"]
    assert (found["status"], found["total"]) == ("SUCCEEDED", 0)


async def test_workers_sending_for_one_organisation_share_its_pace(
    api: Api, sender: Runtime
) -> None:
    engine, tenant = sender.sync_engine, tenant_id(sender.sync_engine, api.slug)
    assert reserve_pace(engine, tenant, 100) is None  # no limit set
    saved = await api.data(
        "mutation { saveMailSettings(messagesPerSecond: 50) { errors { code } } }"
    )
    assert saved["saveMailSettings"]["errors"] == []

    first = reserve_pace(engine, tenant, 100)  # as two workers' batches would
    second = reserve_pace(engine, tenant, 100)

    assert first is not None and second is not None
    assert first[1] == second[1] == 1 / 50
    assert (second[0] - first[0]).total_seconds() == pytest.approx(2.0, abs=0.01)
