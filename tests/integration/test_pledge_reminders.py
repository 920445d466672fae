"""Pledge reminders from the daily run to the mail server: the scheduler, the run job, the
sender, an aiosmtpd server on loopback counting what arrives, and a worker killed mid-send."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, insert, select

from infra.clock import utc_now
from infra.composition import Runtime, build_runtime, start_worker
from infra.db import fundraising_tables as f
from infra.db import tables as t
from infra.db.reminder_queue import queue_reminders
from infra.db.unit_of_work import outbox_row
from infra.scheduling import start_daily_runs
from infra.settings import Settings
from resolvers.global_ids import to_global_id
from tests.conftest import Api, _delete_queues
from tests.e2e.consent_fixtures import answer, email_preference
from tests.e2e.fundraising_fixtures import (
    ERRORS,
    REMIND,
    mutate,
    ok,
    pay,
    scheduled_pledge,
    timeline,
)
from tests.e2e.sales_fixtures import catalogue
from tests.e2e.test_customers import create_individual
from tests.e2e.test_returns_reservations_visits import pk
from tests.integration.jobs import tenant_id
from tests.integration.test_killed_worker import KILLED_LEASE, start_worker_process
from tests.integration.test_mail_transport import HOST, Mailbox, free_port, smtp_server
from workers.dependencies import WorkerDependencies
from workers.pledge_reminders import send_pledge_reminders

ERASE = """mutation($id: ID!, $confirm: String!) { eraseCustomer(customerId: $id,
  reason: "Asked to be forgotten", confirmReference: $confirm) { errors { code message } } }"""
SETTINGS = f"""mutation {{ saveReminderSettings(input: {{firstDaysBefore: 5, everyDays: 2,
  maxReminders: 2, subject: "Instalment {{{{ number }}}} of {{{{ amount }}}}"}})
  {{ {ERRORS} }} }}"""
JOB = "query($id: ID!) { job(id: $id) { status summary { name value } } }"


def today() -> date:
    return utc_now().date()


def message_ids(mailbox: Mailbox) -> Counter[str]:
    return Counter(str(received.message["Message-ID"]) for received in mailbox.received)


def reminders(runtime: Runtime, slug: str) -> list[Any]:
    r = f.pledge_reminder.c
    with runtime.sync_engine.connect() as db:
        tenant = tenant_id(runtime.sync_engine, slug)
        query = select(f.pledge_reminder).where(r.tenant_id == tenant).order_by(r.id)
        return list(db.execute(query).all())


def settle(runtime: Runtime, done: Callable[[], bool], seconds: float = 90) -> None:
    """Relay the outbox until `done()` holds: runs write reminders that go out in turn."""
    deadline = time.monotonic() + seconds
    while not done():
        runtime.relay.relay_once()
        assert time.monotonic() < deadline, "the reminders did not settle in time"
        time.sleep(0.05)


def idle(runtime: Runtime) -> bool:
    j = t.job.c
    running = select(func.count()).where(
        j.kind == "PLEDGE_REMINDERS", j.status.in_(("PENDING", "RUNNING"))
    )
    with runtime.sync_engine.connect() as db:
        unfinished = db.execute(running).scalar_one()
    return runtime.relay.relay_once() == 0 and unfinished == 0


def delete_queues(settings: Settings, prefix: str) -> None:
    if not settings.embedded_broker:
        _delete_queues(prefix)


@pytest.fixture(scope="module")
def mailbox(settings: Settings) -> Iterator[tuple[Mailbox, int]]:
    """One mail server per backend: each database numbers its reminders from 1."""
    box, port = Mailbox(), free_port()
    with smtp_server(box, port):
        yield box, port


@pytest.fixture(scope="module")
async def mailing(settings: Settings, mailbox: tuple[Mailbox, int]) -> AsyncIterator[Runtime]:
    """A runtime sending through the test's SMTP server, with workers of its own."""
    prefix = settings.queue_prefix + "-reminders"
    url = SecretStr(f"smtp://{HOST}:{mailbox[1]}")
    built = build_runtime(settings.model_copy(update={"smtp_url": url, "queue_prefix": prefix}))
    worker = start_worker(built, threads=2)
    yield built
    settle(built, lambda: idle(built))  # other organisations' runs started by the scheduler
    worker.stop()
    await built.close()
    delete_queues(settings, prefix)


async def donor(api: Api, name: str, *emails: str) -> str:
    addresses = [{"address": email} for email in emails]
    return (await create_individual(api, firstName=name, lastName="Giver", emails=addresses))["id"]  # type: ignore[no-any-return]


async def pledge_due_in(api: Api, customer: str, fund: str, *days: int, each: int = 1_000) -> Any:
    schedule = [(each, n) for n in days]
    return ok(await scheduled_pledge(api, customer, fund, each * len(days), schedule))["pledge"]


@dataclass
class Donors:
    ada: str
    bo: str
    ada_instalments: list[int]
    bo_instalment: int
    ada_pledge: str


async def organisation_with_pledges(api: Api) -> Donors:
    """Reminders 5 days ahead then every 2, twice: of Ada's instalments due in -1, 3, 5 and 6
    days, the one due in 5 is due reminder 1 today, the one in 3 reminder 2, the others none.
    Bo, who has no email, has one instalment due reminder 1 today."""
    assert (await api.data(SETTINGS))["saveReminderSettings"]["errors"] == []
    fund = (await catalogue(api)).fund
    ada, bo = await donor(api, "Ada", "ada@example.org"), await donor(api, "Bo")
    ada_pledge = await pledge_due_in(api, ada, fund, 5, 3, 6, -1)
    bo_pledge = await pledge_due_in(api, bo, fund, 5)
    instalments = [pk(i["id"]) for i in ada_pledge["instalments"]]
    return Donors(ada, bo, instalments, pk(bo_pledge["instalments"][0]["id"]), ada_pledge["id"])


def start_run(runtime: Runtime, slug: str) -> int:
    """Queue a reminder run for one organisation as the scheduler does but without its
    claim: a run started again by hand, or a second delivery of one."""
    tenant = tenant_id(runtime.sync_engine, slug)
    values = {"tenant_id": tenant, "kind": "PLEDGE_REMINDERS", "status": "PENDING"}
    values |= {"parameters": {}, "progress": 0, "requested_by": "test", "attempts": 0}
    with runtime.sync_engine.begin() as db:
        job = db.execute(
            insert(t.job).values(**values, created_at=utc_now()).returning(t.job.c.id)
        ).scalar_one()
        message = outbox_row(tenant, "run_pledge_reminders", {"job_id": job})
        db.execute(insert(t.outbox_message).values(**message))
    return int(job)


def runs_of(runtime: Runtime, slug: str) -> list[Any]:
    tenant = tenant_id(runtime.sync_engine, slug)
    jobs = select(t.job).where(t.job.c.tenant_id == tenant, t.job.c.kind == "PLEDGE_REMINDERS")
    with runtime.sync_engine.connect() as db:
        return list(db.execute(jobs.order_by(t.job.c.id)).all())


def finished(runtime: Runtime, slug: str, runs: int, due: int) -> Callable[[], bool]:
    """Every run of the organisation done and `due` reminders each sent or skipped."""

    def done() -> bool:
        jobs = runs_of(runtime, slug)
        if len(jobs) != runs or any(j.status != "SUCCEEDED" for j in jobs):
            return False
        rows = reminders(runtime, slug)
        return len(rows) == due and all(r.outcome for r in rows)

    return done


async def summary(api: Api, job: int) -> dict[str, int]:
    found = (await api.data(JOB, {"id": to_global_id("Job", job)}))["job"]
    return {figure["name"]: figure["value"] for figure in found["summary"]}


def sent_mail(mailbox: Mailbox, rows: list[Any]) -> list[Any]:
    """What arrived for the reminders among `rows` marked sent, once per arrival."""
    ids = {message_id(r.id) for r in rows if r.outcome == "SENT"}
    return [m.message for m in mailbox.received if m.message["Message-ID"] in ids]


def message_id(reminder: int) -> str:
    return f"<pledge-reminder-{reminder}@foyer>"


async def test_the_daily_run_reminds_what_is_due_today_and_counts_who_has_no_email(
    api: Api, mailing: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    donors = await organisation_with_pledges(api)
    _, in_3, in_5, _ = donors.ada_instalments

    started = start_daily_runs(mailing.sync_engine, today())
    # Today's run of every organisation the suite has made so far, hundreds by this point,
    # goes through the module's worker with this one's: the wait is for all of them.
    settle(mailing, finished(mailing, api.slug, runs=1, due=3), 60 + started / 2)

    rows = reminders(mailing, api.slug)
    assert {r.instalment_id: (r.number, r.outcome) for r in rows} == {
        in_5: (1, "SENT"),
        in_3: (2, "SENT"),
        donors.bo_instalment: (1, "SKIPPED_NO_EMAIL"),
    }
    arrived = sent_mail(mailbox[0], rows)
    subjects = sorted(m["Subject"] for m in arrived)
    assert subjects == ["Instalment 1 of GBP 10.00", "Instalment 2 of GBP 10.00"]
    assert {m["To"] for m in arrived} == {"Ada Giver <ada@example.org>"}
    [run] = runs_of(mailing, api.slug)
    counted = dict(checked=3, queued=2, skippedNoEmail=1, skippedNoConsent=0, alreadyQueued=0)
    counted |= dict(
        heldByLimits=0, sent=2, failed=0
    )  # how the queued reminders went, after the run
    assert await summary(api, run.id) == counted
    entries = await timeline(api, donors.ada, "PLEDGE_REMINDER")
    assert sorted(e["summary"].split(" for ")[0] for e in entries) == [
        "Pledge reminder 1 sent to ada@example.org",
        "Pledge reminder 2 sent to ada@example.org",
    ]


async def test_two_schedulers_at_once_start_one_run_per_organisation_and_day(
    api: Api, mailing: Runtime
) -> None:
    await organisation_with_pledges(api)
    engine = mailing.sync_engine
    schedulers = [
        threading.Thread(target=start_daily_runs, args=(engine, today())) for _ in range(2)
    ]

    for scheduler in schedulers:
        scheduler.start()
    for scheduler in schedulers:
        scheduler.join(timeout=60)

    assert start_daily_runs(engine, today()) == 0
    [run] = runs_of(mailing, api.slug)
    tenant, o = tenant_id(engine, api.slug), t.outbox_message.c
    with engine.connect() as db:
        claims = db.execute(select(f.reminder_run).where(f.reminder_run.c.tenant_id == tenant))
        runs = db.execute(
            select(o.id).where(o.tenant_id == tenant, o.task == "run_pledge_reminders")
        )
        assert ([c.job_id for c in claims], len(runs.all())) == ([run.id], 1)
    settle(mailing, finished(mailing, api.slug, runs=1, due=3))


async def test_a_second_run_or_a_second_delivery_sends_no_reminder_twice(
    api: Api, mailing: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    donors = await organisation_with_pledges(api)
    deps = WorkerDependencies(mailing.sync_engine, mailing.files, mailing.mail)

    runs = [start_run(mailing, api.slug), start_run(mailing, api.slug)]  # at the same time
    settle(mailing, finished(mailing, api.slug, runs=2, due=3))
    runs.append(start_run(mailing, api.slug))  # and once more afterwards
    settle(mailing, finished(mailing, api.slug, runs=3, due=3))
    for row in reminders(mailing, api.slug):  # as a message delivered twice would
        send_pledge_reminders(deps, [row.id])

    rows = reminders(mailing, api.slug)
    assert sorted(Counter(m["Message-ID"] for m in sent_mail(mailbox[0], rows)).values()) == [1, 1]
    assert len(await timeline(api, donors.ada, "PLEDGE_REMINDER")) == 2
    totals = Counter[str]()
    for run in runs:
        totals.update(await summary(api, run))
    assert totals == {
        "checked": 9,
        "queued": 2,
        "skippedNoEmail": 1,
        "skippedNoConsent": 0,
        "alreadyQueued": 6,
        "heldByLimits": 0,
        "sent": 2,
        "failed": 0,
    }


async def test_an_instalment_paid_after_the_run_queued_its_reminder_gets_none(
    api: Api, mailing: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    donors = await organisation_with_pledges(api)
    _, in_3, in_5, _ = donors.ada_instalments
    tenant = tenant_id(mailing.sync_engine, api.slug)
    queue_reminders(mailing.sync_engine, tenant, today())  # queued, not yet handed over
    ok(await pay(api, to_global_id("Instalment", in_5), 1_000))

    deps = WorkerDependencies(mailing.sync_engine, mailing.files, mailing.mail)
    send_pledge_reminders(deps, [r.id for r in reminders(mailing, api.slug)])

    outcomes = {r.instalment_id: r.outcome for r in reminders(mailing, api.slug)}
    assert outcomes == {
        in_5: "SKIPPED_SETTLED",
        in_3: "SENT",
        donors.bo_instalment: ("SKIPPED_NO_EMAIL"),
    }
    assert [m["Subject"] for m in sent_mail(mailbox[0], reminders(mailing, api.slug))] == [
        "Instalment 2 of GBP 10.00"
    ]
    assert len(await timeline(api, donors.ada, "PLEDGE_REMINDER")) == 1


async def test_reminders_not_counted_transactional_go_only_to_donors_granting_email(
    api: Api, mailing: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    not_transactional = SETTINGS.replace(
        "maxReminders: 2,", "maxReminders: 2, transactional: false,"
    )
    assert (await api.data(not_transactional))["saveReminderSettings"]["errors"] == []
    fund = (await catalogue(api)).fund
    email = await email_preference(api)
    never_asked = await donor(api, "Ada", "ada@example.org")
    granted = await donor(api, "Cy", "cy@example.org")
    withdrew = await donor(api, "Di", "di@example.org")
    withdraws_later = await donor(api, "Ed", "ed@example.org")
    no_email = await donor(api, "Bo")
    for customer in (granted, withdrew, withdraws_later, no_email):
        assert (await answer(api, customer, (email, True)))["errors"] == []
    await answer(api, withdrew, (email, False))
    instalments = {}
    for customer in (never_asked, granted, withdrew, withdraws_later, no_email):
        pledge = await pledge_due_in(api, customer, fund, 5)
        instalments[pk(pledge["instalments"][0]["id"])] = customer
    tenant = tenant_id(mailing.sync_engine, api.slug)

    counts = queue_reminders(mailing.sync_engine, tenant, today())
    await answer(api, withdraws_later, (email, False), source="UNSUBSCRIBE_LINK")
    deps = WorkerDependencies(mailing.sync_engine, mailing.files, mailing.mail)
    send_pledge_reminders(deps, [r.id for r in reminders(mailing, api.slug)])

    outcomes = {instalments[r.instalment_id]: r.outcome for r in reminders(mailing, api.slug)}
    assert outcomes == {
        never_asked: "SKIPPED_NO_CONSENT",
        granted: "SENT",
        withdrew: "SKIPPED_NO_CONSENT",
        withdraws_later: "SKIPPED_NO_CONSENT",
        no_email: "SKIPPED_NO_EMAIL",
    }
    assert counts.as_summary() == dict(
        checked=5,
        queued=2,
        skippedNoEmail=1,
        skippedNoConsent=2,
        alreadyQueued=0,
        heldByLimits=0,
    )
    arrived = sent_mail(mailbox[0], reminders(mailing, api.slug))
    assert [m["To"] for m in arrived] == ["Cy Giver <cy@example.org>"]


async def test_an_erased_address_on_another_record_needs_a_fresh_answer_to_be_mailed(
    api: Api, mailing: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    not_transactional = SETTINGS.replace(
        "maxReminders: 2,", "maxReminders: 2, transactional: false,"
    )
    assert (await api.data(not_transactional))["saveReminderSettings"]["errors"] == []
    fund = (await catalogue(api)).fund
    email = await email_preference(api)
    erased = await create_individual(
        api, firstName="Gone", lastName="Giver", emails=[{"address": "same@example.org"}]
    )
    duplicate = await donor(api, "Dup", "SAME@example.org")
    fresh = await donor(api, "Fresh", "same@example.org")
    for customer in (duplicate, fresh):
        assert (await answer(api, customer, (email, True)))["errors"] == []
    ok(await mutate(api, ERASE, {"id": erased["id"], "confirm": erased["reference"]}))
    assert (await answer(api, fresh, (email, False)))["errors"] == []
    assert (await answer(api, fresh, (email, True)))["errors"] == []  # after the erasure
    instalments = {}
    for customer in (duplicate, fresh):
        pledge = await pledge_due_in(api, customer, fund, 5)
        instalments[pk(pledge["instalments"][0]["id"])] = customer

    queue_reminders(mailing.sync_engine, tenant_id(mailing.sync_engine, api.slug), today())
    deps = WorkerDependencies(mailing.sync_engine, mailing.files, mailing.mail)
    send_pledge_reminders(deps, [r.id for r in reminders(mailing, api.slug)])

    outcomes = {instalments[r.instalment_id]: r.outcome for r in reminders(mailing, api.slug)}
    assert outcomes == {duplicate: "SKIPPED_NO_CONSENT", fresh: "SENT"}


async def test_send_pledge_reminder_sends_one_now_and_puts_it_on_the_timeline(
    api: Api, mailing: Runtime, mailbox: tuple[Mailbox, int]
) -> None:
    donors = await organisation_with_pledges(api)

    asked = await mutate(api, REMIND, {"id": donors.ada_pledge})
    settle(mailing, finished(mailing, api.slug, runs=0, due=1))

    assert ok(asked)["pledge"] == {"id": donors.ada_pledge}
    [row] = reminders(mailing, api.slug)
    overdue = donors.ada_instalments[0]  # the next unpaid instalment is the overdue one
    assert (row.instalment_id, row.number, row.outcome) == (overdue, 1, "SENT")
    [mail] = sent_mail(mailbox[0], [row])
    assert mail["Subject"] == "Instalment 1 of GBP 10.00"
    [entry] = await timeline(api, donors.ada, "PLEDGE_REMINDER")
    assert entry["summary"].startswith("Pledge reminder 1 sent to ada@example.org for GBP 10.00")


class HoldingMailbox(Mailbox):
    """A mail server that keeps the `hold_at`-th mail waiting, unanswered and not yet
    accepted, until its sender goes away: the moment to kill the worker sending it."""

    def __init__(self, hold_at: int) -> None:
        super().__init__()
        self.hold_at, self.seen = hold_at, 0
        self.holding = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.seen += 1
        if self.seen == self.hold_at:
            self.holding.set()
            await asyncio.Event().wait()  # cancelled when the connection drops
        return await super().handle_DATA(server, session, envelope)


INSTALMENTS = 300


async def test_a_worker_killed_mid_send_leaves_every_reminder_sent_exactly_once(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if settings.embedded_broker:
        pytest.skip("Needs RabbitMQ: the in-process broker lives and dies with its process.")
    prefix = settings.queue_prefix + "-reminders-killed"
    changed = {"queue_prefix": prefix, "lease_seconds": KILLED_LEASE}
    relaying = build_runtime(settings.model_copy(update=changed))
    box, port = HoldingMailbox(hold_at=INSTALMENTS // 5), free_port()
    assert (await api.data(SETTINGS))["saveReminderSettings"]["errors"] == []
    fund, ada = (await catalogue(api)).fund, await donor(api, "Ada", "ada@example.org")
    for _ in range(3):
        await pledge_due_in(api, ada, fund, *[5] * (INSTALMENTS // 3), each=100)
    monkeypatch.setenv("FOYER_SMTP_URL", f"smtp://{HOST}:{port}")  # for the worker processes
    first = second = None
    try:
        with smtp_server(box, port):
            start_run(relaying, api.slug)
            first = start_worker_process(relaying.settings)
            settle(relaying, box.holding.is_set, 120)  # the first worker is mid-send
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            sent_before = sum(r.outcome == "SENT" for r in reminders(relaying, api.slug))

            second = start_worker_process(relaying.settings)
            settle(relaying, finished(relaying, api.slug, runs=1, due=INSTALMENTS), 180)
            rows = reminders(relaying, api.slug)
    finally:
        for process in (p for p in (first, second) if p is not None and p.poll() is None):
            process.terminate()
            process.wait(timeout=30)
        await relaying.close()
        delete_queues(settings, prefix)

    assert 0 < sent_before < INSTALMENTS
    assert {r.outcome for r in rows} == {"SENT"} and len(rows) == INSTALMENTS
    arrived = message_ids(box)
    assert set(arrived) >= {message_id(r.id) for r in rows}
    assert max(arrived.values()) == 1  # not one Message-ID twice
