"""Two live copies of one batch message (as when the broker delivers a message again after
losing its consumer's connection, while that consumer goes on sending): each delivery is
still sent once. The copy that finds the batch held waits for the lease to run out, comes
back while the first is still sending (it renews its lease) and waits again, and finds
nothing left to send once the first has finished."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from pydantic import SecretStr

from infra.composition import build_runtime, start_worker
from infra.settings import Settings
from tests.conftest import Api
from tests.integration.mailing_fixtures import (
    audience,
    create_mailing,
    deliveries,
    job_finished,
    job_pk,
    send,
    settle,
)
from tests.integration.test_mail_transport import HOST, Mailbox, free_port, smtp_server
from tests.integration.test_pledge_reminders import delete_queues

CUSTOMERS = 300
LEASE_SECONDS = 1.0


class SlowMailbox(Mailbox):
    """A mail server taking a few milliseconds over each mail: a batch of 250 outlasts
    several leases of a second."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.012)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = SlowMailbox(), free_port()
    with smtp_server(box, port):
        yield box, port


async def test_two_live_copies_of_a_batch_message_send_each_delivery_once(
    api: Api,
    settings: Settings,
    slow_mailbox: tuple[Mailbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box, port = slow_mailbox
    prefix = f"{settings.queue_prefix}-mailing-copies"
    changed = {
        "smtp_url": SecretStr(f"smtp://{HOST}:{port}"),
        "queue_prefix": prefix,
        "lease_seconds": LEASE_SECONDS,
    }
    runtime = build_runtime(settings.model_copy(update=changed))
    broker = runtime.broker
    copies: Counter[str] = Counter()

    class DeliveringTwice:
        """The broker as the relay sees it, putting each batch message on the queue twice:
        the broker's second delivery of the same message."""

        def __getattr__(self, name: str) -> Any:
            return getattr(broker, name)

        def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> Any:
            if message.actor_name == "send_mailing_batch":
                copies[message.message_id] += 1
                broker.enqueue(message, delay=delay)
            return broker.enqueue(message, delay=delay)

    monkeypatch.setattr(runtime.relay, "broker", DeliveringTwice())
    worker = start_worker(runtime, threads=4)
    try:
        engine = runtime.sync_engine
        people = await audience(api, engine, CUSTOMERS, seed=41)
        mailing = await create_mailing(api, people.preference)
        started = await send(api, mailing, people.list_id)
        settle(runtime, job_finished(engine, job_pk(started["job"])), 180)
        # The copies that waited come back after the first finished, and send nothing.
        runtime.broker.join(f"{prefix}.mail", timeout=60_000)
        rows = deliveries(engine, people.tenant_id)
    finally:
        worker.stop()
        await runtime.close()
        delete_queues(settings, prefix)

    assert copies and set(copies.values()) == {1}  # each batch message went twice
    sent = {r.customer_id for r in rows if r.status == "SENT"}
    assert sent == set(people.expected)
    arrived = Counter(str(m.message["Message-ID"]) for m in box.received)
    assert set(arrived) == {f"<mailing-delivery-{r.id}@foyer>" for r in rows if r.status == "SENT"}
    assert max(arrived.values()) == 1  # not one Message-ID twice
