"""Outages longer than the old twelve seconds of retries, through proxies the tests cut: the
database gone mid-export (PostgreSQL), the mail server gone while reminders are sent, and
reminders whose message was lost, sent again by the sweeper, each exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.engine import make_url

from infra.clock import utc_now
from infra.composition import Runtime, build_runtime, start_worker, stop_worker
from infra.db import tables as t
from infra.db.reminder_queue import queue_reminders
from infra.demo.generator import generate_customers
from infra.settings import Settings
from infra.sweeper import Sweeper
from tests.conftest import Api
from tests.e2e.sales_fixtures import catalogue
from tests.integration.jobs import job_row, request_export, tenant_id, wait_for
from tests.integration.tcp_proxy import TcpProxy
from tests.integration.test_export_pipeline import job_pk
from tests.integration.test_mail_transport import HOST, Mailbox, free_port, smtp_server
from tests.integration.test_pledge_reminders import (
    SETTINGS,
    donor,
    finished,
    message_id,
    message_ids,
    pledge_due_in,
    reminders,
    settle,
    start_run,
)

# Longer than the old retries could last (three, 1-2 s, 2-4 s then 4-8 s apart: 14 s at
# most), with backoffs short enough to notice the return within a second.
OUTAGE = 15.0
FAST_RETRIES = {
    "retry_min_backoff_seconds": 0.2,
    "retry_max_backoff_seconds": 1.0,
    "retry_window_hours": 0.1,
}
CUSTOMERS = 10_000
REMINDERS = 20


def outage_runtime(settings: Settings, **changes: Any) -> Runtime:
    prefix = settings.queue_prefix + "-outage"
    return build_runtime(
        settings.model_copy(update={"queue_prefix": prefix, **FAST_RETRIES, **changes})
    )


@pytest.fixture
async def database_behind_proxy(settings: Settings) -> AsyncIterator[tuple[Runtime, TcpProxy]]:
    """Workers (and their relay) whose every database connection goes through a proxy."""
    if settings.is_sqlite:
        pytest.skip(
            "SQLite is a file opened inside the worker's process: there is no connection to "
            "cut. The database outage drills run on PostgreSQL."
        )
    url = make_url(settings.database_url)
    proxy = TcpProxy(url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    built = outage_runtime(settings, database_url=proxied)
    worker = start_worker(built, threads=1)
    yield built, proxy
    proxy.start()
    stop_worker(built, worker)
    await built.close()
    proxy.close()


async def test_an_export_cut_by_a_database_outage_longer_than_the_old_retries_succeeds(
    api: Api, runtime: Runtime, database_behind_proxy: tuple[Runtime, TcpProxy]
) -> None:
    workers, proxy = database_behind_proxy
    engine = runtime.sync_engine  # the test's own view, not through the proxy
    generate_customers(engine, tenant_id(engine, api.slug), CUSTOMERS, seed=11)
    job = job_pk(await request_export(api))
    workers.relay.relay_once()
    wait_for(engine, job, lambda r: r.status == "RUNNING" and r.progress > 0, seconds=60)

    proxy.stop()
    await asyncio.sleep(OUTAGE)
    during = job_row(engine, job)
    proxy.start()

    done = wait_for(engine, job, lambda r: r.status == "SUCCEEDED", seconds=120)
    assert during.status in ("RUNNING", "PENDING") and during.progress < CUSTOMERS
    assert done.attempts == 2 and done.progress == CUSTOMERS and done.error is None
    path = workers.files.root / done.result_file
    sheet = load_workbook(path, read_only=True)
    assert sum(1 for _ in sheet.active.iter_rows(values_only=True)) == CUSTOMERS + 1
    sheet.close()
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".partial")] == []


@pytest.fixture
def mail_behind_proxy() -> Iterator[tuple[Mailbox, TcpProxy]]:
    box, port = Mailbox(), free_port()
    with smtp_server(box, port), TcpProxy(port) as proxy:
        yield box, proxy


@pytest.fixture
async def mailing(
    settings: Settings, mail_behind_proxy: tuple[Mailbox, TcpProxy]
) -> AsyncIterator[Runtime]:
    url = SecretStr(f"smtp://{HOST}:{mail_behind_proxy[1].port}")
    built = outage_runtime(settings, smtp_url=url)
    worker = start_worker(built, threads=2)
    yield built
    mail_behind_proxy[1].start()
    stop_worker(built, worker)
    await built.close()


async def reminders_due(api: Api) -> None:
    """REMINDERS instalments of one donor, each due its first reminder today."""
    assert (await api.data(SETTINGS))["saveReminderSettings"]["errors"] == []
    fund, ada = (await catalogue(api)).fund, await donor(api, "Ada", "ada@example.org")
    await pledge_due_in(api, ada, fund, *[5] * REMINDERS, each=100)


def arrived_once(box: Mailbox, rows: list[Any]) -> bool:
    arrived = message_ids(box)
    return (
        sorted(arrived[message_id(r.id)] for r in rows) == [1] * len(rows)
        and max(arrived.values()) == 1
    )


async def test_reminders_sent_while_the_mail_server_is_down_all_arrive_once_it_returns(
    api: Api, mailing: Runtime, mail_behind_proxy: tuple[Mailbox, TcpProxy]
) -> None:
    box, proxy = mail_behind_proxy
    await reminders_due(api)
    proxy.stop()

    start_run(mailing, api.slug)
    deadline = time.monotonic() + OUTAGE
    while time.monotonic() < deadline:  # the run queues them; each send fails and waits
        mailing.relay.relay_once()
        await asyncio.sleep(0.1)
    during = reminders(mailing, api.slug)
    proxy.start()
    settle(mailing, finished(mailing, api.slug, runs=1, due=REMINDERS), seconds=120)

    assert len(during) == REMINDERS and {r.outcome for r in during} == {None}
    rows = reminders(mailing, api.slug)
    assert {r.outcome for r in rows} == {"SENT"}
    assert arrived_once(box, rows)


# The sweeper's lease in the test: long enough that the first sweep, right after the
# reminders are queued, comes before it ends even on a slow machine (0.5 s was not, once).
LOST_AFTER = 2.0


async def test_reminders_whose_message_was_lost_are_sent_again_by_the_sweeper_once(
    api: Api, mailing: Runtime, mail_behind_proxy: tuple[Mailbox, TcpProxy]
) -> None:
    box = mail_behind_proxy[0]
    await reminders_due(api)
    tenant = tenant_id(mailing.sync_engine, api.slug)
    queued = queue_reminders(mailing.sync_engine, tenant, date.today())
    with mailing.sync_engine.begin() as db:  # dead-lettered, or lost with its worker
        o = t.outbox_message.c
        db.execute(
            update(t.outbox_message)
            .where(o.tenant_id == tenant, o.sent_at.is_(None))
            .values(sent_at=utc_now())
        )
    sweeper = Sweeper(
        mailing.sync_engine,
        mailing.files,
        mailing.settings.model_copy(update={"lease_seconds": LOST_AFTER}),
    )
    assert queued.queued == REMINDERS and sweeper.sweep().reminders_queued == 0  # not yet

    await asyncio.sleep(LOST_AFTER)
    assert sweeper.sweep().reminders_queued == REMINDERS
    settle(mailing, finished(mailing, api.slug, runs=0, due=REMINDERS))
    await asyncio.sleep(LOST_AFTER)
    assert sweeper.sweep().reminders_queued == 0

    rows = reminders(mailing, api.slug)
    assert {r.outcome for r in rows} == {"SENT"} and {r.attempts for r in rows} == {1}
    assert arrived_once(box, rows)
