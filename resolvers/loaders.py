"""Per-request dataloaders: a page of parents costs one statement per kind of child.

Each batch runs on its own short connection from the pool: strawberry resolves sibling
fields concurrently and one connection must not serve two awaits at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.dataloader import DataLoader

from domain.actors import Actor
from infra.db import tables as t
from infra.db.queries import details
from infra.db.queries.customers import customers_by_id

V = TypeVar("V")
Batch = Callable[[AsyncConnection, int, list[int]], Awaitable[dict[int, V]]]


class Loaders:
    def __init__(self, engine: AsyncEngine, actor: Actor) -> None:
        self._engine = engine
        self._tenant_id = actor.tenant_id
        self.customer_by_id = self._loader(customers_by_id, None)
        self.emails_by_customer = self._detail(t.customer_email)
        self.phones_by_customer = self._detail(t.customer_phone)
        self.addresses_by_customer = self._detail(t.customer_address)
        self.tags_by_customer = self._detail(t.customer_tag)
        self.attributes_by_customer = self._detail(t.customer_attribute)
        self.relationships_by_customer = self._loader(
            lambda db, tenant, ids: details.relationships_by_customer(db, tenant, ids, True), []
        )
        self.relationship_by_id = self._loader(details.relationships_by_id, None)
        self.relationship_type_by_id = self._loader(details.relationship_types_by_id, None)
        self.household_by_member = self._loader(details.households_by_member, None)
        self.household_by_id = self._loader(details.households_by_id, None)
        self.members_by_household = self._loader(details.members_by_household, [])

    def _detail(self, table: Table) -> DataLoader[int, list[Any]]:
        return self._loader(
            lambda db, tenant, ids: details.rows_by_customer(db, tenant, table, ids), []
        )

    def _loader(self, batch: Batch[V], missing: V) -> DataLoader[int, V]:
        async def load(keys: Sequence[int]) -> list[V]:
            async with self._engine.connect() as db:
                found = await batch(db, self._tenant_id, list(keys))
            return [found.get(key, missing) for key in keys]

        return DataLoader(load_fn=load)
