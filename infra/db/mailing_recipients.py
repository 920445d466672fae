"""A mailing run's recipients, resolved when it starts: one INSERT … SELECT writes a
delivery row for every member of the segment or list, QUEUED or skipped with why, before
anything is handed to the mailer; then every QUEUED row not held by a batch goes to the
senders through the outbox, a batch of ids per message.

The unique key (run, customer) makes both steps safe to repeat: a run job delivered again
(its worker killed, a sweep) resolves nothing twice and sends again only what is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from domain.mailings.runs import DeliveryStatus, RunStatus
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.queries.consent import preference_granted_at
from infra.db.tables import Id, Moment
from infra.db.unit_of_work import outbox_row
from infra.segments.members import members_select

SEND_TASK = "send_mailing_batch"
# Deliveries per message to the senders: a batch is also how often a run looks at whether
# it was cancelled, and what two workers share. Each batch reads what its mails need in
# five statements: at 100 a batch, those were a tenth of a message's CPU in the worker.
SEND_BATCH = 250
d = m.mailing_delivery.c


@dataclass(frozen=True)
class Run:
    id: int
    tenant_id: int
    mailing_id: int
    job_id: int
    preference_id: int
    segment_id: int | None
    list_id: int | None
    send_at: datetime
    status: RunStatus
    resolved: bool


def run_of_job(db: Connection, job_id: int) -> Run | None:
    r, x = m.mailing_run.c, m.mailing.c
    row = db.execute(
        select(m.mailing_run, x.preference_id)
        .join(m.mailing, x.id == r.mailing_id)
        .where(r.job_id == job_id)
    ).first()
    if row is None:
        return None
    return Run(
        row.id,
        row.tenant_id,
        row.mailing_id,
        row.job_id,
        row.preference_id,
        row.segment_id,
        row.list_id,
        row.send_at,
        RunStatus(row.status),
        row.resolved_at is not None,
    )


def start_sending(db: Connection, run: Run) -> bool:
    """SCHEDULED → SENDING (a run asked for now is SENDING already); False when it was
    cancelled meanwhile."""
    r = m.mailing_run.c
    changed = db.execute(
        update(m.mailing_run)
        .where(r.id == run.id, r.status.in_((RunStatus.SCHEDULED.value, RunStatus.SENDING.value)))
        .values(status=RunStatus.SENDING.value)
    ).rowcount
    return bool(changed)


def _first_address() -> Any:
    e = t.customer_email.c
    return (
        select(e.address)
        .where(e.customer_id == t.customer.c.id)
        .order_by(e.position, e.id)
        .limit(1)
        .scalar_subquery()
    )


def _status(run: Run, address: Any) -> Any:
    """Why a member is not sent the mailing, in the order a person would give it; QUEUED
    when nothing stops it. Consent is the mailing's preference's current state."""
    customer = t.customer.c
    erased = exists().where(c.customer_erasure.c.customer_id == customer.id)
    earlier, r = m.mailing_delivery.alias("earlier"), m.mailing_run.c
    # The earlier runs' recipients as one set, read by run: a subquery per member by
    # (organisation, mailing) made PostgreSQL walk, for every member, the index entries
    # this very statement had inserted so far (invisible to it, visited all the same):
    # quadratic, more than five minutes for 100,000 members.
    earlier_runs = select(r.id).where(
        r.tenant_id == run.tenant_id, r.mailing_id == run.mailing_id, r.id != run.id
    )
    already = customer.id.in_(
        select(earlier.c.customer_id).where(
            earlier.c.tenant_id == run.tenant_id,
            earlier.c.run_id.in_(earlier_runs),
            earlier.c.status.in_((DeliveryStatus.SENT.value, DeliveryStatus.QUEUED.value)),
        )
    )
    granted = preference_granted_at(run.tenant_id, customer.id, run.preference_id)
    return case(
        (erased, DeliveryStatus.SKIPPED_ERASED.value),
        (customer.date_of_death.is_not(None), DeliveryStatus.SKIPPED_DECEASED.value),
        (customer.active.is_(False), DeliveryStatus.SKIPPED_INACTIVE.value),
        (address.is_(None), DeliveryStatus.SKIPPED_NO_EMAIL.value),
        (already, DeliveryStatus.SKIPPED_ALREADY_SENT.value),
        (granted.is_(None), DeliveryStatus.SKIPPED_NO_CONSENT.value),
        else_=DeliveryStatus.QUEUED.value,
    )


def resolve(db: Connection, run: Run) -> None:
    """Write the run's delivery rows (one statement) and mark it resolved."""
    members = members_select(
        run.tenant_id, segment_id=run.segment_id, list_id=run.list_id
    ).subquery("members")
    customer, address = t.customer.c, _first_address()
    now = utc_now()
    chosen = select(
        literal(run.tenant_id, Id),
        literal(run.id, Id),
        literal(run.mailing_id, Id),
        customer.id,
        _status(run, address),
        address,
        literal(now, Moment),
    ).where(
        customer.id.in_(select(members.c.customer_id)),
        customer.tenant_id == run.tenant_id,
    )
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    columns = [
        "tenant_id",
        "run_id",
        "mailing_id",
        "customer_id",
        "status",
        "address",
        "created_at",
    ]
    db.execute(
        dialect.insert(m.mailing_delivery)
        .from_select(columns, chosen)
        .on_conflict_do_nothing(index_elements=["run_id", "customer_id"])
    )
    queued = db.execute(
        select(func.count()).where(d.run_id == run.id, d.status == DeliveryStatus.QUEUED.value)
    ).scalar_one()
    r = m.mailing_run.c
    db.execute(update(m.mailing_run).where(r.id == run.id).values(resolved_at=now))
    db.execute(update(t.job).where(t.job.c.id == run.job_id).values(total=queued, progress=0))


def dispatch(db: Connection, run: Run, lease: timedelta, max_attempts: int) -> int:
    """Hand every QUEUED delivery of the run that no batch holds to the senders (through
    the outbox, in this transaction); fail those lost `max_attempts` times. Returns how
    many were handed over."""
    now = utc_now()
    free = and_(
        d.run_id == run.id,
        d.status == DeliveryStatus.QUEUED.value,
        or_(d.lease_expires_at.is_(None), d.lease_expires_at < now),
    )
    db.execute(
        update(m.mailing_delivery)
        .where(free, d.attempts >= max_attempts)
        .values(
            status=DeliveryStatus.FAILED.value,
            failure_reason=f"Its sending stopped without an answer {max_attempts} times; given up.",
        )
    )
    # The job's progress as the rows have it (claiming the job again set it to 0).
    queued = select(func.count()).where(d.run_id == run.id, d.status == DeliveryStatus.QUEUED.value)
    j = t.job.c
    db.execute(
        update(t.job)
        .where(j.id == run.job_id)
        .values(progress=func.coalesce(j.total, 0) - queued.scalar_subquery())
    )
    taken = db.execute(
        update(m.mailing_delivery)
        .where(free)
        # Until its message had its chance, nobody hands these over again.
        .values(lease_holder=None, lease_expires_at=now + lease, attempts=d.attempts + 1)
        .returning(d.id)
    ).scalars()
    ids = sorted(taken)
    if ids:
        db.execute(
            insert(t.outbox_message),
            [
                outbox_row(run.tenant_id, SEND_TASK, {"delivery_ids": ids[n : n + SEND_BATCH]})
                for n in range(0, len(ids), SEND_BATCH)
            ],
        )
    return len(ids)


def cancel_stranded(engine: Engine) -> int:
    """Cancel the QUEUED deliveries of cancelled runs whose lease ran out: a batch held them
    when the run was cancelled and then died, and nothing will come for them again (the
    run's job is over). Returns how many."""
    r = m.mailing_run.c
    cancelled = select(r.id).where(r.status == RunStatus.CANCELLED.value)
    with engine.begin() as db:
        return db.execute(
            update(m.mailing_delivery)
            .where(
                d.run_id.in_(cancelled),
                d.status == DeliveryStatus.QUEUED.value,
                or_(d.lease_expires_at.is_(None), d.lease_expires_at < utc_now()),
            )
            .values(status=DeliveryStatus.CANCELLED.value, lease_holder=None, lease_expires_at=None)
        ).rowcount
