"""Creating, changing, deactivating and reactivating customer records."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from domain.customers.commands import (
    CreateIndividual,
    CreateOrganisation,
    DeactivateCustomer,
    ReactivateCustomer,
    UpdateIndividual,
    UpdateOrganisation,
)
from domain.customers.customer import Customer, CustomerKind
from domain.customers.details import apply_contact_details, check_date_of_death
from domain.customers.events import (
    CustomerCreated,
    CustomerDeactivated,
    CustomerReactivated,
    details_changed,
)
from domain.errors import Conflict, NotFound, ProblemCollector
from domain.text import LONG_TEXT_LIMIT, clean_text
from domain.unset import UNSET

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


async def create_individual(uow: UnitOfWork, command: CreateIndividual) -> Customer:
    problems = ProblemCollector()
    customer = Customer(
        kind=CustomerKind.INDIVIDUAL,
        title=clean_text(problems, ("title",), command.title, limit=40),
        first_name=clean_text(problems, ("firstName",), command.first_name),
        last_name=clean_text(problems, ("lastName",), command.last_name, required=True),
        date_of_death=command.date_of_death,
    )
    check_date_of_death(problems, command.date_of_death, uow.today())
    apply_contact_details(problems, customer, command.details, uow.actor)
    problems.raise_if_any()
    return await _add(uow, customer)


async def create_organisation(uow: UnitOfWork, command: CreateOrganisation) -> Customer:
    problems = ProblemCollector()
    customer = Customer(
        kind=CustomerKind.ORGANISATION,
        name=clean_text(problems, ("name",), command.name, required=True),
    )
    apply_contact_details(problems, customer, command.details, uow.actor)
    problems.raise_if_any()
    return await _add(uow, customer)


async def _add(uow: UnitOfWork, customer: Customer) -> Customer:
    await uow.customers.add(customer)
    assert customer.id is not None
    uow.record(CustomerCreated(customer.id, customer.display_name))
    return customer


async def update_individual(uow: UnitOfWork, command: UpdateIndividual) -> Customer:
    customer = await get_customer(uow, command.customer_id, CustomerKind.INDIVIDUAL)
    before = copy.deepcopy(customer)
    problems = ProblemCollector()
    changed: list[str] = []
    names = (  # (schema field, attribute, given, limit, required)
        ("title", "title", command.title, 40, False),
        ("firstName", "first_name", command.first_name, 200, False),
        ("lastName", "last_name", command.last_name, 200, True),
    )
    for field, attribute, given, limit, required in names:
        if given is UNSET:
            continue
        value = clean_text(problems, (field,), given, limit=limit, required=required)
        if getattr(customer, attribute) != value:
            setattr(customer, attribute, value)
            changed.append(field)
    if command.date_of_death is not UNSET:
        check_date_of_death(problems, command.date_of_death, uow.today())
        if customer.date_of_death != command.date_of_death:
            customer.date_of_death = command.date_of_death
            changed.append("dateOfDeath")
    changed += apply_contact_details(problems, customer, command.details, uow.actor)
    problems.raise_if_any()
    return await _save_changes(uow, before, customer, changed)


async def update_organisation(uow: UnitOfWork, command: UpdateOrganisation) -> Customer:
    customer = await get_customer(uow, command.customer_id, CustomerKind.ORGANISATION)
    before = copy.deepcopy(customer)
    problems = ProblemCollector()
    changed: list[str] = []
    if command.name is not UNSET:
        name = clean_text(problems, ("name",), command.name, required=True)
        if name is not None and name != customer.name:
            customer.name = name
            changed.append("name")
    changed += apply_contact_details(problems, customer, command.details, uow.actor)
    problems.raise_if_any()
    return await _save_changes(uow, before, customer, changed)


async def _save_changes(
    uow: UnitOfWork, before: Customer, customer: Customer, changed: list[str]
) -> Customer:
    if changed:
        await uow.customers.save(customer)
        uow.record(details_changed(before, customer, changed))
    return customer


async def deactivate_customer(uow: UnitOfWork, command: DeactivateCustomer) -> Customer:
    problems = ProblemCollector()
    reason = clean_text(
        problems, ("reason",), command.reason, limit=LONG_TEXT_LIMIT, multiline=True
    )
    problems.raise_if_any()
    customer = await get_customer(uow, command.customer_id)
    if not customer.active:
        raise Conflict("The customer is already inactive.", ("customerId",))
    customer.active = False
    await uow.customers.save(customer)
    uow.record(CustomerDeactivated(command.customer_id, reason))
    return customer


async def reactivate_customer(uow: UnitOfWork, command: ReactivateCustomer) -> Customer:
    customer = await get_customer(uow, command.customer_id)
    if customer.active:
        raise Conflict("The customer is already active.", ("customerId",))
    if await uow.erasures.erased(command.customer_id):
        raise Conflict(
            "An erased customer stays inactive: erasure is irreversible.", ("customerId",)
        )
    customer.active = True
    await uow.customers.save(customer)
    uow.record(CustomerReactivated(command.customer_id))
    return customer


async def get_customer(
    uow: UnitOfWork,
    customer_id: int,
    kind: CustomerKind | None = None,
    field: tuple[str, ...] = ("customerId",),
) -> Customer:

    customer = await uow.customers.get(customer_id)
    if customer is None or (kind is not None and customer.kind is not kind):
        what = {
            None: "Customer",
            CustomerKind.INDIVIDUAL: "Individual",
            CustomerKind.ORGANISATION: "Organisation",
        }[kind]
        raise NotFound(what, field)
    return customer
