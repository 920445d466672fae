"""In-memory repositories and unit of work: the domain's ports, for unit tests of its rules
(integration and end-to-end tests use the real databases)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.actors import Actor, ActorKind
from domain.customers.customer import Customer, CustomerKind, format_reference
from domain.customers.households import Household
from domain.customers.relationships import Relationship, RelationshipType
from domain.events import DomainEvent
from domain.roles import Role


@dataclass
class Store:
    rows: dict[int, Any] = field(default_factory=dict)

    async def get(self, key: int) -> Any:
        return copy.deepcopy(self.rows.get(key))

    async def add(self, item: Any) -> None:
        item.id = len(self.rows) + 1
        if isinstance(item, Customer):
            item.reference = format_reference(100000 + item.id)
        self.rows[item.id] = copy.deepcopy(item)

    async def save(self, item: Any) -> None:
        self.rows[item.id] = copy.deepcopy(item)


class FakeRelationshipTypes(Store):
    async def named(self, name: str) -> RelationshipType | None:
        return next((t for t in self.rows.values() if t.name == name), None)


class FakeRelationships(Store):
    async def current(self, type_id: int, from_id: int, to_id: int) -> Relationship | None:
        return next(
            (
                r
                for r in self.rows.values()
                if (r.type_id, r.from_customer_id, r.to_customer_id, r.ended)
                == (type_id, from_id, to_id, False)
            ),
            None,
        )


class FakeHouseholds(Store):
    async def of_member(self, customer_id: int) -> Household | None:
        return next((h for h in self.rows.values() if customer_id in h.member_ids), None)


class FakeUnitOfWork:
    def __init__(self, *roles: Role) -> None:
        self.actor = Actor(
            ActorKind.USER, 1, "staff@example.org", 1, frozenset(roles or (Role.SALES,))
        )
        self.customers = Store()
        self.relationship_types = FakeRelationshipTypes()
        self.relationships = FakeRelationships()
        self.households = FakeHouseholds()
        self.jobs = Store()
        self.events: list[DomainEvent] = []

    def today(self) -> date:
        return date(2026, 11, 24)

    def record(self, event: DomainEvent) -> None:
        self.events.append(event)

    async def person(self, last_name: str) -> int:
        customer = Customer(CustomerKind.INDIVIDUAL, first_name="Sam", last_name=last_name)
        await self.customers.add(customer)
        assert customer.id is not None
        return customer.id

    async def organisation(self, name: str) -> int:
        customer = Customer(CustomerKind.ORGANISATION, name=name)
        await self.customers.add(customer)
        assert customer.id is not None
        return customer.id
