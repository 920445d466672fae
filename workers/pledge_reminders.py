"""Pledge reminders: the daily run that queues them, and the sending of each one.

The run writes one row per instalment and reminder number before it hands anything to the
mailer (infra/db/reminder_queue.py), so a second scheduler or a re-delivered run sends
nothing twice. Sending is idempotent too: a reminder already marked sent or skipped is left
alone. Staff-written templates render in jinja2's sandbox, under a budget; one refused is
recorded as the reminder's failure, with the reason, and not retried.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import Connection

from domain.consent.erasure import email_hash, needs_fresh_answer
from domain.fundraising.events import PledgeReminderSent
from domain.fundraising.reminders import ReminderPolicy, reminder_values
from domain.money import Money
from infra.clock import utc_now
from infra.db import job_progress
from infra.db import reminder_leases as leases
from infra.db import reminder_queue as queue
from infra.db.leases import HeldElsewhere, LeaseLost
from infra.mail import MailNotSent, OutgoingMail
from infra.mail.templates import OUTPUT_LIMIT, SUBJECT_LIMIT, TemplateRefused, render
from workers.dependencies import WorkerDependencies

log = logging.getLogger("foyer.reminders")


def run_pledge_reminders(deps: WorkerDependencies, job_id: int) -> None:
    holder = deps.holder()
    job = job_progress.claim(deps.engine, job_id, holder)
    if job is None:
        return
    today = utc_now().date()
    counts = queue.queue_reminders(
        deps.engine,
        job.tenant_id,
        today,
        lambda done, total: job_progress.report_progress(deps.engine, job_id, done, total, holder),
        job_id=job_id,
    )
    job_progress.succeed(deps.engine, job_id, None, counts.checked, counts.as_summary())


def send_pledge_reminders(deps: WorkerDependencies, reminder_ids: list[int]) -> None:
    """Send each reminder of the batch not sent yet, marking each as it goes: a batch
    delivered again, after a crash or a passing failure, sends only what is left. The
    batch's reminders are leased to this attempt first, so a copy of the message (sent
    again by the sweeper, or by the broker) never sends one at the same time: one that finds
    reminders held by another attempt comes back for them when that lease runs out."""
    holder = deps.holder()
    with queue.sending_connection(deps.engine) as db:
        claimed, held = leases.REMINDERS.take(db, reminder_ids, holder)
        reminders = queue.reminders_to_send(db, claimed) if claimed else []
        if not reminders:
            db.commit()
            if held is not None:
                raise HeldElsewhere(held)
            return
        tenant = reminders[0].tenant_id
        policy = queue.policy_for(db, tenant)
        hashes = {r.id: email_hash(tenant, r.email) for r in reminders if r.email}
        suppressed = queue.suppressions(db, tenant, sorted(set(hashes.values())))
        db.commit()  # the claim and the reads' transaction; each send commits its own
        renew_at = time.monotonic() + holder.lease.total_seconds() / 2
        for done, reminder in enumerate(reminders):
            since = suppressed.get(hashes.get(reminder.id, ""))
            consent = reminder.email_granted_at is not None and not needs_fresh_answer(
                since, reminder.email_granted_at
            )
            if time.monotonic() > renew_at:  # the heartbeat of a slow batch
                mine = leases.REMINDERS.renew(db, [r.id for r in reminders[done:]], holder)
                db.commit()
                renew_at = time.monotonic() + holder.lease.total_seconds() / 2
                if reminder.id not in mine:  # its lease ran out, and another took it over
                    raise LeaseLost(f"Reminder {reminder.id}'s lease ran out and was taken over.")
            _send(deps, db, policy, reminder, consent)
    if held is not None:
        raise HeldElsewhere(held)


def _send(
    deps: WorkerDependencies,
    db: Connection,
    policy: ReminderPolicy,
    reminder: Any,
    email_consent: bool,
) -> None:
    """`email_consent`: a granted EMAIL preference, given after any erasure of the address."""
    if reminder.settled:
        queue.record_outcome(db, reminder, "SKIPPED_SETTLED", None)
        return
    # Consent is checked again at send time: a withdrawal since the run queued it counts.
    skipped = queue.skipped(policy, bool(reminder.email), email_consent)
    if skipped is not None:
        queue.record_outcome(db, reminder, skipped, None)
        return
    values = _values(reminder)
    try:
        mail = OutgoingMail(
            to_address=reminder.email,
            to_name=values["name"],
            subject=render(policy.subject, values, SUBJECT_LIMIT).strip(),
            text=render(policy.body, values, OUTPUT_LIMIT),
            message_id=f"<pledge-reminder-{reminder.id}@foyer>",
        )
    except TemplateRefused as refused:
        # The same on every attempt: recorded, never retried (the next reminder of the
        # batch still goes).
        _failed(db, reminder, f"The reminder template was refused: {refused.reason}.")
        return
    try:
        deps.mail.send(mail)
    except MailNotSent as refused:
        if not refused.permanent:
            raise  # a passing failure: retried (workers/retry_policy.py)
        _failed(db, reminder, f"The mail server refused it: {refused.reason}")
        return
    sent = PledgeReminderSent(
        reminder.customer_id,
        reminder.pledge_id,
        reminder.opportunity_id,
        reminder.number,
        reminder.email,
        reminder.amount,
        reminder.currency,
        reminder.due_on,
    )
    queue.record_outcome(db, reminder, "SENT", sent)


def _failed(db: Connection, reminder: Any, reason: str) -> None:
    queue.record_outcome(db, reminder, "FAILED", None, reason)
    log.warning("Reminder %s not sent: %s", reminder.id, reason)


def _values(reminder: Any) -> dict[str, str]:
    name = " ".join(p for p in (reminder.title, reminder.first_name, reminder.last_name) if p)
    return reminder_values(
        name or reminder.name or "",
        reminder.organisation,
        Money(reminder.amount, reminder.currency),
        reminder.due_on,
        reminder.number,
    )
