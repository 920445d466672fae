"""The household rules: one household per Individual, the primary householder leaves last."""

from __future__ import annotations

import pytest

from domain.customers.households import (
    AddHouseholdMember,
    CreateHousehold,
    RemoveHouseholdMember,
    SetPrimaryHouseholder,
    add_household_member,
    create_household,
    remove_household_member,
    set_primary_householder,
)
from domain.errors import Conflict, NotFound
from domain.timeline import TimelineEntryType
from tests.unit.fakes import FakeUnitOfWork


async def test_a_new_household_is_named_after_its_head_and_every_member_joins() -> None:
    uow = FakeUnitOfWork()
    head, partner = await uow.person("Okafor"), await uow.person("Byrne")

    household = await create_household(uow, CreateHousehold(head, member_ids=(partner,)))

    assert household.name == "Okafor household"
    assert household.member_ids == [head, partner]
    joined = [e for event in uow.events for e in event.timeline_entries()]
    assert [(e.customer_id, e.type) for e in joined] == [
        (head, TimelineEntryType.HOUSEHOLD_JOINED),
        (partner, TimelineEntryType.HOUSEHOLD_JOINED),
    ]


async def test_a_second_household_for_the_same_person_is_a_conflict() -> None:
    uow = FakeUnitOfWork()
    head, other = await uow.person("Patel"), await uow.person("Singh")
    await create_household(uow, CreateHousehold(head))
    second = await create_household(uow, CreateHousehold(other))

    with pytest.raises(Conflict):
        await create_household(uow, CreateHousehold(other, member_ids=(head,)))
    with pytest.raises(Conflict):
        await add_household_member(uow, AddHouseholdMember(second.id or 0, head))


async def test_an_organisation_cannot_join_a_household() -> None:
    uow = FakeUnitOfWork()
    head, company = await uow.person("Rossi"), await uow.organisation("Harbour Bank")
    household = await create_household(uow, CreateHousehold(head))

    with pytest.raises(NotFound):
        await add_household_member(uow, AddHouseholdMember(household.id or 0, company))


async def test_the_primary_householder_leaves_last() -> None:
    uow = FakeUnitOfWork()
    head, partner = await uow.person("Nowak"), await uow.person("Kowalski")
    household = await create_household(uow, CreateHousehold(head, member_ids=(partner,)))
    assert household.id is not None

    with pytest.raises(Conflict):
        await remove_household_member(uow, RemoveHouseholdMember(household.id, head))
    await set_primary_householder(uow, SetPrimaryHouseholder(household.id, partner))
    after = await remove_household_member(uow, RemoveHouseholdMember(household.id, head))

    assert (after.primary_householder_id, after.member_ids) == (partner, [partner])
    with pytest.raises(Conflict):
        await set_primary_householder(uow, SetPrimaryHouseholder(household.id, head))
