"""The scheduler: once a day, for every organisation, a pledge-reminder run; and every tick,
the mailings scheduled for now.

Each run is a job (so staff can follow it) started through the outbox. A row per
organisation and day is written first under a unique key: a second scheduler started by
mistake, or a restart, finds it and starts nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.actors import ActorKind
from domain.jobs import TASK_FOR_KIND, JobKind, JobStatus, roles_needed
from domain.mailings.runs import RunStatus
from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.unit_of_work import outbox_row

log = logging.getLogger("foyer.scheduler")
SCHEDULER = "Foyer scheduler"


def start_daily_runs(engine: Engine, today: date) -> int:
    """Start today's reminder run for every organisation that has none yet; return how many
    were started."""
    started = 0
    with engine.connect() as db:
        tenants = list(db.execute(select(t.tenant.c.id)).scalars())
    for tenant_id in tenants:
        with engine.begin() as db:
            job_id = db.execute(
                insert(t.job)
                .values(
                    tenant_id=tenant_id,
                    kind=JobKind.PLEDGE_REMINDERS.value,
                    status=JobStatus.PENDING.value,
                    parameters={"runOn": today.isoformat()},
                    progress=0,
                    requested_by=SCHEDULER,
                    requested_by_kind=ActorKind.SYSTEM.value,
                    required_roles=sorted(roles_needed(JobKind.PLEDGE_REMINDERS, {})),
                    attempts=0,
                    created_at=utc_now(),
                )
                .returning(t.job.c.id)
            ).scalar_one()
            dialect = postgresql if db.dialect.name == "postgresql" else sqlite
            claimed = db.execute(
                dialect.insert(f.reminder_run)
                .values(
                    tenant_id=tenant_id,
                    run_on=today,
                    job_id=job_id,
                )
                .on_conflict_do_nothing(index_elements=["tenant_id", "run_on"])
                .returning(f.reminder_run.c.id)
            ).first()
            if claimed is None:
                db.rollback()  # another scheduler got there first: keep nothing of ours
                continue
            db.execute(
                insert(t.outbox_message).values(
                    **outbox_row(
                        tenant_id, TASK_FOR_KIND[JobKind.PLEDGE_REMINDERS], {"job_id": job_id}
                    )
                )
            )
            started += 1
    return started


def start_due_mailings(engine: Engine) -> int:
    """Send the job of every mailing run whose time has come; return how many. The update
    that takes a run checks it is still SCHEDULED, so two schedulers start it once."""
    r = m.mailing_run.c
    with engine.begin() as db:
        due = db.execute(
            update(m.mailing_run)
            .where(r.status == RunStatus.SCHEDULED.value, r.send_at <= utc_now())
            .values(status=RunStatus.SENDING.value)
            .returning(r.tenant_id, r.job_id)
        ).all()
        if due:
            task = TASK_FOR_KIND[JobKind.MAILING_SEND]
            db.execute(
                insert(t.outbox_message),
                [outbox_row(row.tenant_id, task, {"job_id": row.job_id}) for row in due],
            )
    return len(due)


class Scheduler:
    def __init__(
        self, engine: Engine, hour_utc: int, on_start: Callable[[], None] | None = None
    ) -> None:
        self.engine = engine
        self.hour_utc = hour_utc
        self._wake_relay = on_start

    def tick(self) -> int:
        now = utc_now()
        mailings = start_due_mailings(self.engine)
        if mailings:
            log.info("Started %d scheduled mailings", mailings)
        started = start_daily_runs(self.engine, now.date()) if now.hour >= self.hour_utc else 0
        if started or mailings:
            if started:
                log.info("Started %d reminder runs for %s", started, now.date())
            if self._wake_relay is not None:
                self._wake_relay()
        return started

    def run(self, stop: threading.Event, interval: float = 60.0) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("Scheduler tick failed")
            stop.wait(interval)
