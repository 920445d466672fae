"""Relationships between customers, of types each organisation defines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from domain.customers.events import RelationshipAdded, RelationshipEnded
from domain.customers.services import get_customer
from domain.errors import Conflict, InvalidInput, NotFound, ProblemCollector
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


@dataclass
class RelationshipType:
    name: str
    acts_on_behalf: bool
    """Whether the `from` side may act on behalf of the `to` side (book, give, sign)."""
    id: int | None = None


@dataclass
class Relationship:
    type_id: int
    from_customer_id: int
    to_customer_id: int
    starts_on: date | None = None
    ends_on: date | None = None
    ended: bool = False
    id: int | None = None


@dataclass(frozen=True)
class CreateRelationshipType:
    name: str
    acts_on_behalf: bool = False


@dataclass(frozen=True)
class AddRelationship:
    type_id: int
    from_customer_id: int
    to_customer_id: int
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True)
class EndRelationship:
    relationship_id: int
    ends_on: date | None = None


async def create_relationship_type(
    uow: UnitOfWork, command: CreateRelationshipType
) -> RelationshipType:

    problems = ProblemCollector()
    name = clean_text(problems, ("name",), command.name, required=True, limit=80)
    problems.raise_if_any()
    assert name is not None
    if await uow.relationship_types.named(name) is not None:
        raise Conflict(f"A relationship type named {name!r} already exists.", ("name",))
    relationship_type = RelationshipType(name, command.acts_on_behalf)
    await uow.relationship_types.add(relationship_type)
    return relationship_type


async def add_relationship(uow: UnitOfWork, command: AddRelationship) -> Relationship:
    if command.from_customer_id == command.to_customer_id:
        raise Conflict("A customer cannot be related to themselves.", ("toCustomerId",))
    problems = ProblemCollector()
    if command.starts_on and command.ends_on and command.ends_on < command.starts_on:
        problems.add(("endsOn",), "Must not be before the start date.")
    problems.raise_if_any()
    relationship_type = await uow.relationship_types.get(command.type_id)
    if relationship_type is None:
        raise NotFound("Relationship type", ("typeId",))
    a = await get_customer(uow, command.from_customer_id, field=("fromCustomerId",))
    b = await get_customer(uow, command.to_customer_id, field=("toCustomerId",))
    if await uow.relationships.current(
        command.type_id, command.from_customer_id, command.to_customer_id
    ):
        raise Conflict("These customers already have a current relationship of that type.")
    relationship = Relationship(
        command.type_id,
        command.from_customer_id,
        command.to_customer_id,
        command.starts_on,
        command.ends_on,
    )
    await uow.relationships.add(relationship)
    assert relationship.id is not None and a.id is not None and b.id is not None
    uow.record(
        RelationshipAdded(
            relationship.id, relationship_type.name, (a.id, a.display_name), (b.id, b.display_name)
        )
    )
    return relationship


async def end_relationship(uow: UnitOfWork, command: EndRelationship) -> Relationship:
    relationship = await uow.relationships.get(command.relationship_id)
    if relationship is None:
        raise NotFound("Relationship", ("relationshipId",))
    if relationship.ended:
        raise Conflict("The relationship has already ended.", ("relationshipId",))
    ends_on = command.ends_on or uow.today()
    if relationship.starts_on and ends_on < relationship.starts_on:
        raise InvalidInput.at(("endsOn",), "Must not be before the start date.")
    relationship.ended, relationship.ends_on = True, ends_on
    await uow.relationships.save(relationship)
    relationship_type = await uow.relationship_types.get(relationship.type_id)
    a = await get_customer(uow, relationship.from_customer_id)
    b = await get_customer(uow, relationship.to_customer_id)
    assert relationship.id is not None and relationship_type is not None
    assert a.id is not None and b.id is not None
    uow.record(
        RelationshipEnded(
            relationship.id, relationship_type.name, (a.id, a.display_name), (b.id, b.display_name)
        )
    )
    return relationship
