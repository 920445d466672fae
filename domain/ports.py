"""What the domain needs from storage, as protocols the infra layer implements.

Every repository is already scoped to one organisation: it cannot see another's rows.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from domain.actors import Actor
from domain.customers.customer import Customer
from domain.customers.households import Household
from domain.customers.relationships import Relationship, RelationshipType
from domain.events import Event
from domain.jobs import Job


class CustomerRepository(Protocol):
    async def get(self, customer_id: int) -> Customer | None: ...
    async def add(self, customer: Customer) -> None:
        """Store a new record, giving it its id and reference."""

    async def save(self, customer: Customer) -> None: ...


class RelationshipTypeRepository(Protocol):
    async def get(self, type_id: int) -> RelationshipType | None: ...
    async def named(self, name: str) -> RelationshipType | None: ...
    async def add(self, relationship_type: RelationshipType) -> None: ...


class RelationshipRepository(Protocol):
    async def get(self, relationship_id: int) -> Relationship | None: ...
    async def current(self, type_id: int, from_id: int, to_id: int) -> Relationship | None: ...
    async def add(self, relationship: Relationship) -> None: ...
    async def save(self, relationship: Relationship) -> None: ...


class HouseholdRepository(Protocol):
    async def get(self, household_id: int) -> Household | None: ...
    async def of_member(self, customer_id: int) -> Household | None: ...
    async def add(self, household: Household) -> None: ...
    async def save(self, household: Household) -> None: ...


class JobRepository(Protocol):
    async def get(self, job_id: int) -> Job | None: ...
    async def add(self, job: Job) -> None: ...


class UnitOfWork(Protocol):
    actor: Actor
    customers: CustomerRepository
    relationship_types: RelationshipTypeRepository
    relationships: RelationshipRepository
    households: HouseholdRepository
    jobs: JobRepository

    def today(self) -> date: ...

    def record(self, event: Event) -> None:
        """Collect an event; its timeline entries and message commit with the change."""
