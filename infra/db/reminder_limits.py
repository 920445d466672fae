"""What the reminder limits are read from: the organisation's policy, and the reminders each
instalment has had so far. Shared by the daily run and by a reminder sent on demand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, or_, select

from domain.fundraising.reminders import ReminderPolicy
from infra.db import fundraising_tables as f


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


def reminder_history(instalment_ids: list[int]) -> Any:
    """The reminders of the instalments that count towards the policy's limits: queued or
    sent, not skipped or failed (the donor heard nothing from those)."""
    r = f.pledge_reminder.c
    return select(r.instalment_id, r.number, r.created_at).where(
        r.instalment_id.in_(instalment_ids), or_(r.outcome.is_(None), r.outcome == "SENT")
    )
