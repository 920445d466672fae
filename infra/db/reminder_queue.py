"""The pledge-reminder run in the database: find the instalments whose reminder is due,
write one `pledge_reminder` row per instalment and reminder number, and hand each new row
to the mailer through the outbox, in the same transaction.

The unique key (instalment, number) is written before the hand-off: a second scheduler, a
re-run or a redelivered message finds the row there and queues nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.consent.preferences import PreferenceKind
from domain.fundraising.events import PledgeReminderSent
from domain.fundraising.reminders import ReminderPolicy
from infra.clock import utc_now
from infra.db import consent_tables as c
from infra.db import fundraising_tables as f
from infra.db import tables as t
from infra.db.marked_entries import mark_and_note, record_with_fact
from infra.db.queries.consent import granted_at, grants
from infra.db.reminder_limits import policy_for, reminder_history
from infra.db.unit_of_work import outbox_row

ACTOR = "Foyer reminders"
__all__ = ["policy_for", "queue_reminders", "record_outcome", "reminders_to_send"]

BATCH = 2000
SEND_TASK = "send_pledge_reminders"
# Reminders per message to the mailer: one message each would cost more to relay and
# deliver than the mail itself; a redelivered message re-sends none already marked sent.
SEND_BATCH = 100


@dataclass
class RunCounts:
    checked: int = 0
    queued: int = 0
    skipped_no_email: int = 0
    skipped_no_consent: int = 0
    already_queued: int = 0
    # Due by the schedule, but too soon after one sent on demand, or past the most allowed.
    held_by_limits: int = 0

    def as_summary(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "queued": self.queued,
            "skippedNoEmail": self.skipped_no_email,
            "skippedNoConsent": self.skipped_no_consent,
            "alreadyQueued": self.already_queued,
            "heldByLimits": self.held_by_limits,
        }


@dataclass
class _History:
    numbers: set[int]
    days: list[date]


def _histories(db: Connection, instalment_ids: list[int]) -> dict[int, _History]:
    histories: dict[int, _History] = {}
    for row in db.execute(reminder_history(instalment_ids)):
        history = histories.setdefault(row.instalment_id, _History(set(), []))
        history.numbers.add(row.number)
        history.days.append(row.created_at.date())
    return histories


def _paid() -> Any:
    """What has been paid towards the instalment of the outer query."""
    pay = f.instalment_payment.c
    return (
        select(func.coalesce(func.sum(pay.amount), 0))
        .where(pay.instalment_id == f.instalment.c.id)
        .scalar_subquery()
    )


def _due_instalments(tenant_id: int, today: date, horizon: int) -> Any:
    i, p = f.instalment.c, f.pledge.c
    paid = _paid()
    has_email = exists().where(t.customer_email.c.customer_id == p.customer_id)
    return (
        select(
            i.id,
            i.due_on,
            has_email.label("has_email"),
            grants(p.customer_id, PreferenceKind.EMAIL).label("email_consent"),
        )
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


NO_EMAIL, NO_CONSENT = "SKIPPED_NO_EMAIL", "SKIPPED_NO_CONSENT"


def skipped(policy: ReminderPolicy, has_email: bool, email_consent: bool) -> str | None:
    """Why a reminder is not sent, if it is not: no address, or (unless the organisation
    counts reminders as transactional) no granted EMAIL preference."""
    if not has_email:
        return NO_EMAIL
    if not policy.transactional and not email_consent:
        return NO_CONSENT
    return None


def _insert_new(db: Connection, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert the reminders not there yet; return the rows inserted (id, instalment)."""
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(f.pledge_reminder)
        .on_conflict_do_nothing(index_elements=["instalment_id", "number"])
        .returning(
            f.pledge_reminder.c.id, f.pledge_reminder.c.instalment_id, f.pledge_reminder.c.outcome
        )
    )
    # Rows as parameters, not as `.values(rows)`: SQLAlchemy then batches them into
    # statements it compiles once, where 2,000 rows of values took a second to compile.
    return list(db.execute(statement, rows).all())


def queue_reminders(
    engine: Engine,
    tenant_id: int,
    today: date,
    progress: Any = lambda done, total: None,
    job_id: int | None = None,
) -> RunCounts:
    counts = RunCounts()
    with engine.connect() as db:
        policy = policy_for(db, tenant_id)
        due = list(db.execute(_due_instalments(tenant_id, today, policy.horizon_days)).all())
    now = utc_now()
    for start in range(0, len(due), BATCH):
        batch = due[start : start + BATCH]
        rows = []
        with engine.begin() as db:
            histories = _histories(db, [instalment.id for instalment in batch])
            for instalment in batch:
                number = policy.due_number(instalment.due_on, today)
                if number is None:
                    continue
                history = histories.get(instalment.id, _History(set(), []))
                # One there already under this number is counted below, as already queued.
                if number not in history.numbers and policy.refusal(history.days, today):
                    counts.held_by_limits += 1
                    continue
                rows.append(
                    {
                        "tenant_id": tenant_id,
                        "instalment_id": instalment.id,
                        "number": number,
                        "created_at": now,
                        "outcome": skipped(policy, instalment.has_email, instalment.email_consent),
                        "job_id": job_id,
                    }
                )
            inserted = _insert_new(db, rows) if rows else []
            to_send = [r.id for r in inserted if r.outcome is None]
            if to_send:
                db.execute(
                    insert(t.outbox_message),
                    [
                        outbox_row(
                            tenant_id, SEND_TASK, {"reminder_ids": to_send[n : n + SEND_BATCH]}
                        )
                        for n in range(0, len(to_send), SEND_BATCH)
                    ],
                )
        counts.checked += len(batch)
        counts.queued += len(to_send)
        counts.skipped_no_email += sum(r.outcome == NO_EMAIL for r in inserted)
        counts.skipped_no_consent += sum(r.outcome == NO_CONSENT for r in inserted)
        counts.already_queued += len(rows) - len(inserted)
        progress(start + len(batch), len(due))
    return counts


def reminders_to_send(db: Connection, reminder_ids: list[int]) -> list[Any]:
    """What each mail needs, for the reminders not yet sent or skipped, in id order, and
    whether the instalment has been settled since."""
    r, i, p, c = f.pledge_reminder.c, f.instalment.c, f.pledge.c, t.customer.c
    email = (
        select(t.customer_email.c.address)
        .where(t.customer_email.c.customer_id == p.customer_id)
        .order_by(t.customer_email.c.position)
        .limit(1)
        .scalar_subquery()
    )
    return list(
        db.execute(
            select(
                r.id,
                r.tenant_id,
                r.number,
                i.amount,
                i.due_on,
                p.id.label("pledge_id"),
                p.opportunity_id,
                p.customer_id,
                c.title,
                c.first_name,
                c.last_name,
                c.name,
                email.label("email"),
                granted_at(p.customer_id, PreferenceKind.EMAIL).label("email_granted_at"),
                t.tenant.c.name.label("organisation"),
                t.tenant.c.currency,
                # Paid or cancelled since the run queued it: the donor owes nothing now.
                or_(i.cancelled, p.cancelled, _paid() >= i.amount).label("settled"),
            )
            .join(f.instalment, i.id == r.instalment_id)
            .join(f.pledge, p.id == i.pledge_id)
            .join(t.customer, c.id == p.customer_id)
            .join(t.tenant, t.tenant.c.id == r.tenant_id)
            .where(r.id.in_(reminder_ids), r.sent_at.is_(None), r.outcome.is_(None))
            .order_by(r.id)
        ).all()
    )


def suppressions(db: Connection, tenant_id: int, hashes: list[str]) -> dict[str, Any]:
    """When each of these hashed addresses was suppressed (erased), for those that were."""
    x = c.email_suppression.c
    if not hashes:
        return {}
    rows = db.execute(
        select(x.address_hash, x.suppressed_at).where(
            x.tenant_id == tenant_id, x.address_hash.in_(hashes)
        )
    )
    return {row.address_hash: row.suppressed_at for row in rows}


@contextmanager
def sending_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for sending a batch. On PostgreSQL it commits each statement as it
    runs: `record_outcome` is then one round trip, where BEGIN and COMMIT would make it
    three, the larger part of a reminder's cost.

    Its commits wait for the WAL to reach the disk, as every commit does: a mark lost to a
    crash of the database server would send that mail again, and a recipient gets each
    mail once. (Turning `synchronous_commit` off here made a mark 0.1 ms instead of 3;
    under load it did not show in the mailing's rate, so the guarantee was kept.)"""
    with engine.connect() as db:
        if engine.dialect.name == "postgresql":
            db.execution_options(isolation_level="AUTOCOMMIT")
        yield db


_MARK = (
    update(f.pledge_reminder)
    .where(f.pledge_reminder.c.id == bindparam("reminder_id"))
    .values(
        outcome=bindparam("outcome"),
        sent_at=bindparam("sent_at"),
        failure_reason=bindparam("failure_reason"),
    )
)
_MARK_AND_NOTE = mark_and_note(_MARK, f.pledge_reminder.c.id)


def record_outcome(
    db: Connection,
    reminder: Any,
    outcome: str,
    sent: PledgeReminderSent | None,
    failure_reason: str | None = None,
) -> None:
    """Mark the reminder sent, skipped or failed (with why), and put a sent one in the
    record's history and on the customer's timeline: committed at once, so a worker that
    dies on the next one has not lost this one."""
    now = utc_now()
    mark = {
        "reminder_id": reminder.id,
        "outcome": outcome,
        "sent_at": now if outcome == "SENT" else None,
        "failure_reason": failure_reason,
    }
    done = None if sent is None else (reminder.tenant_id, sent, ACTOR, now)
    record_with_fact(db, _MARK, _MARK_AND_NOTE, mark, done)
