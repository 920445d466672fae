"""Two live copies of one batch message (as when the broker delivers a message again after
losing its consumer's connection, while that consumer goes on sending): each delivery is
still sent once. The copy that finds the batch held waits for the lease to run out, comes
back while the first is still sending (it renews its lease) and waits again, and finds
nothing left to send once the first has finished."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
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
    """A mail server taking its time over each mail, and over one of them (`stall_at`)
    longer than a lease."""

    def __init__(self, each: float, stall_at: int = 0, stall: float = 0.0) -> None:
        super().__init__()
        self.each, self.stall_at, self.stall, self.seen = each, stall_at, stall, 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.seen += 1
        await asyncio.sleep(self.stall if self.seen == self.stall_at else self.each)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Sent:
    rows: list[Any]
    expected: set[int]
    arrived: Counter[str]
    copies: Counter[str]


async def send_each_batch_twice(
    api: Api, settings: Settings, box: SlowMailbox, monkeypatch: pytest.MonkeyPatch
) -> Sent:
    """A mailing to CUSTOMERS customers whose every batch message the relay puts on the
    queue twice (the broker's second delivery of the same message), once all has settled."""
    port = free_port()
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
        """The broker as the relay sees it."""

        def __getattr__(self, name: str) -> Any:
            return getattr(broker, name)

        def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> Any:
            if message.actor_name == "send_mailing_batch":
                copies[message.message_id] += 1
                broker.enqueue(message, delay=delay)
            return broker.enqueue(message, delay=delay)

    monkeypatch.setattr(runtime.relay, "broker", DeliveringTwice())
    with smtp_server(box, port):
        worker = start_worker(runtime, threads=4)
        try:
            engine = runtime.sync_engine
            people = await audience(api, engine, CUSTOMERS, seed=41)
            mailing = await create_mailing(api, people.preference)
            started = await send(api, mailing, people.list_id)
            settle(runtime, job_finished(engine, job_pk(started["job"])), 180)
            # The copies that waited come back after the first finished, and send nothing.
            broker.join(f"{prefix}.mail", timeout=60_000)
            rows = deliveries(engine, people.tenant_id)
        finally:
            worker.stop()
            await runtime.close()
            delete_queues(settings, prefix)
    arrived = Counter(str(m.message["Message-ID"]) for m in box.received)
    return Sent(rows, set(people.expected), arrived, copies)


def message_ids(rows: list[Any]) -> set[str]:
    return {f"<mailing-delivery-{r.id}@foyer>" for r in rows if r.status == "SENT"}


async def test_two_live_copies_of_a_batch_message_send_each_delivery_once(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="foyer.workers")
    sent = await send_each_batch_twice(api, settings, SlowMailbox(each=0.04), monkeypatch)

    assert sent.copies and set(sent.copies.values()) == {1}  # each batch message went twice
    assert {r.customer_id for r in sent.rows if r.status == "SENT"} == sent.expected
    assert set(sent.arrived) == message_ids(sent.rows)
    assert max(sent.arrived.values()) == 1  # not one Message-ID twice
    # The copy came back while the first was still sending, and waited again.
    assert sum("; back in " in r.getMessage() for r in caplog.records) >= 2


async def test_an_attempt_whose_lease_ran_out_mid_send_leaves_the_rest_to_the_one_that_took_it(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One mail held past the lease: the waiting copy takes the batch over meanwhile.
    box = SlowMailbox(each=0.005, stall_at=20, stall=LEASE_SECONDS * 3)
    sent = await send_each_batch_twice(api, settings, box, monkeypatch)

    assert {r.customer_id for r in sent.rows if r.status == "SENT"} == sent.expected
    assert set(sent.arrived) == message_ids(sent.rows)
    # At most the mail being handed over when the lease ran out went twice (with the same
    # Message-ID); the first attempt sent nothing after it.
    assert sum(count - 1 for count in sent.arrived.values()) <= 1
