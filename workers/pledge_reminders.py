"""Pledge reminders: the daily run that queues them, and the sending of each one.

The run writes one row per instalment and reminder number before it hands anything to the
mailer (infra/db/reminder_queue.py), so a second scheduler or a re-delivered run sends
nothing twice. Sending is idempotent too: a reminder already marked sent or skipped is left
alone. Staff-written templates render in jinja2's sandbox.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

from domain.money import Money
from domain.sales.events import format_money
from infra.clock import utc_now
from infra.db import job_progress
from infra.db import reminder_queue as queue
from infra.mail import MailNotSent, OutgoingMail
from workers.dependencies import WorkerDependencies

log = logging.getLogger("foyer.reminders")
_templates = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


@functools.lru_cache(maxsize=256)
def _template(text: str) -> Template:
    """Compiled once per text: compiling costs a hundred times what rendering does."""
    return _templates.from_string(text)


def run_pledge_reminders(deps: WorkerDependencies, job_id: int) -> None:
    job = job_progress.claim(deps.engine, job_id)
    if job is None:
        return
    today = utc_now().date()
    counts = queue.queue_reminders(
        deps.engine,
        job.tenant_id,
        today,
        lambda done, total: job_progress.report_progress(deps.engine, job_id, done, total),
    )
    job_progress.succeed(deps.engine, job_id, None, counts.checked, counts.as_summary())


def send_pledge_reminder(deps: WorkerDependencies, reminder_id: int) -> None:
    reminder = queue.reminder_to_send(deps.engine, reminder_id)
    if reminder is None:
        return
    if not reminder.email:
        queue.record_outcome(deps.engine, reminder, "SKIPPED_NO_EMAIL", None)
        return
    with deps.engine.connect() as db:
        policy = queue.policy_for(db, reminder.tenant_id)
    values = _values(reminder)
    mail = OutgoingMail(
        to_address=reminder.email,
        to_name=values["name"],
        subject=_template(policy.subject).render(values).strip(),
        text=_template(policy.body).render(values),
        message_id=f"<pledge-reminder-{reminder.id}@foyer>",
    )
    try:
        deps.mail.send(mail)
    except MailNotSent as refused:
        if not refused.permanent:
            raise  # dramatiq retries a passing failure, a bounded number of times
        queue.record_outcome(deps.engine, reminder, "FAILED", None)
        log.warning("Reminder %s not sent: %s", reminder.id, refused.reason)
        return
    queue.record_outcome(
        deps.engine,
        reminder,
        "SENT",
        f"Pledge reminder {reminder.number} sent to {reminder.email} for "
        f"{values['amount']} due {values['due_on']}.",
    )


def _values(reminder: Any) -> dict[str, str]:
    name = " ".join(p for p in (reminder.title, reminder.first_name, reminder.last_name) if p)
    return {
        "name": name or reminder.name or "supporter",
        "organisation": reminder.organisation,
        "amount": format_money(Money(reminder.amount, reminder.currency)),
        "due_on": reminder.due_on.strftime("%-d %B %Y"),
        "number": str(reminder.number),
    }
