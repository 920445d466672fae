"""A worker's view of its job row: claim it, report progress, finish it.

Each step is its own short transaction so that clients polling `job(id:)` see progress as
it happens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update

from domain.jobs import JobStatus
from infra.clock import utc_now
from infra.db import tables as t

j = t.job.c


def claim(engine: Engine, job_id: int) -> Any | None:
    """Mark the job RUNNING and return its row; None when it is unknown or already finished
    (a message delivered twice does the work once)."""
    with engine.begin() as db:
        row = db.execute(select(t.job).where(j.id == job_id)).first()
        if row is None or JobStatus(row.status).finished:
            return None
        db.execute(
            update(t.job)
            .where(j.id == job_id)
            .values(
                status=JobStatus.RUNNING.value,
                started_at=utc_now(),
                attempts=row.attempts + 1,
                progress=0,
                error=None,
            )
        )
        return row


def report_progress(engine: Engine, job_id: int, progress: int, total: int | None) -> None:
    with engine.begin() as db:
        db.execute(update(t.job).where(j.id == job_id).values(progress=progress, total=total))


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
            )
        )
        return bool(result.rowcount)


def fail(engine: Engine, job_id: int, reason: str) -> None:
    with engine.begin() as db:
        db.execute(
            update(t.job)
            .where(j.id == job_id, j.status != JobStatus.SUCCEEDED.value)
            .values(status=JobStatus.FAILED.value, error=reason[:2000], finished_at=utc_now())
        )
