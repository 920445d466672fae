"""What happened: the base of every domain event.

An event knows the timeline entries it writes and the message, if any, a worker must act
on. The unit of work turns both into rows in the same transaction as the change. A `Fact`
is an event the record's history keeps (domain.history): the timeline is derived from it,
when it happens and whenever `foyer timeline rebuild` derives the timeline again.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

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


class Fact(DomainEvent):
    """An event kept in the record's history, by its class name: its fields are what
    happened (ids, amounts, and the names and values as they were then), and its
    `timeline_entries` is the one wording of it. A fact is a frozen dataclass of plain
    values (str, int, bool, dates, enums, tuples and dataclasses of those)."""

    KINDS: ClassVar[dict[str, type[Fact]]] = {}
    # True where rows of its own keep what happened and the history keeps only its ids
    # (`kept`): an order recorded.
    FROM_ROWS: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Fact.KINDS[cls.__name__] = cls

    def kept(self) -> dict[str, Any] | None:
        """What the history keeps of this fact when rows of its own keep the rest (an
        order's items, amounts and who was involved, for an order recorded); None: all
        of its fields."""
        return None

    def former_words(self, customer_id: int) -> set[str]:
        """What identified `customer_id` when this happened and may not any more (a name
        or an address since changed): erasing them takes these out too."""
        return set()

    def forgetting(self, customer_id: int) -> Fact:
        """This fact once `customer_id` is erased, beyond the personal words taken out of
        every fact that mentions them (domain.history.erased): itself, unless it holds
        values of the person's record that no word list covers."""
        return self


@dataclass(frozen=True)
class LinkedToOpportunity(Fact):
    """Something already on a timeline now counts towards an opportunity."""

    link: OpportunityLink

    def opportunity_links(self) -> list[OpportunityLink]:
        return [self.link]


def as_json(value: Any) -> Any:
    """A fact's value as the history keeps it: dataclasses as objects of their fields,
    enums as their values, dates as ISO text, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value
