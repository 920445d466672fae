"""A worker's view of its job row: claim it under a lease, report progress (which renews
the lease), finish it or hand it back.

Each step is its own short transaction so that clients polling `job(id:)` see progress as
it happens. The lease belongs to one delivery of the job's message (`Holder.delivery`): a
retry of that delivery may claim again at once, any other waits until the lease expires,
and a delivery that lost its lease (the sweeper gave the job to another) hears so at its
next report and stops.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, insert, or_, update

from domain.jobs import TASK_FOR_KIND, JobKind, JobStatus
from infra.clock import utc_now
from infra.db import tables as t
from infra.db.unit_of_work import outbox_row

T = TypeVar("T")

j = t.job.c
WORKER = f"{socket.gethostname()}:{os.getpid()}"
_UNFINISHED = (JobStatus.PENDING.value, JobStatus.RUNNING.value)
_NO_LEASE = {"lease_expires_at": None, "lease_holder": None, "leased_by": None}


class LeaseLost(Exception):
    """The job's lease expired and the sweeper handed it to another delivery: this one
    must stop without writing anything more."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: one delivery of a message, on one worker, for `lease` at a time."""

    delivery: str
    lease: timedelta
    worker: str = WORKER

    def lease_values(self) -> dict[str, Any]:
        return {
            "lease_expires_at": utc_now() + self.lease,
            "lease_holder": self.delivery,
            "leased_by": self.worker,
        }


def claimable(holder: Holder) -> Any:
    """Free, expired, or already this delivery's."""
    return or_(
        j.lease_holder.is_(None), j.lease_holder == holder.delivery, j.lease_expires_at < utc_now()
    )


def claim(engine: Engine, job_id: int, holder: Holder) -> Any | None:
    """Mark the job RUNNING under `holder`'s lease and return its row; None when it is
    unknown, finished, or leased to another delivery (a message delivered twice does the
    work once; should that other one have vanished, the sweeper queues the job again)."""
    with engine.begin() as db:
        return db.execute(
            update(t.job)
            .where(j.id == job_id, j.status.in_(_UNFINISHED), claimable(holder))
            .values(
                status=JobStatus.RUNNING.value,
                started_at=utc_now(),
                attempts=j.attempts + 1,
                progress=0,
                error=None,
                **holder.lease_values(),
            )
            .returning(t.job)
        ).first()


def report_progress(
    engine: Engine, job_id: int, progress: int, total: int | None, holder: Holder
) -> None:
    """Progress, and the heartbeat: the lease runs for another `holder.lease`."""
    with engine.begin() as db:
        renewed = db.execute(
            update(t.job)
            .where(j.id == job_id, j.lease_holder == holder.delivery)
            .values(progress=progress, total=total, **holder.lease_values())
        ).rowcount
    if not renewed:
        raise LeaseLost(f"Job {job_id} is no longer this worker's: its lease expired.")


def with_heartbeat(
    engine: Engine, job_id: int, holder: Holder, rows: Iterable[T], every: int = 1000
) -> Iterator[T]:
    """`rows` as they come, reporting progress (so renewing the lease) every `every`: a job
    that streams its rows in one go is then never taken for one whose worker vanished."""
    for done, row in enumerate(rows, start=1):
        yield row
        if done % every == 0:
            report_progress(engine, job_id, done, None, holder)


def succeed(
    engine: Engine,
    job_id: int,
    result_file: str | None,
    total: int,
    summary: dict[str, int] | None = None,
) -> bool:
    """Finish the job; False when another delivery already had (it then keeps its result)."""
    with engine.begin() as db:
        result = db.execute(
            update(t.job)
            .where(j.id == job_id, j.status != JobStatus.SUCCEEDED.value)
            .values(
                status=JobStatus.SUCCEEDED.value,
                result_file=result_file,
                progress=total,
                total=total,
                finished_at=utc_now(),
                error=None,
                summary=summary,
                **_NO_LEASE,
            )
        )
        return bool(result.rowcount)


def fail(engine: Engine, job_id: int, reason: str) -> None:
    with engine.begin() as db:
        db.execute(
            update(t.job)
            .where(j.id == job_id, j.status != JobStatus.SUCCEEDED.value)
            .values(
                status=JobStatus.FAILED.value,
                error=reason[:2000],
                finished_at=utc_now(),
                **_NO_LEASE,
            )
        )


def release(engine: Engine, job_id: int, delivery: str, *, send_again: bool) -> bool:
    """Hand the job back (PENDING, lease free) if `delivery` still holds it; with
    `send_again`, its message goes through the outbox in the same transaction, so another
    worker picks it up even if the broker is away right now."""
    with engine.begin() as db:
        row = db.execute(
            update(t.job)
            .where(j.id == job_id, j.lease_holder == delivery, j.status.in_(_UNFINISHED))
            .values(status=JobStatus.PENDING.value, **_NO_LEASE)
            .returning(j.tenant_id, j.kind)
        ).first()
        if row is not None and send_again:
            message = outbox_row(
                row.tenant_id, TASK_FOR_KIND[JobKind(row.kind)], {"job_id": job_id}
            )
            db.execute(insert(t.outbox_message).values(**message))
        return row is not None


def postpone(engine: Engine, job_id: int, holder: Holder, seconds: float) -> None:
    """The job waits `seconds` for a retry of the same delivery: PENDING, with the lease
    held until the retry is due (and one lease longer), so that should the retry never
    come, the sweeper sends the job again."""
    with engine.begin() as db:
        db.execute(
            update(t.job)
            .where(j.id == job_id, j.lease_holder == holder.delivery, j.status.in_(_UNFINISHED))
            .values(
                status=JobStatus.PENDING.value,
                lease_expires_at=utc_now() + holder.lease + timedelta(seconds=seconds),
            )
        )
