"""What happened: the base of every domain event.

An event knows the timeline entries it writes and the message, if any, a worker must act
on. The unit of work turns both into rows in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.timeline import TimelineEntry


@dataclass(frozen=True)
class OutboxMessage:
    """A message for a worker: the name of what must be done and its (id-only) arguments."""

    task: str
    arguments: dict[str, Any]


class Event:
    def timeline_entries(self) -> list[TimelineEntry]:
        return []

    def message(self) -> OutboxMessage | None:
        return None
