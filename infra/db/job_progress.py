"""A worker's view of its job row: claim it under a lease, report progress (which renews
the lease), finish it or hand it back.

Each step is its own short transaction so that clients polling `job(id:)` see progress as
it happens. The lease belongs to one attempt at the job's message (infra/db/leases.py): a
retry of that attempt may claim again at once, any other waits until the lease expires,
and an attempt that lost its lease (the sweeper gave the job to another) hears so at its
next report and stops.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import Engine, insert, update

from domain.jobs import TASK_FOR_KIND, JobKind, JobStatus
from infra.clock import utc_now
from infra.db import tables as t
from infra.db.leases import HeldElsewhere, Holder, LeasedRows, LeaseLost
from infra.db.unit_of_work import outbox_row

T = TypeVar("T")

j = t.job.c
_UNFINISHED = (JobStatus.PENDING.value, JobStatus.RUNNING.value)
_NO_LEASE = {"lease_expires_at": None, "lease_holder": None, "leased_by": None}


JOBS = LeasedRows(t.job, j.status.in_(_UNFINISHED))


def _lease_values(holder: Holder) -> dict[str, Any]:
    return {
        "lease_expires_at": utc_now() + holder.lease,
        "lease_holder": holder.delivery,
        "leased_by": holder.worker,
    }


def claim(engine: Engine, job_id: int, holder: Holder) -> Any | None:
    """Mark the job RUNNING under `holder`'s lease and return its row; None when it is
    unknown or finished. Leased to another attempt, which may still be working on it (a
    message delivered twice does the work once), it raises HeldElsewhere: this attempt
    comes back when that lease runs out."""
    now = utc_now()
    with engine.begin() as db:
        claimed = db.execute(
            update(t.job)
            .where(j.id == job_id, JOBS.unfinished, JOBS.free_for(holder, now))
            .values(
                status=JobStatus.RUNNING.value,
                started_at=now,
                attempts=j.attempts + 1,
                progress=0,
                error=None,
                **_lease_values(holder),
            )
            .returning(t.job)
        ).first()
        held = JOBS.held_until(db, [job_id], holder, now) if claimed is None else None
    if held is not None:
        raise HeldElsewhere(held)
    return claimed


def report_progress(
    engine: Engine, job_id: int, progress: int, total: int | None, holder: Holder
) -> None:
    """Progress, and the heartbeat: the lease runs for another `holder.lease`."""
    with engine.begin() as db:
        renewed = db.execute(
            update(t.job)
            .where(j.id == job_id, j.lease_holder == holder.delivery)
            .values(progress=progress, total=total, **_lease_values(holder))
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


def postpone(engine: Engine, job_id: int, holder: Holder, successor: str, seconds: float) -> None:
    """The job waits `seconds` for its retry: PENDING, its lease handed to the retry
    (`successor`) and held until the retry is due (and one lease longer), so that should
    the retry never come, the sweeper sends the job again."""
    with engine.begin() as db:
        JOBS.hand_over(db, [job_id], holder, successor, seconds, status=JobStatus.PENDING.value)
