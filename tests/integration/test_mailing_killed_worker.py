"""A worker killed mid-mailing (real RabbitMQ): its unacknowledged batches go to another
worker, which sends what was left. Every consenting customer gets exactly one message: the
one being handed over when the first worker died went again, with the same Message-ID,
and nothing marked SENT went twice; each has one timeline entry for it."""

from __future__ import annotations

import signal
from collections import Counter

import pytest

from infra.composition import build_runtime
from infra.settings import Settings
from tests.conftest import Api
from tests.integration.mailing_fixtures import (
    audience,
    create_mailing,
    deliveries,
    job_finished,
    job_pk,
    noted,
    send,
    settle,
)
from tests.integration.test_killed_worker import KILLED_LEASE, start_worker_process
from tests.integration.test_mail_transport import HOST, free_port, smtp_server
from tests.integration.test_pledge_reminders import HoldingMailbox, delete_queues

CUSTOMERS = 1_000


async def test_a_worker_killed_mid_send_leaves_every_recipient_sent_exactly_once(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if settings.embedded_broker:
        pytest.skip("Needs RabbitMQ: the in-process broker lives and dies with its process.")
    prefix = settings.queue_prefix + "-mailings-killed"
    changed = {"queue_prefix": prefix, "lease_seconds": KILLED_LEASE}
    relaying = build_runtime(settings.model_copy(update=changed))
    engine = relaying.sync_engine
    people = await audience(api, engine, CUSTOMERS, seed=29)
    box, port = HoldingMailbox(hold_at=len(people.expected) // 3), free_port()
    mailing = await create_mailing(api, people.preference)
    monkeypatch.setenv("FOYER_SMTP_URL", f"smtp://{HOST}:{port}")  # for the worker processes
    first = second = None
    try:
        with smtp_server(box, port):
            started = await send(api, mailing, people.list_id)
            first = start_worker_process(relaying.settings)
            settle(relaying, box.holding.is_set, 120)  # the first worker is mid-send
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            sent_before = sum(r.status == "SENT" for r in deliveries(engine, people.tenant_id))

            second = start_worker_process(relaying.settings)
            settle(relaying, job_finished(engine, job_pk(started["job"])), 180)
            rows = deliveries(engine, people.tenant_id)
            sendings = noted(engine, people.tenant_id)
    finally:
        for process in (p for p in (first, second) if p is not None and p.poll() is None):
            process.terminate()
            process.wait(timeout=30)
        await relaying.close()
        delete_queues(settings, prefix)

    assert 0 < sent_before < len(people.expected)
    assert sendings == Counter(dict.fromkeys(people.expected, 1))
    assert {r.customer_id for r in rows if r.status == "SENT"} == set(people.expected)
    assert not any(r.status in ("QUEUED", "FAILED") for r in rows)
    arrived = Counter(str(m.message["Message-ID"]) for m in box.received)
    assert set(arrived) == {f"<mailing-delivery-{r.id}@foyer>" for r in rows if r.status == "SENT"}
    assert max(arrived.values()) == 1  # not one Message-ID twice
    assert Counter(m.recipients[0] for m in box.received) == Counter(
        {address: 1 for address in people.expected.values()}
    )
