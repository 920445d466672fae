"""A drill shared by the suite and tests/bench: a backlog of notices in a fresh database, a
`foyer relay` process killed with SIGKILL while it publishes them and started again, and the
notices counted on a queue bound to the events exchange."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pika
from sqlalchemy import Engine, func, insert, select

from infra.clock import utc_now
from infra.db import tables as t
from infra.db.engine import build_sync_engine
from infra.db.migrate import upgrade
from infra.db.unit_of_work import outbox_row
from tests.conftest import RABBITMQ, postgres_database

FOYER = Path(sys.executable).with_name("foyer")
MID_BATCH_SECONDS = 0.15


@dataclass
class DrillResult:
    backlog: int
    kills: int
    delivered: int
    distinct: int

    @property
    def duplicates(self) -> int:
        return self.delivered - self.distinct


@contextmanager
def _events_queue(prefix: str) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ))
    channel = connection.channel()
    exchange, queue = f"{prefix}.events", f"{prefix}.drill"
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, exchange, routing_key="#")
    try:
        yield channel
    finally:
        channel.queue_delete(queue)
        channel.exchange_delete(exchange)
        connection.close()


def _backlog(engine: Engine, size: int) -> None:
    with engine.begin() as db:
        tenant = db.execute(
            insert(t.tenant)
            .values(
                slug=f"drill-{uuid.uuid4().hex[:8]}",
                name="Drill",
                currency="GBP",
                next_customer_number=1,
                created_at=utc_now(),
            )
            .returning(t.tenant.c.id)
        ).scalar_one()
        db.execute(
            insert(t.outbox_message),
            [outbox_row(tenant, "order.recorded", {"n": n}, event=True) for n in range(size)],
        )


def _sent(engine: Engine) -> int:
    with engine.connect() as db:
        return int(
            db.execute(
                select(func.count()).where(t.outbox_message.c.sent_at.is_not(None))
            ).scalar_one()
        )


def _wait_until(engine: Engine, sent: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while _sent(engine) < sent:
        assert time.monotonic() < deadline, f"the relay sent {_sent(engine)} of {sent}"
        time.sleep(0.01)


def kill_drill(backlog: int, kills: int, batch: int | None = None) -> DrillResult:
    """Relay `backlog` notices, killing the relay `kills` times along the way."""
    prefix = f"foyer-drill-{uuid.uuid4().hex[:8]}"
    with postgres_database() as url, _events_queue(prefix) as channel:
        upgrade(url)
        engine = build_sync_engine(url)
        _backlog(engine, backlog)
        env = {
            **os.environ,
            "FOYER_DATABASE_URL": url,
            "FOYER_BROKER_URL": RABBITMQ,
            "FOYER_QUEUE_PREFIX": prefix,
            "FOYER_RELAY_INTERVAL_SECONDS": "0.05",
        }
        if batch is not None:
            env["FOYER_RELAY_BATCH_SIZE"] = str(batch)
        try:
            for kill in range(1, kills + 1):
                relay = subprocess.Popen([str(FOYER), "relay"], env=env, stderr=subprocess.DEVNULL)
                _wait_until(engine, backlog * kill // (kills + 1))
                # The count moves at a commit: kill a moment later, mid-batch, not just after.
                time.sleep(MID_BATCH_SECONDS)
                relay.send_signal(signal.SIGKILL)
                relay.wait()
            relay = subprocess.Popen([str(FOYER), "relay"], env=env, stderr=subprocess.DEVNULL)
            _wait_until(engine, backlog)
            relay.terminate()
            relay.wait(timeout=30)
        finally:
            engine.dispose()
        ids: list[str] = []
        while (got := channel.basic_get(f"{prefix}.drill", auto_ack=True))[0] is not None:
            ids.append(json.loads(got[2])["message_id"])
    return DrillResult(backlog, kills, len(ids), len(set(ids)))
