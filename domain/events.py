"""What happened: the base of every domain event.

An event knows the timeline entries it writes and the message, if any, a worker must act
on. The unit of work turns both into rows in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.timeline import OpportunityLink, TimelineEntry


@dataclass(frozen=True)
class OutboxMessage:
    """A message committed with its change: either a task for a worker (`task` names the
    work) or, with `event`, a notice for integrations (`task` is then its topic, such as
    `order.recorded`). Arguments carry ids, never whole objects."""

    task: str
    arguments: dict[str, Any]
    event: bool = False


class DomainEvent:
    def timeline_entries(self) -> list[TimelineEntry]:
        return []

    def message(self) -> OutboxMessage | None:
        return None

    def opportunity_links(self) -> list[OpportunityLink]:
        return []


@dataclass(frozen=True)
class LinkedToOpportunity(DomainEvent):
    """Something already on a timeline now counts towards an opportunity."""

    link: OpportunityLink

    def opportunity_links(self) -> list[OpportunityLink]:
        return [self.link]
