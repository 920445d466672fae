"""Woken by commits that come in a burst, the relay inside `foyer serve` publishes their
messages together: a few transactions for the burst, not one per commit."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import event, insert, select

from infra.composition import Runtime
from infra.db import tables as t
from infra.db.unit_of_work import outbox_row
from infra.messaging.notices import InProcessNotices
from infra.messaging.relay import Relay
from tests.conftest import Api

BURST = 30


def tenant_of(runtime: Runtime, slug: str) -> int:
    with runtime.sync_engine.connect() as db:
        return int(db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == slug)).scalar_one())


def relay_rounds(gather: float, runtime: Runtime, tenant_id: int) -> tuple[int, set[str]]:
    """Commit a burst of notices, waking a running relay after each as a commit does;
    return how many times the relay read the outbox once the burst began, and the ids of
    the burst's notices it published."""
    notices = InProcessNotices()
    published: set[str] = set()
    notices.subscribers.append(lambda _topic, body: published.add(body["message_id"]))
    relay = Relay(runtime.sync_engine, runtime.broker, notices)
    relay.relay_pending()  # whatever other tests left
    reads = 0

    def count(_db: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal reads
        if (
            threading.current_thread().name == "relay-under-test"
            and "outbox_message" in (statement.split("WHERE")[0])
        ):
            reads += statement.lstrip().upper().startswith("SELECT")

    stop = threading.Event()
    thread = threading.Thread(
        target=relay.run, args=(stop, 60.0, gather), name="relay-under-test", daemon=True
    )
    thread.start()
    time.sleep(0.2)  # its first round, which finds nothing, is over
    event.listen(runtime.sync_engine, "before_cursor_execute", count)
    ours = []
    try:
        for n in range(BURST):
            row = outbox_row(tenant_id, "order.recorded", {"n": n}, event=True)
            with runtime.sync_engine.begin() as db:
                db.execute(insert(t.outbox_message), [row])
            ours.append(row["message_id"])
            relay.wake()
        deadline = time.monotonic() + 10
        while not published.issuperset(ours) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        event.remove(runtime.sync_engine, "before_cursor_execute", count)
        stop.set()
        relay.wake()
        thread.join(timeout=10)
    return reads, published & set(ours)


async def test_a_burst_of_commits_is_relayed_in_a_few_rounds_and_every_message_once(
    api: Api, runtime: Runtime
) -> None:
    tenant_id = tenant_of(runtime, api.slug)

    rounds, published = relay_rounds(1.0, runtime, tenant_id)

    # The first wake starts a second's wait; the burst commits well within it.
    assert len(published) == BURST
    assert rounds <= 3, rounds
