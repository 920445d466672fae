"""A mailing run's recipients, resolved when it starts: its members are read once, then a
delivery row is written for each, QUEUED or skipped with why, a chunk of members per
transaction; each chunk commits with the outbox messages that hand its QUEUED rows to the
senders, a batch of ids per message. So the first mails go while the rest are still being
written, and no transaction holds all of a large run's rows.

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
    Integer,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from domain.jobs import JobStatus
from domain.mailings.runs import DeliveryStatus, RunStatus
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.leases import Holder, LeaseLost
from infra.db.queries.consent import preference_granted_at
from infra.db.tables import Id, Moment
from infra.db.unit_of_work import outbox_row
from infra.segments.members import members_select

SEND_TASK = "send_mailing_batch"
# Deliveries per message to the senders: a batch is also how often a run looks at whether
# it was cancelled, and what two workers share. Each batch reads what its mails need in
# five statements: at 100 a batch, those were a tenth of a message's CPU in the worker.
SEND_BATCH = 250
# Members resolved per transaction: twenty batches. Written in one go, 100,000 members
# took PostgreSQL 2.5 s to write and as long again to lease, before the first mail went.
RESOLVE_CHUNK = 20 * SEND_BATCH
d = m.mailing_delivery.c
QUEUED = DeliveryStatus.QUEUED.value


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
            earlier.c.status.in_((DeliveryStatus.SENT.value, QUEUED)),
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
        else_=QUEUED,
    )


def resolve(engine: Engine, run: Run, holder: Holder) -> None:
    """Write the run's delivery rows and hand the QUEUED ones over, a chunk of members per
    transaction, then mark the run resolved. A chunk renews the run job's lease and adds
    its QUEUED rows to the job's total. Stops early, leaving the rest unwritten, once the
    run is no longer SENDING (cancelled), and raises LeaseLost, its chunk undone, once the
    job is no longer this attempt's (it stalled, and the sweeper gave the job to another).

    Should the attempt die part way, the next one reads the members again and writes
    those not written yet: the run's recipients are then the members of either reading."""
    with engine.begin() as db:
        members = select(
            members_select(run.tenant_id, segment_id=run.segment_id, list_id=run.list_id)
            .subquery("members")
            .c.customer_id
        ).distinct()
        ids = sorted(db.execute(members).scalars())
    for n in range(0, len(ids), RESOLVE_CHUNK):
        with engine.begin() as db:
            if not _sending(db, run):
                return
            _resolve_chunk(db, run, ids[n : n + RESOLVE_CHUNK], holder)
    r = m.mailing_run.c
    with engine.begin() as db:
        db.execute(update(m.mailing_run).where(r.id == run.id).values(resolved_at=utc_now()))


def _sending(db: Connection, run: Run) -> bool:
    r = m.mailing_run.c
    status = db.execute(select(r.status).where(r.id == run.id)).scalar_one()
    return bool(status == RunStatus.SENDING.value)


def _resolve_chunk(db: Connection, run: Run, customer_ids: list[int], holder: Holder) -> None:
    """The delivery rows of these members (a member with one already has nothing more
    written), the QUEUED ones leased as handed over, and the outbox messages handing them."""
    customer, address = t.customer.c, _first_address()
    now, lease = utc_now(), holder.lease
    # OFFSET 0 keeps the subquery whole: merged into the outer one, each member's status
    # (five subqueries) would be worked out a second time for its lease.
    chosen = (
        select(
            customer.id.label("customer_id"),
            _status(run, address).label("status"),
            address.label("address"),
        )
        .where(customer.tenant_id == run.tenant_id, customer.id.in_(customer_ids))
        .offset(0)
        .subquery("chosen")
    )
    handed = chosen.c.status == QUEUED
    rows = select(
        literal(run.tenant_id, Id),
        literal(run.id, Id),
        literal(run.mailing_id, Id),
        chosen.c.customer_id,
        chosen.c.status,
        chosen.c.address,
        literal(now, Moment),
        # Until its message had its chance, nobody hands these over again.
        case((handed, literal(now + lease, Moment))),
        case((handed, literal(1, Integer)), else_=literal(0, Integer)),
    ).where(true())  # SQLite reads `SELECT … FROM x ON CONFLICT` as a join without it
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    columns = [
        "tenant_id",
        "run_id",
        "mailing_id",
        "customer_id",
        "status",
        "address",
        "created_at",
        "lease_expires_at",
        "attempts",
    ]
    written = db.execute(
        dialect.insert(m.mailing_delivery)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=["run_id", "customer_id"])
        .returning(d.id, d.status)
    ).all()
    queued = sorted(row.id for row in written if row.status == QUEUED)
    j = t.job.c
    held = db.execute(
        update(t.job)
        .where(j.id == run.job_id, j.status == JobStatus.RUNNING.value)
        .where(j.lease_holder == holder.delivery)
        .values(total=func.coalesce(j.total, 0) + len(queued), lease_expires_at=now + lease)
    ).rowcount
    if not held:
        raise LeaseLost(f"Job {run.job_id} is no longer this worker's: its lease expired.")
    _hand_over(db, run, queued)


def _hand_over(db: Connection, run: Run, delivery_ids: list[int]) -> None:
    """The outbox messages sending these deliveries, a batch per message."""
    if delivery_ids:
        db.execute(
            insert(t.outbox_message),
            [
                outbox_row(
                    run.tenant_id, SEND_TASK, {"delivery_ids": delivery_ids[n : n + SEND_BATCH]}
                )
                for n in range(0, len(delivery_ids), SEND_BATCH)
            ],
        )


def dispatch(db: Connection, run: Run, lease: timedelta, max_attempts: int) -> int:
    """Hand every QUEUED delivery of the run that no batch holds to the senders (through
    the outbox, in this transaction); fail those lost `max_attempts` times. Returns how
    many were handed over."""
    now = utc_now()
    free = and_(
        d.run_id == run.id,
        d.status == QUEUED,
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
    queued = select(func.count()).where(d.run_id == run.id, d.status == QUEUED)
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
    _hand_over(db, run, ids)
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
                d.status == QUEUED,
                or_(d.lease_expires_at.is_(None), d.lease_expires_at < utc_now()),
            )
            .values(status=DeliveryStatus.CANCELLED.value, lease_holder=None, lease_expires_at=None)
        ).rowcount
