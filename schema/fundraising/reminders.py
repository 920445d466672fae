"""Pledge reminders in the API: the settings, and each reminder of an instalment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from domain.fundraising.reminders import ReminderOutcome as DomainReminderOutcome
from domain.roles import FUNDRAISING_READER
from resolvers.fundraising import reminder_policy
from schema.permissions import requires

ReminderOutcome = strawberry.enum(
    DomainReminderOutcome,
    description="WAITING to be sent, SENT, SKIPPED (no email, or settled before it went) or "
    "FAILED (with `failureReason`).",
)


@strawberry.type(description="One reminder of an instalment, from the daily run or on demand.")
class PledgeReminder:
    number: int = strawberry.field(description="Its number among the instalment's reminders.")
    queued_at: datetime = strawberry.field(description="When it was queued (UTC).")
    sent_at: datetime | None = strawberry.field(description="When it went, if it has.")
    outcome: ReminderOutcome = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    failure_reason: str | None = strawberry.field(
        description="Why it was not sent, when it FAILED, in words for a person."
    )

    @classmethod
    def from_row(cls, row: Any) -> PledgeReminder:
        return cls(
            number=row.number,
            queued_at=row.created_at,
            sent_at=row.sent_at,
            outcome=DomainReminderOutcome(row.outcome or DomainReminderOutcome.WAITING),
            failure_reason=row.failure_reason,
        )


@strawberry.type(description="When pledge reminders go, and what they say.")
class ReminderSettings:
    first_days_before: int = strawberry.field(description="First reminder, days before due.")
    every_days: int = strawberry.field(description="Then one every this many days.")
    max_reminders: int = strawberry.field(description="At most this many per instalment.")
    transactional: bool = strawberry.field(
        description="Reminders go whatever the customer's marketing consent."
    )
    subject: str = strawberry.field(description="Subject template (jinja2).")
    body: str = strawberry.field(description="Body template (jinja2).")

    @classmethod
    def from_policy(cls, policy: Any) -> ReminderSettings:
        return cls(
            first_days_before=policy.first_days_before,
            every_days=policy.every_days,
            max_reminders=policy.max_reminders,
            transactional=policy.transactional,
            subject=policy.subject,
            body=policy.body,
        )


@strawberry.type
class ReminderQuery:
    @strawberry.field(
        description="The organisation's pledge-reminder settings.",
        extensions=requires(FUNDRAISING_READER),
    )
    async def reminder_settings(self, info: Info) -> ReminderSettings:
        return ReminderSettings.from_policy(await reminder_policy(info.context))
