"""Leases on pledge reminders: a delivery of a send message claims the reminders it sends,
and a reminder still without an outcome after its lease is queued again by the sweeper,
through the same exactly-once path (a reminder marked sent is never sent again).

A reminder's message can be lost for good (retries given up while the mail server was
away, a worker killed): without a lease its row would wait for ever, since the daily run
never queues an existing (instalment, number) again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, update

from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db import tables as t
from infra.db.leases import LeasedRows
from infra.db.reminder_queue import SEND_BATCH, SEND_TASK
from infra.db.unit_of_work import outbox_row

r = f.pledge_reminder.c


REMINDERS = LeasedRows(f.pledge_reminder, r.outcome.is_(None))


def _expired(lease: timedelta) -> Any:
    now = utc_now()
    # A row queued but never claimed has no lease yet: it counts from when it was written.
    never_claimed = and_(r.lease_expires_at.is_(None), r.created_at < now - lease)
    return and_(r.outcome.is_(None), or_(r.lease_expires_at < now, never_claimed))


def sweep_reminders(engine: Engine, lease: timedelta, max_attempts: int) -> tuple[int, int]:
    """Queue again the reminders whose lease expired (their delivery was lost: dead-lettered,
    or its worker killed), or mark FAILED those lost `max_attempts` times; return (queued,
    failed). Two sweepers at once queue each reminder once: the update
    that takes a row checks again that it is still expired."""
    with engine.begin() as db:
        failed = db.execute(
            update(f.pledge_reminder)
            .where(_expired(lease), r.attempts >= max_attempts)
            .values(outcome="FAILED", lease_holder=None, lease_expires_at=None)
            .returning(r.id)
        ).all()
        taken = db.execute(
            update(f.pledge_reminder)
            .where(_expired(lease))
            # Until the new message had its chance, nobody queues these again.
            .values(lease_holder=None, lease_expires_at=utc_now() + lease, attempts=r.attempts + 1)
            .returning(r.id, r.tenant_id)
        ).all()
        by_tenant: dict[int, list[int]] = defaultdict(list)
        for row in taken:
            by_tenant[row.tenant_id].append(row.id)
        messages = [
            outbox_row(tenant, SEND_TASK, {"reminder_ids": sorted(ids)[n : n + SEND_BATCH]})
            for tenant, ids in by_tenant.items()
            for n in range(0, len(ids), SEND_BATCH)
        ]
        if messages:
            db.execute(insert(t.outbox_message), messages)
    return len(taken), len(failed)
