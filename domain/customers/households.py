"""Households: Individuals living together, one of them the primary householder.

An Individual belongs to at most one household; members keep their own credit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domain.customers.customer import CustomerKind
from domain.customers.events import (
    household_joined,
    household_left,
    primary_householder_changed,
)
from domain.customers.services import get_customer
from domain.errors import Conflict, NotFound, ProblemCollector
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


@dataclass
class Household:
    name: str
    primary_householder_id: int
    member_ids: list[int] = field(default_factory=list)
    id: int | None = None


@dataclass(frozen=True)
class CreateHousehold:
    primary_householder_id: int
    name: str | None = None
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class AddHouseholdMember:
    household_id: int
    customer_id: int


@dataclass(frozen=True)
class RemoveHouseholdMember:
    household_id: int
    customer_id: int


@dataclass(frozen=True)
class SetPrimaryHouseholder:
    household_id: int
    customer_id: int


async def _joinable_individual(uow: UnitOfWork, customer_id: int, field: str) -> tuple[int, str]:
    customer = await get_customer(uow, customer_id, CustomerKind.INDIVIDUAL, (field,))
    assert customer.id is not None
    if await uow.households.of_member(customer.id) is not None:
        raise Conflict(f"{customer.display_name} already belongs to a household.", (field,))
    return customer.id, customer.display_name


async def create_household(uow: UnitOfWork, command: CreateHousehold) -> Household:
    problems = ProblemCollector()
    name = clean_text(problems, ("name",), command.name)
    problems.raise_if_any()
    if len(set(command.member_ids)) != len(command.member_ids):
        raise Conflict("A member is named twice.", ("memberIds",))
    primary_id, primary_name = await _joinable_individual(
        uow, command.primary_householder_id, "primaryHouseholderId"
    )
    members = [primary_id]
    for member_id in command.member_ids:
        if member_id != primary_id:
            members.append((await _joinable_individual(uow, member_id, "memberIds"))[0])
    primary = await get_customer(uow, primary_id)
    household = Household(
        name or f"{primary.last_name or primary_name} household", primary_id, members
    )
    await uow.households.add(household)
    assert household.id is not None
    for member_id in members:
        uow.record(household_joined(household.id, household.name, member_id))
    return household


async def _get_household(uow: UnitOfWork, household_id: int) -> Household:
    household = await uow.households.get(household_id)
    if household is None:
        raise NotFound("Household", ("householdId",))
    return household


async def add_household_member(uow: UnitOfWork, command: AddHouseholdMember) -> Household:
    household = await _get_household(uow, command.household_id)
    member_id, _ = await _joinable_individual(uow, command.customer_id, "customerId")
    household.member_ids.append(member_id)
    await uow.households.save(household)
    assert household.id is not None
    uow.record(household_joined(household.id, household.name, member_id))
    return household


async def remove_household_member(uow: UnitOfWork, command: RemoveHouseholdMember) -> Household:
    household = await _get_household(uow, command.household_id)
    if command.customer_id not in household.member_ids:
        raise NotFound("Household member", ("customerId",))
    if command.customer_id == household.primary_householder_id and len(household.member_ids) > 1:
        raise Conflict(
            "Make another member the primary householder before removing this one.", ("customerId",)
        )
    household.member_ids.remove(command.customer_id)
    await uow.households.save(household)
    assert household.id is not None
    uow.record(household_left(household.id, household.name, command.customer_id))
    return household


async def set_primary_householder(uow: UnitOfWork, command: SetPrimaryHouseholder) -> Household:
    household = await _get_household(uow, command.household_id)
    if command.customer_id not in household.member_ids:
        raise Conflict(
            "The primary householder must be a member of the household.", ("customerId",)
        )
    if household.primary_householder_id != command.customer_id:
        household.primary_householder_id = command.customer_id
        await uow.households.save(household)
        assert household.id is not None
        uow.record(primary_householder_changed(household.id, household.name, command.customer_id))
    return household
