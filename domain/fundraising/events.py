"""Events of fundraising, with the timeline entries they write: each a fact of the
record's history (domain.history), worded from what it keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.events import Fact
from domain.fundraising.reminders import day_in_words
from domain.money import Money, format_money
from domain.timeline import Subject, TimelineEntry
from domain.timeline import TimelineEntryType as T


@dataclass(frozen=True)
class OpportunityOpened(Fact):
    opportunity_id: int
    customer_id: int
    name: str
    stage: str

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.OPPORTUNITY_OPENED,
                f"Opportunity {self.name!r} opened at {self.stage}.",
                {"opportunityId": str(self.opportunity_id), "to": self.stage},
                subject=Subject("Opportunity", self.opportunity_id),
                opportunity_id=self.opportunity_id,
            )
        ]


@dataclass(frozen=True)
class OpportunityStageChanged(Fact):
    opportunity_id: int
    customer_id: int
    name: str
    from_stage: str
    to_stage: str

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.OPPORTUNITY_STAGE_CHANGED,
                f"Opportunity {self.name!r} moved from {self.from_stage} to {self.to_stage}.",
                {
                    "opportunityId": str(self.opportunity_id),
                    "from": self.from_stage,
                    "to": self.to_stage,
                },
                subject=Subject("Opportunity", self.opportunity_id),
                opportunity_id=self.opportunity_id,
            )
        ]


class _OneLine(Fact):
    """A fact written as one line on one customer's timeline: `summary` words it."""

    customer_id: int
    kind: T

    def summary(self) -> str:
        raise NotImplementedError

    def subject(self) -> Subject:
        raise NotImplementedError

    def links(self) -> dict[str, str]:
        raise NotImplementedError

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                self.kind,
                self.summary(),
                self.links(),
                subject=self.subject(),
                # Legacies and invitations count towards no opportunity.
                opportunity_id=getattr(self, "opportunity_id", None),
            )
        ]


class _OfPledge(_OneLine):
    pledge_id: int
    kind = T.PLEDGE

    def subject(self) -> Subject:
        return Subject("Pledge", self.pledge_id)

    def links(self) -> dict[str, str]:
        return {"pledgeId": str(self.pledge_id)}


@dataclass(frozen=True)
class PledgeRecorded(_OfPledge):
    customer_id: int
    pledge_id: int
    opportunity_id: int | None
    amount: int
    currency: str
    instalments: int

    def summary(self) -> str:
        money = format_money(Money(self.amount, self.currency))
        return f"Pledged {money} in {self.instalments} instalments."


@dataclass(frozen=True)
class PledgeRescheduled(_OfPledge):
    customer_id: int
    pledge_id: int
    opportunity_id: int | None
    instalments: int

    def summary(self) -> str:
        return f"Pledge rescheduled into {self.instalments} instalments."


@dataclass(frozen=True)
class PledgeCancelled(_OfPledge):
    customer_id: int
    pledge_id: int
    opportunity_id: int | None
    given: int
    currency: str

    def summary(self) -> str:
        return f"Pledge cancelled; {format_money(Money(self.given, self.currency))} had been given."


@dataclass(frozen=True)
class InstalmentPaid(_OfPledge):
    customer_id: int
    pledge_id: int
    opportunity_id: int | None
    instalment_id: int
    amount: int
    outstanding: int
    currency: str
    kind = T.INSTALMENT

    def subject(self) -> Subject:
        return Subject("Instalment", self.instalment_id)

    def summary(self) -> str:
        paid = format_money(Money(self.amount, self.currency))
        still = format_money(Money(self.outstanding, self.currency))
        return f"Instalment of {paid} paid; {still} still pledged."


@dataclass(frozen=True)
class PledgeReminderSent(_OfPledge):
    """A reminder mailed for an instalment: to the address, for the amount and due date it
    had then."""

    customer_id: int
    pledge_id: int
    opportunity_id: int | None
    number: int
    address: str
    amount: int
    currency: str
    due_on: date
    kind = T.PLEDGE_REMINDER

    def links(self) -> dict[str, str]:
        return {"pledgeId": str(self.pledge_id), "number": str(self.number)}

    def summary(self) -> str:
        return (
            f"Pledge reminder {self.number} sent to {self.address} for "
            f"{format_money(Money(self.amount, self.currency))} due {day_in_words(self.due_on)}."
        )


class _OfLegacy(_OneLine):
    legacy_id: int
    kind = T.LEGACY

    def subject(self) -> Subject:
        return Subject("Legacy", self.legacy_id)

    def links(self) -> dict[str, str]:
        return {"legacyId": str(self.legacy_id)}


@dataclass(frozen=True)
class LegacyExpected(_OfLegacy):
    customer_id: int
    legacy_id: int
    expected: int
    currency: str

    def summary(self) -> str:
        return f"Legacy of {format_money(Money(self.expected, self.currency))} expected."


@dataclass(frozen=True)
class LegacyReceived(_OfLegacy):
    customer_id: int
    legacy_id: int
    amount: int
    currency: str

    def summary(self) -> str:
        return f"{format_money(Money(self.amount, self.currency))} received from a legacy."


@dataclass(frozen=True)
class ActivitySaved(_OneLine):
    """An activity planned or updated, as it then stood."""

    customer_id: int
    activity_id: int
    opportunity_id: int | None
    type: str
    subject_text: str
    due_on: date
    done: bool
    new: bool
    kind = T.ACTIVITY

    def subject(self) -> Subject:
        return Subject("Activity", self.activity_id)

    def links(self) -> dict[str, str]:
        return {"activityId": str(self.activity_id)}

    def summary(self) -> str:
        state = "done" if self.done else f"due {self.due_on.isoformat()}"
        verb = "planned" if self.new else "updated"
        return f"{self.type.title()} {verb}: {self.subject_text} ({state})."


class _OfInvitation(_OneLine):
    invitation_id: int
    instance_id: int
    kind = T.INVITATION

    def subject(self) -> Subject:
        return Subject("Invitation", self.invitation_id)

    def links(self) -> dict[str, str]:
        return {"invitationId": str(self.invitation_id), "eventInstanceId": str(self.instance_id)}


@dataclass(frozen=True)
class Invited(_OfInvitation):
    customer_id: int
    invitation_id: int
    instance_id: int
    event_name: str | None
    starts_on: date

    def summary(self) -> str:
        return f"Invited to {self.event_name or 'an event'} on {self.starts_on.isoformat()}."


@dataclass(frozen=True)
class InvitationAnswered(_OfInvitation):
    """A reply to an invitation, or whether the invitee came."""

    customer_id: int
    invitation_id: int
    instance_id: int
    reply: str
    attended: bool | None

    def summary(self) -> str:
        what = (
            f"attended: {'yes' if self.attended else 'no'}"
            if self.attended is not None
            else f"reply: {self.reply.lower()}"
        )
        return f"Invitation {what}."
