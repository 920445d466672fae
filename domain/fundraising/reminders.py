"""Pledge reminders: when each instalment's reminders fall due.

The first reminder goes `first_days_before` the due date, then one every `every_days`, at
most `max_reminders`, never after the due date. A run sends only the latest reminder due, so
a run missed yesterday does not send two at once today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.errors import ProblemCollector
from domain.text import LONG_TEXT_LIMIT, clean_text

DEFAULT_SUBJECT = "Your pledge instalment to {{ organisation }}"
DEFAULT_BODY = """Dear {{ name }},

Thank you for your pledge to {{ organisation }}. This is a reminder that your instalment of
{{ amount }} is due on {{ due_on }}.

With thanks,
{{ organisation }}
"""


@dataclass(frozen=True)
class ReminderPolicy:
    first_days_before: int = 14
    every_days: int = 7
    max_reminders: int = 3
    # Transactional reminders go whatever the customer's marketing consent.
    transactional: bool = True
    subject: str = DEFAULT_SUBJECT
    body: str = DEFAULT_BODY

    def dates(self, due_on: date) -> list[date]:
        first = due_on - timedelta(days=self.first_days_before)
        dates = [first + timedelta(days=n * self.every_days) for n in range(self.max_reminders)]
        return [d for d in dates if d <= due_on]

    def due_number(self, due_on: date, today: date) -> int | None:
        """The number (from 1) of the reminder to send today, if any."""
        if today > due_on:
            return None
        due = [n for n, day in enumerate(self.dates(due_on), start=1) if day <= today]
        return due[-1] if due else None

    @property
    def horizon_days(self) -> int:
        """How far ahead of a due date reminders can start."""
        return self.first_days_before


def check_policy(policy: ReminderPolicy) -> ReminderPolicy:
    problems = ProblemCollector()
    if not 0 <= policy.first_days_before <= 90:
        problems.add(("firstDaysBefore",), "Must be between 0 and 90 days.")
    if not 1 <= policy.every_days <= 90:
        problems.add(("everyDays",), "Must be between 1 and 90 days.")
    if not 0 <= policy.max_reminders <= 10:
        problems.add(("maxReminders",), "Must be between 0 and 10.")
    subject = clean_text(problems, ("subject",), policy.subject, required=True, limit=200)
    body = clean_text(
        problems, ("body",), policy.body, required=True, limit=LONG_TEXT_LIMIT * 5, multiline=True
    )
    problems.raise_if_any()
    return ReminderPolicy(
        policy.first_days_before,
        policy.every_days,
        policy.max_reminders,
        policy.transactional,
        subject or "",
        body or "",
    )
