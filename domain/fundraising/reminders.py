"""Pledge reminders: when each instalment's reminders fall due.

The first reminder goes `first_days_before` the due date, then one every `every_days`, at
most `max_reminders`, never after the due date. A run sends only the latest reminder due, so
a run missed yesterday does not send two at once today. Reminders sent on demand count
towards the same limits: an instalment gets at most `max_reminders` in all, `every_days`
apart, whoever sends them (`refusal`, used by the daily run and by a send on demand).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.errors import ProblemCollector
from domain.money import Money, format_money
from domain.text import LONG_TEXT_LIMIT, SHORT_TEXT_LIMIT, clean_text

DEFAULT_SUBJECT = "Your pledge instalment to {{ organisation }}"
DEFAULT_BODY = """Dear {{ name }},

Thank you for your pledge to {{ organisation }}. This is a reminder that your instalment of
{{ amount }} is due on {{ due_on }}.

With thanks,
{{ organisation }}
"""


class ReminderOutcome(StrEnum):
    WAITING = "WAITING"  # queued, not sent yet
    SENT = "SENT"
    SKIPPED_NO_EMAIL = "SKIPPED_NO_EMAIL"
    SKIPPED_SETTLED = "SKIPPED_SETTLED"  # paid or cancelled before it went
    FAILED = "FAILED"  # with a reason: a refused template, or the mail server's refusal


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

    def refusal(self, reminded_on: Sequence[date], today: date) -> str | None:
        """Why no further reminder of an instalment may go today, given the days its earlier
        reminders went (queued or sent); None when one may."""
        if len(reminded_on) >= self.max_reminders:
            return (
                f"This instalment has had {len(reminded_on)} reminders: the reminder settings "
                f"allow at most {self.max_reminders}."
            )
        if reminded_on:
            last = max(reminded_on)
            allowed_on = last + timedelta(days=self.every_days)
            if today < allowed_on:
                return (
                    f"The last reminder of this instalment went on {day_in_words(last)}; the "
                    f"reminder settings allow one every {self.every_days} days, so the next "
                    f"may go on {day_in_words(allowed_on)}."
                )
        return None

    @property
    def horizon_days(self) -> int:
        """How far ahead of a due date reminders can start."""
        return self.first_days_before


def day_in_words(day: date) -> str:
    """A day as a letter writes it: 3 March 2026."""
    return f"{day.day} {day:%B %Y}"


def reminder_values(
    name: str, organisation: str, amount: Money, due_on: date, number: int
) -> dict[str, str]:
    """What a reminder's templates may use, as the text they write."""
    return {
        "name": name or "supporter",
        "organisation": organisation,
        "amount": format_money(amount),
        "due_on": day_in_words(due_on),
        "number": str(number),
    }


def sample_values(organisation: str, currency: str, today: date) -> list[dict[str, str]]:
    """Values like a real reminder's, to try a template with before it is saved: a common
    case, and one with every value at its longest (a name of three parts at their limit)."""
    longest_name = " ".join(["W" * SHORT_TEXT_LIMIT] * 3)
    return [
        reminder_values("Ada Lovelace", organisation, Money(12_500, currency), today, 1),
        reminder_values(longest_name, organisation, Money(10**12, currency), date(9999, 9, 30), 10),
    ]


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
