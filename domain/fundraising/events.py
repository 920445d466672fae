"""Events of fundraising, with the timeline entries they write."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events import DomainEvent
from domain.timeline import Subject, TimelineEntry
from domain.timeline import TimelineEntryType as T


@dataclass(frozen=True)
class OpportunityOpened(DomainEvent):
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
class OpportunityStageChanged(DomainEvent):
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


@dataclass(frozen=True)
class FundraisingNote(DomainEvent):
    """A pledge, legacy, activity or invitation change: one line on one timeline."""

    customer_id: int
    kind: T
    summary: str
    links: tuple[tuple[str, str], ...] = ()
    subject: Subject | None = None
    opportunity_id: int | None = None

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                self.kind,
                self.summary,
                dict(self.links),
                subject=self.subject,
                opportunity_id=self.opportunity_id,
            )
        ]
