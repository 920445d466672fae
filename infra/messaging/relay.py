"""The outbox relay: publishes messages committed with their change, then marks them sent.

A crash anywhere loses nothing: a row is marked sent only after the broker confirmed it,
so an unsent row goes on the next round; a row sent twice (crash between confirm and mark)
is harmless because every actor is idempotent. Rows are marked in batches, so a crash
repeats at most a batch; every message carries its id in its body too (a notice's JSON, a
job message's options), so a consumer that sees only bodies can drop the repeats.

An outage of the broker or the database is logged when it starts and when it ends, with
its reason, not once per round.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import dramatiq
from sqlalchemy import Engine, insert, select, update

from domain.jobs import TASK_FOR_KIND, JobKind, JobStatus
from infra.clock import utc_now
from infra.db import tables as t
from infra.db.outage import DependencyWatch, describe, unreachable_reason
from infra.db.unit_of_work import outbox_row
from infra.messaging.notices import NoticePublisher

log = logging.getLogger("foyer.relay")


class Relay:
    def __init__(
        self, engine: Engine, broker: dramatiq.Broker, notices: NoticePublisher, batch: int = 50
    ) -> None:
        self.engine = engine
        # Rows published per transaction: at most this many are published again after a
        # crash. Each transaction costs the relay's thread three statements (a sixth of the
        # API process's CPU at 240 orders a second with batches of 5, the notice of each
        # order relayed alone); repeats are dropped by their message ids.
        self.batch = batch
        self.broker = broker
        self.notices = notices
        self._wake = threading.Event()
        self.broker_watch = DependencyWatch("broker", log)
        self.database_watch = DependencyWatch("database", log)

    def wake(self) -> None:
        """Publish soon: a commit just wrote outbox rows."""
        self._wake.set()

    def relay_once(self) -> int:
        """Publish every message pending now, `batch` per transaction; return how many were
        sent. Stops at the first that cannot be sent (it waits for the next round)."""
        sent = 0
        while (published := self._relay_batch()) == self.batch:
            sent += published
        return sent + published

    def _relay_batch(self) -> int:
        """Publish up to `batch` pending messages and mark them sent together, in the
        transaction that locked them."""
        o = t.outbox_message.c
        sent: list[int] = []
        with self.engine.begin() as db:
            pending = select(t.outbox_message).where(o.sent_at.is_(None)).order_by(o.id)
            if db.dialect.name == "postgresql":
                # Several relays may run; each takes rows the others have not locked.
                pending = pending.with_for_update(skip_locked=True)
            for row in db.execute(pending.limit(self.batch)).all():
                try:
                    self._publish(row)
                except Exception as error:
                    self.broker_watch.lost(describe(error))
                    db.execute(
                        update(t.outbox_message)
                        .where(o.id == row.id)
                        .values(attempts=row.attempts + 1, last_error=describe(error)[:2000])
                    )
                    break
                self.broker_watch.answered()
                sent.append(row.id)
            if sent:
                db.execute(
                    update(t.outbox_message)
                    .where(o.id.in_(sent))
                    .values(sent_at=utc_now(), attempts=o.attempts + 1, last_error=None)
                )
        return len(sent)

    def _publish(self, row: Any) -> None:
        if row.event:
            body = {
                **row.arguments,
                "topic": row.task,
                "tenant_id": row.tenant_id,
                "message_id": row.message_id,
            }
            self.notices.publish(row.task, body, row.message_id)
            return
        actor = self.broker.get_actor(row.task)
        self.broker.enqueue(
            dramatiq.Message(
                queue_name=actor.queue_name,
                actor_name=actor.actor_name,
                args=(),
                kwargs=dict(row.arguments),
                options={"message_id": row.message_id},
                message_id=row.message_id,
            )
        )

    def relay_pending(self) -> None:
        """Publish every pending message that can be published now. An unreachable database
        is logged as an outage (once), anything else with its traceback."""
        try:
            self.relay_once()
            self.database_watch.answered()
        except Exception as error:
            reason = unreachable_reason(error)
            if reason is None:
                log.exception("Relay round failed")
            else:
                self.database_watch.lost(reason)

    def run(self, stop: threading.Event, interval: float, gather: float = 0.0) -> None:
        """Relay until `stop` is set, at least every `interval` seconds.

        Woken by a commit, the relay first waits `gather` seconds. Under load more commits
        follow within milliseconds, and their messages then go in one transaction rather
        than one each: inside `foyer serve` the relay's thread shares the interpreter with
        the requests, and relaying each order's notice alone cost a sixth of the process's
        CPU at 240 orders a second."""
        while not stop.is_set():
            self.relay_pending()
            if self._wake.wait(interval) and gather > 0:
                stop.wait(gather)
            # Cleared only now: what a commit wrote meanwhile is in the next round.
            self._wake.clear()


def requeue_unfinished_jobs(engine: Engine) -> int:
    """Send again every job not yet finished: used at start-up of the embedded default,
    whose in-process queue did not survive the restart."""
    j = t.job.c
    with engine.begin() as db:
        rows = db.execute(
            select(j.id, j.tenant_id, j.kind).where(
                j.status.in_([JobStatus.PENDING.value, JobStatus.RUNNING.value])
            )
        ).all()
        if rows:
            db.execute(
                insert(t.outbox_message),
                [
                    outbox_row(r.tenant_id, TASK_FOR_KIND[JobKind(r.kind)], {"job_id": r.id})
                    for r in rows
                ],
            )
    return len(rows)
