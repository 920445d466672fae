"""The pledge-reminder run in the database: find the instalments whose reminder is due,
write one `pledge_reminder` row per instalment and reminder number, and hand each new row
to the mailer through the outbox, in the same transaction.

The unique key (instalment, number) is written before the hand-off: a second scheduler, a
re-run or a redelivered message finds the row there and queues nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.fundraising.reminders import ReminderPolicy
from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db import tables as t
from infra.db.unit_of_work import outbox_row

BATCH = 2000
SEND_TASK = "send_pledge_reminder"


@dataclass
class RunCounts:
    checked: int = 0
    queued: int = 0
    skipped_no_email: int = 0
    already_queued: int = 0

    def as_summary(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "queued": self.queued,
            "skippedNoEmail": self.skipped_no_email,
            "alreadyQueued": self.already_queued,
        }


def policy_for(db: Connection, tenant_id: int) -> ReminderPolicy:
    row = db.execute(
        select(f.reminder_settings).where(f.reminder_settings.c.tenant_id == tenant_id)
    ).first()
    if row is None:
        return ReminderPolicy()
    defaults = ReminderPolicy()
    return ReminderPolicy(
        row.first_days_before,
        row.every_days,
        row.max_reminders,
        row.transactional,
        row.template_subject or defaults.subject,
        row.template_body or defaults.body,
    )


def _due_instalments(tenant_id: int, today: date, horizon: int) -> Any:
    i, p, pay = f.instalment.c, f.pledge.c, f.instalment_payment.c
    paid = (
        select(func.coalesce(func.sum(pay.amount), 0))
        .where(pay.instalment_id == i.id)
        .scalar_subquery()
    )
    has_email = exists().where(t.customer_email.c.customer_id == p.customer_id)
    return (
        select(i.id, i.due_on, has_email.label("has_email"))
        .join(f.pledge, p.id == i.pledge_id)
        .where(
            i.tenant_id == tenant_id,
            i.cancelled.is_(False),
            p.cancelled.is_(False),
            i.due_on >= today,
            i.due_on <= today + timedelta(days=horizon),
            i.amount > paid,
        )
        .order_by(i.id)
    )


def _insert_new(db: Connection, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert the reminders not there yet; return the rows inserted (id, instalment)."""
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(f.pledge_reminder)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["instalment_id", "number"])
        .returning(
            f.pledge_reminder.c.id, f.pledge_reminder.c.instalment_id, f.pledge_reminder.c.outcome
        )
    )
    return list(db.execute(statement).all())


def queue_reminders(
    engine: Engine, tenant_id: int, today: date, progress: Any = lambda done, total: None
) -> RunCounts:
    counts = RunCounts()
    with engine.connect() as db:
        policy = policy_for(db, tenant_id)
        due = list(db.execute(_due_instalments(tenant_id, today, policy.horizon_days)).all())
    now = utc_now()
    for start in range(0, len(due), BATCH):
        batch = due[start : start + BATCH]
        rows = []
        for instalment in batch:
            number = policy.due_number(instalment.due_on, today)
            if number is not None:
                rows.append(
                    {
                        "tenant_id": tenant_id,
                        "instalment_id": instalment.id,
                        "number": number,
                        "created_at": now,
                        "outcome": None if instalment.has_email else "SKIPPED_NO_EMAIL",
                    }
                )
        with engine.begin() as db:
            inserted = _insert_new(db, rows) if rows else []
            to_send = [r for r in inserted if r.outcome is None]
            if to_send:
                db.execute(
                    insert(t.outbox_message),
                    [outbox_row(tenant_id, SEND_TASK, {"reminder_id": r.id}) for r in to_send],
                )
        counts.checked += len(batch)
        counts.queued += len(to_send)
        counts.skipped_no_email += len(inserted) - len(to_send)
        counts.already_queued += len(rows) - len(inserted)
        progress(start + len(batch), len(due))
    return counts


def reminder_to_send(engine: Engine, reminder_id: int) -> Any | None:
    """What the mail needs, or None when this reminder was already sent or skipped."""
    r, i, p, c = f.pledge_reminder.c, f.instalment.c, f.pledge.c, t.customer.c
    email = (
        select(t.customer_email.c.address)
        .where(t.customer_email.c.customer_id == p.customer_id)
        .order_by(t.customer_email.c.position)
        .limit(1)
        .scalar_subquery()
    )
    with engine.connect() as db:
        return db.execute(
            select(
                r.id,
                r.tenant_id,
                r.number,
                i.amount,
                i.due_on,
                p.id.label("pledge_id"),
                p.customer_id,
                c.title,
                c.first_name,
                c.last_name,
                c.name,
                email.label("email"),
                t.tenant.c.name.label("organisation"),
                t.tenant.c.currency,
            )
            .join(f.instalment, i.id == r.instalment_id)
            .join(f.pledge, p.id == i.pledge_id)
            .join(t.customer, c.id == p.customer_id)
            .join(t.tenant, t.tenant.c.id == r.tenant_id)
            .where(r.id == reminder_id, r.sent_at.is_(None), r.outcome.is_(None))
        ).first()


def record_outcome(engine: Engine, reminder: Any, outcome: str, summary: str | None) -> None:
    """Mark the reminder sent or skipped, and put a sent one on the customer's timeline."""
    with engine.begin() as db:
        db.execute(
            update(f.pledge_reminder)
            .where(f.pledge_reminder.c.id == reminder.id)
            .values(outcome=outcome, sent_at=utc_now() if outcome == "SENT" else None)
        )
        if summary is not None:
            db.execute(
                insert(t.timeline_entry).values(
                    tenant_id=reminder.tenant_id,
                    customer_id=reminder.customer_id,
                    type="PLEDGE_REMINDER",
                    summary=summary,
                    details={"pledgeId": str(reminder.pledge_id), "number": str(reminder.number)},
                    actor="Foyer reminders",
                    occurred_at=utc_now(),
                )
            )
