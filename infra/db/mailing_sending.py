"""Sending a batch of a mailing run's deliveries, in the database: lease the batch to one
delivery of its message, read what each mail needs, mark each delivery as it goes (with its
timeline entry), count the run's progress, and finish the run when nothing is left.

A delivery is marked SENT only after the mail server accepted it, in its own statement:
killed at any point, a worker leaves at most the one mail it was handing over unmarked,
and that one is sent again with the same Message-ID.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, func, or_, select, update

from domain.jobs import JobStatus
from domain.mailings.events import MailingSent
from domain.mailings.runs import DeliveryStatus, RunStatus
from infra.clock import utc_now
from infra.db import mailing_tables as m
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.leases import Holder, LeasedRows
from infra.db.marked_entries import mark_and_note, record_with_fact
from infra.db.queries.consent import preference_granted_at

d = m.mailing_delivery.c
QUEUED = DeliveryStatus.QUEUED.value


DELIVERIES = LeasedRows(m.mailing_delivery, d.status == QUEUED)


def postpone(
    engine: Engine, delivery_ids: list[int], holder: Holder, successor: str, seconds: float
) -> None:
    """The batch waits `seconds` for its retry: its deliveries handed over to the retry
    (`successor`), and the run's job held as long. Only a finished batch renews the job's
    lease otherwise, so while every batch waits out a mail server's outage the lease would
    run out again and again, and the sweeper count each time as an attempt lost, until the
    job is FAILED with its batches still to come."""
    until = utc_now() + holder.lease + timedelta(seconds=seconds)
    r, j = m.mailing_run.c, t.job.c
    job = select(r.job_id).join(m.mailing_delivery, d.run_id == r.id).where(d.id == delivery_ids[0])
    with engine.begin() as db:
        DELIVERIES.hand_over(db, delivery_ids, holder, successor, seconds)
        db.execute(
            update(t.job)
            .where(
                j.id == job.scalar_subquery(),
                j.status == JobStatus.RUNNING.value,
                or_(j.lease_expires_at.is_(None), j.lease_expires_at < until),
            )
            .values(lease_expires_at=until)
        )


def deliveries(db: Connection, delivery_ids: list[int]) -> list[Any]:
    """What each mail of the batch needs, in id order, for those still QUEUED: the
    recipient, the mailing and its run, whether they grant its preference now (a
    withdrawal since the run started counts), and the organisation's pace (None: none)."""
    return list(db.execute(batch_statement(delivery_ids)).all())


def batch_statement(delivery_ids: list[int]) -> Select[Any]:
    """The statement `deliveries` runs."""
    x, r, c = m.mailing.c, m.mailing_run.c, t.customer.c
    return (
        select(
            d.id,
            d.tenant_id,
            d.run_id,
            d.customer_id,
            d.address,
            r.status.label("run_status"),
            r.job_id,
            x.id.label("mailing_id"),
            x.name.label("mailing_name"),
            x.subject,
            x.html_body,
            x.text_body,
            x.preference_id,
            c.title,
            c.first_name,
            c.last_name,
            c.name,
            t.tenant.c.name.label("organisation"),
            preference_granted_at(d.tenant_id, c.id, x.preference_id).label("granted_at"),
            m.mail_settings.c.messages_per_second,
        )
        .join(m.mailing_run, r.id == d.run_id)
        .join(m.mailing, x.id == d.mailing_id)
        .join(t.customer, c.id == d.customer_id)
        .join(t.tenant, t.tenant.c.id == d.tenant_id)
        .outerjoin(m.mail_settings, m.mail_settings.c.tenant_id == d.tenant_id)
        .where(d.id.in_(delivery_ids), d.status == QUEUED)
        .order_by(d.id)
    )


def memberships(db: Connection, tenant_id: int, customer_ids: list[int], today: date) -> dict:
    """Each customer's current membership (the one ending last): scheme and end."""
    x, scheme = s.membership.c, s.membership_scheme.c
    rows = db.execute(
        select(x.customer_id, scheme.name, x.ends_on)
        .join(s.membership_scheme, scheme.id == x.scheme_id)
        .where(
            x.tenant_id == tenant_id,
            x.customer_id.in_(customer_ids),
            x.starts_on <= today,
            x.ends_on >= today,
        )
        .order_by(x.customer_id, x.ends_on.desc())
    )
    found: dict[int, Any] = {}
    for row in rows:
        found.setdefault(row.customer_id, row)
    return found


def next_bookings(db: Connection, tenant_id: int, customer_ids: list[int], now: datetime) -> dict:
    """Each customer's next booked performance still to come (tickets not returned)."""
    o, i, instance, event = s.customer_order.c, s.order_item.c, s.event_instance.c, s.event.c
    rows = db.execute(
        select(o.owner_id, event.name, instance.starts_at)
        .join(s.order_item, i.order_id == o.id)
        .join(s.event_instance, instance.id == i.instance_id)
        .join(s.event, event.id == instance.event_id)
        .where(
            o.tenant_id == tenant_id,
            o.owner_id.in_(customer_ids),
            i.kind == "TICKET",
            i.returned_at.is_(None),
            instance.starts_at > now,
        )
        .order_by(o.owner_id, instance.starts_at)
    )
    found: dict[int, Any] = {}
    for row in rows:
        found.setdefault(row.owner_id, row)
    return found


_MARK = (
    update(m.mailing_delivery)
    .where(d.id == bindparam("delivery_id"), d.status == QUEUED)
    .values(
        status=bindparam("outcome"),
        sent_at=bindparam("sent_at"),
        subject=bindparam("sent_subject"),
        failure_reason=bindparam("reason"),
        lease_holder=None,
        lease_expires_at=None,
    )
)
_MARK_AND_NOTE = mark_and_note(_MARK, d.id)


def record(
    db: Connection,
    delivery_id: int,
    outcome: DeliveryStatus,
    sent: tuple[int, MailingSent, str, datetime] | None = None,
    reason: str | None = None,
) -> None:
    """Mark the delivery (a SENT one with its fact and timeline entry: `sent` is the
    organisation, the fact, the actor and when; the subject its recipient got is the
    fact's): committed at once, so a worker that dies on the next one has not lost this
    one."""
    now = utc_now()
    parameters = {
        "delivery_id": delivery_id,
        "outcome": outcome.value,
        "sent_at": now if outcome is DeliveryStatus.SENT else None,
        "sent_subject": sent[1].subject if sent is not None else None,
        "reason": reason,
    }
    record_with_fact(db, _MARK, _MARK_AND_NOTE, parameters, sent)


def run_and_job(db: Connection, delivery_id: int) -> tuple[int, int] | None:
    """The run a delivery belongs to, and the run's job."""
    r = m.mailing_run.c
    found = db.execute(
        select(d.run_id, r.job_id).join(m.mailing_run, r.id == d.run_id).where(d.id == delivery_id)
    ).first()
    return (found.run_id, found.job_id) if found is not None else None


def cancel_held(db: Connection, delivery_ids: list[int], holder: Holder) -> int:
    return db.execute(
        update(m.mailing_delivery)
        .where(d.id.in_(delivery_ids), d.lease_holder == holder.delivery, d.status == QUEUED)
        .values(status=DeliveryStatus.CANCELLED.value, lease_holder=None, lease_expires_at=None)
    ).rowcount


def count_progress(db: Connection, job_id: int, done: int, lease: timedelta) -> None:
    """The batch's deliveries done, and the run job's heartbeat: while batches finish, its
    lease holds; when they all stop (lost), it runs out and the sweeper sends the run job
    again, which hands over what is left."""
    j = t.job.c
    db.execute(
        update(t.job)
        .where(j.id == job_id, j.status == "RUNNING")
        .values(progress=j.progress + done, lease_expires_at=utc_now() + lease)
    )


def counts_statement(run_id: int) -> Any:
    return select(d.status, func.count()).where(d.run_id == run_id).group_by(d.status)


def delivery_counts(db: Connection, run_id: int) -> dict[str, int]:
    return {status: count for status, count in db.execute(counts_statement(run_id)).all()}


def unfinished(db: Connection, run_id: int) -> bool:
    return (
        db.execute(select(d.id).where(d.run_id == run_id, d.status == QUEUED).limit(1)).first()
        is not None
    )


def job_total(db: Connection, job_id: int) -> int:
    """How many deliveries the run had to send when it was resolved."""
    total = db.execute(select(t.job.c.total).where(t.job.c.id == job_id)).scalar()
    return int(total or 0)


def finish_run(db: Connection, run_id: int) -> bool:
    """SENDING → SENT once resolved; whether the run is SENT now (False: it was cancelled,
    or its recipients are still being written, and a batch that finished them all so far
    is not the last)."""
    r = m.mailing_run.c
    db.execute(
        update(m.mailing_run)
        .where(r.id == run_id, r.status == RunStatus.SENDING.value, r.resolved_at.is_not(None))
        .values(status=RunStatus.SENT.value, finished_at=utc_now())
    )
    status = db.execute(select(r.status).where(r.id == run_id)).scalar_one()
    return bool(status == RunStatus.SENT.value)


def reserve_pace(engine: Engine, tenant_id: int, messages: int) -> tuple[datetime, float] | None:
    """When this batch may start and the seconds between its messages, under the
    organisation's limit (messages per second; None: no limit). The window is reserved in
    the organisation's row, so every worker sending for it keeps to one pace together."""
    x = m.mail_settings.c
    with engine.begin() as db:
        statement = select(m.mail_settings).where(x.tenant_id == tenant_id)
        if db.dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = db.execute(statement).first()
        if row is None or not row.messages_per_second:
            return None
        now = utc_now()
        start = max(now, row.next_send_at or now)
        interval = 1 / row.messages_per_second
        db.execute(
            update(m.mail_settings)
            .where(x.tenant_id == tenant_id)
            .values(next_send_at=start + timedelta(seconds=interval * messages))
        )
        return start, interval
