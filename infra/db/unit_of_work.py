"""The unit of work: one transaction holding a change, its timeline entries and its outbox
messages. Nothing commits unless `commit()` is called; leaving the block rolls back."""

from __future__ import annotations

import uuid
from datetime import date
from types import TracebackType
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.actors import Actor
from domain.events import Event
from infra.clock import utc_now
from infra.db import tables as t
from infra.db.repositories.customers import SqlCustomerRepository
from infra.db.repositories.households import SqlHouseholdRepository
from infra.db.repositories.jobs import SqlJobRepository
from infra.db.repositories.relationships import (
    SqlRelationshipRepository,
    SqlRelationshipTypeRepository,
)


def outbox_row(tenant_id: int, task: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "message_id": str(uuid.uuid4()),
        "task": task,
        "arguments": arguments,
        "created_at": utc_now(),
        "attempts": 0,
    }


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine, actor: Actor, on_commit: Any = None) -> None:
        self._engine = engine
        self.actor = actor
        self._events: list[Event] = []
        self._on_commit = on_commit
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._connection = await self._engine.connect()
        await self._connection.begin()
        tenant_id = self.actor.tenant_id
        self.customers = SqlCustomerRepository(self._connection, tenant_id)
        self.relationship_types = SqlRelationshipTypeRepository(self._connection, tenant_id)
        self.relationships = SqlRelationshipRepository(self._connection, tenant_id)
        self.households = SqlHouseholdRepository(self._connection, tenant_id)
        self.jobs = SqlJobRepository(self._connection, tenant_id)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        await self._connection.rollback()
        await self._connection.close()

    def today(self) -> date:
        return utc_now().date()

    def record(self, event: Event) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        assert self._connection is not None
        tenant_id, now = self.actor.tenant_id, utc_now()
        entries = [entry for event in self._events for entry in event.timeline_entries()]
        if entries:
            await self._connection.execute(
                insert(t.timeline_entry),
                [
                    {
                        "tenant_id": tenant_id,
                        "customer_id": e.customer_id,
                        "type": e.type.value,
                        "summary": e.summary,
                        "details": e.details,
                        "actor": self.actor.label,
                        "occurred_at": now,
                    }
                    for e in entries
                ],
            )
        messages = [m for event in self._events if (m := event.message()) is not None]
        if messages:
            await self._connection.execute(
                insert(t.outbox_message),
                [outbox_row(tenant_id, m.task, m.arguments) for m in messages],
            )
        await self._connection.commit()
        self._events.clear()
        if messages and self._on_commit is not None:
            self._on_commit()
