"""Mailings and their runs, for the API's unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.actors import Actor
from domain.jobs import JobStatus
from domain.mailings.mailing import Mailing
from domain.mailings.runs import DeliveryStatus, MailingRun, RunStatus
from infra.clock import utc_now
from infra.db import insights_tables as i
from infra.db import mailing_tables as m
from infra.db import tables as t

ACTIVE = (RunStatus.SCHEDULED.value, RunStatus.SENDING.value)


def mailing_from_row(row: Any) -> Mailing:
    return Mailing(
        row.name,
        row.subject,
        row.html_body,
        row.preference_id,
        row.text_body,
        row.created_by,
        row.created_at,
        row.updated_at,
        row.id,
    )


def run_from_row(row: Any) -> MailingRun:
    return MailingRun(
        row.mailing_id,
        row.job_id,
        row.send_at,
        RunStatus(row.status),
        row.segment_id,
        row.list_id,
        row.requested_by,
        row.cancelled_by,
        row.id,
    )


class SqlMailingRepository:
    def __init__(self, connection: AsyncConnection, actor: Actor) -> None:
        self._db, self._actor, self._tenant_id = connection, actor, actor.tenant_id

    def _columns(self, mailing: Mailing) -> dict[str, Any]:
        return {
            "name": mailing.name,
            "subject": mailing.subject,
            "html_body": mailing.html_body,
            "text_body": mailing.text_body,
            "preference_id": mailing.preference_id,
            "updated_at": mailing.updated_at,
        }

    async def get(self, mailing_id: int) -> Mailing | None:
        x = m.mailing.c
        row = (
            await self._db.execute(
                select(m.mailing).where(x.id == mailing_id, x.tenant_id == self._tenant_id)
            )
        ).first()
        return mailing_from_row(row) if row else None

    async def add(self, mailing: Mailing) -> None:
        mailing.id = (
            await self._db.execute(
                insert(m.mailing)
                .values(
                    tenant_id=self._tenant_id,
                    created_by=mailing.created_by,
                    created_at=mailing.created_at,
                    **self._columns(mailing),
                )
                .returning(m.mailing.c.id)
            )
        ).scalar_one()

    async def save(self, mailing: Mailing) -> None:
        x = m.mailing.c
        await self._db.execute(
            update(m.mailing)
            .where(x.id == mailing.id, x.tenant_id == self._tenant_id)
            .values(**self._columns(mailing))
        )

    async def active_run(self, mailing_id: int) -> MailingRun | None:
        r = m.mailing_run.c
        row = (
            await self._db.execute(
                select(m.mailing_run).where(
                    r.tenant_id == self._tenant_id,
                    r.mailing_id == mailing_id,
                    r.status.in_(ACTIVE),
                )
            )
        ).first()
        return run_from_row(row) if row else None

    async def add_run(self, run: MailingRun) -> bool:
        values = {
            "tenant_id": self._tenant_id,
            "mailing_id": run.mailing_id,
            "job_id": run.job_id,
            "segment_id": run.segment_id,
            "list_id": run.list_id,
            "send_at": run.send_at,
            "status": run.status.value,
            "requested_by": run.requested_by,
            "created_at": utc_now(),
        }
        # Written only while its audience is there, in the one statement: a segment or list
        # deleted since it was read (on SQLite nothing holds the row meanwhile) gets no run.
        audience = i.segment if run.segment_id is not None else i.customer_list
        audience_id = run.segment_id if run.segment_id is not None else run.list_id
        there = exists().where(
            audience.c.tenant_id == self._tenant_id, audience.c.id == audience_id
        )
        columns = list(values)
        row = select(*(literal(values[c], m.mailing_run.c[c].type) for c in columns)).where(there)
        found = await self._db.execute(
            insert(m.mailing_run).from_select(columns, row).returning(m.mailing_run.c.id)
        )
        run.id = found.scalar()
        return run.id is not None

    async def cancel_run(self, run: MailingRun, reason: str) -> None:
        r, d, j = m.mailing_run.c, m.mailing_delivery.c, t.job.c
        now = utc_now()
        await self._db.execute(
            update(m.mailing_run)
            .where(r.id == run.id, r.tenant_id == self._tenant_id, r.status.in_(ACTIVE))
            .values(status=run.status.value, cancelled_by=run.cancelled_by, finished_at=now)
        )
        # What no batch holds now goes nowhere; a batch being sent cancels the rest of its
        # own when it next looks at the run (workers/mailings.py).
        await self._db.execute(
            update(m.mailing_delivery)
            .where(
                d.run_id == run.id,
                d.status == DeliveryStatus.QUEUED.value,
                or_(d.lease_holder.is_(None), d.lease_expires_at < now),
            )
            .values(status=DeliveryStatus.CANCELLED.value)
        )
        await self._db.execute(
            update(t.job)
            .where(
                and_(j.id == run.job_id, j.tenant_id == self._tenant_id),
                j.status.in_((JobStatus.PENDING.value, JobStatus.RUNNING.value)),
            )
            .values(
                status=JobStatus.FAILED.value,
                error=reason,
                finished_at=now,
                lease_expires_at=None,
                lease_holder=None,
                leased_by=None,
            )
        )
