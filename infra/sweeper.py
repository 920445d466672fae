"""The sweeper: what outlived its lease goes back to the queue.

A job whose worker vanished (killed, stalled past its lease, or whose last retry and final
FAILED mark both met a dead database) goes back to PENDING and its message through the
outbox, so a broker outage loses nothing; after `max_attempts` it is FAILED with the
reason. Its temporary files go. Reminders still without an outcome after their lease are
queued again the same way (infra/db/reminder_leases.py). The deliveries of a cancelled
mailing run that a batch held and then lost go nowhere: they are CANCELLED.

`foyer relay` and `foyer scheduler` run one each, and `foyer serve` in the embedded default;
several at once are harmless: each row is taken by an update that checks its lease again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, update

from domain.jobs import TASK_FOR_KIND, JobKind, JobStatus
from infra.clock import utc_now
from infra.db import mailing_recipients, reminder_leases
from infra.db import tables as t
from infra.db.unit_of_work import outbox_row
from infra.settings import Settings
from infra.storage import FileStore

log = logging.getLogger("foyer.sweeper")
j = t.job.c
_UNFINISHED = (JobStatus.PENDING.value, JobStatus.RUNNING.value)
_FREE = {"lease_expires_at": None, "lease_holder": None, "leased_by": None}


@dataclass(frozen=True)
class Swept:
    jobs_queued: int = 0
    jobs_failed: int = 0
    reminders_queued: int = 0
    reminders_failed: int = 0
    deliveries_cancelled: int = 0


def _expired() -> Any:
    # RUNNING with no lease at all: left by a version of Foyer from before leases.
    running = j.status == JobStatus.RUNNING.value
    return or_(
        and_(running, j.lease_expires_at.is_(None)),
        and_(j.status.in_(_UNFINISHED), j.lease_expires_at < utc_now()),
    )


def sweep_jobs(engine: Engine, files: FileStore, max_attempts: int) -> tuple[int, int]:
    """Queue again the jobs whose lease expired, or fail those out of attempts; return
    (queued, failed)."""
    with engine.begin() as db:
        failed = db.execute(
            update(t.job)
            .where(_expired(), j.attempts >= max_attempts)
            .values(
                status=JobStatus.FAILED.value,
                finished_at=utc_now(),
                error=f"The job stopped without finishing {max_attempts} times "
                "(its worker was stopped or lost its database); given up.",
                **_FREE,
            )
            .returning(j.id, j.tenant_id)
        ).all()
        queued = db.execute(
            update(t.job)
            .where(_expired())
            .values(status=JobStatus.PENDING.value, **_FREE)
            .returning(j.id, j.tenant_id, j.kind)
        ).all()
        if queued:
            db.execute(
                insert(t.outbox_message),
                [
                    outbox_row(r.tenant_id, TASK_FOR_KIND[JobKind(r.kind)], {"job_id": r.id})
                    for r in queued
                ],
            )
    # After the commit: a new attempt may start now, but writes temporary files of its own.
    for row in (*failed, *queued):
        files.remove_temporaries(row.tenant_id, row.id)
    for row in failed:
        log.warning("Job %s failed: out of attempts", row.id)
    return len(queued), len(failed)


class Sweeper:
    def __init__(self, engine: Engine, files: FileStore, settings: Settings) -> None:
        self.engine, self.files = engine, files
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.max_attempts = settings.job_max_attempts
        self.interval = settings.sweep_interval_seconds

    def sweep(self) -> Swept:
        jobs = sweep_jobs(self.engine, self.files, self.max_attempts)
        reminders = reminder_leases.sweep_reminders(self.engine, self.lease, self.max_attempts)
        stranded = mailing_recipients.cancel_stranded(self.engine)
        swept = Swept(*jobs, *reminders, stranded)
        if swept != Swept():
            log.info("Swept expired leases: %s", swept)
        return swept

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            try:
                self.sweep()
            except Exception as error:  # the database is away: the next round tries again
                log.warning("Sweep failed: %s: %s", type(error).__name__, error)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="foyer-sweeper", daemon=True)
        thread.start()
        return thread
