"""Visits: a customer checked in at an event instance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from domain.customers.services import get_customer
from domain.errors import NotFound
from domain.sales.commands import RecordVisit
from domain.sales.events import VisitRecorded

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


@dataclass
class Visit:
    customer_id: int
    instance_id: int
    checked_in_at: datetime
    id: int | None = None


async def record_visit(uow: UnitOfWork, command: RecordVisit) -> Visit:
    await get_customer(uow, command.customer_id)
    instance = await uow.event_instances.get(command.instance_id)
    if instance is None:
        raise NotFound("Event instance", ("instanceId",))
    event = await uow.events.get(instance.event_id)
    assert event is not None
    visit = Visit(command.customer_id, command.instance_id, command.checked_in_at or uow.now())
    await uow.visits.add(visit)
    assert visit.id is not None
    uow.record(
        VisitRecorded(
            command.customer_id, command.instance_id, event.name, visit.checked_in_at, visit.id
        )
    )
    return visit
