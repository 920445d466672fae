"""Pledge-reminder settings in the API."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from domain.roles import FUNDRAISING_READER
from resolvers.fundraising import reminder_policy
from schema.permissions import requires


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
