"""In-memory repositories and unit of work: the domain's ports, for unit tests of its rules
(integration and end-to-end tests use the real databases)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from domain.actors import Actor, ActorKind
from domain.customers.customer import Customer, CustomerKind, format_reference
from domain.customers.households import Household
from domain.customers.relationships import Relationship, RelationshipType
from domain.events import DomainEvent
from domain.fundraising.pledges import Pledge
from domain.roles import Role
from domain.sales.memberships import Membership
from domain.sales.orders import NamedRecords, Order, OrderItem


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

    async def existing(self, keys: Any) -> set[int]:
        return {key for key in keys if key in self.rows}

    async def kinds(self, keys: Any) -> dict[int, CustomerKind]:
        return {key: self.rows[key].kind for key in keys if key in self.rows}


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


class FakeFunds(Store):
    async def with_code(self, code: str) -> Any:
        return copy.deepcopy(next((f for f in self.rows.values() if f.code == code), None))


@dataclass
class FakeOrders(Store):
    """Orders with their items and history. Item ids are unique across orders, as in the
    database; like the SQL repository, only the items named are marked returned."""

    history: dict[int, list[str]] = field(default_factory=dict)
    item_ids: Any = field(default_factory=lambda: count(1))
    # The unit of work whose customers and catalogue `named` looks in.
    uow: Any = None

    async def with_external_reference(self, reference: str) -> Order | None:
        found = (o for o in self.rows.values() if o.external_reference == reference)
        return copy.deepcopy(next(found, None))

    async def add(self, order: Order, what: str) -> None:
        for item in order.items:
            item.id = next(self.item_ids)
        await super().add(order)
        assert order.id is not None
        await self.note(order.id, what)

    async def add_items(self, order: Order, items: list[OrderItem]) -> None:
        for item in items:
            item.id = next(self.item_ids)
        self.rows[order.id].items.extend(copy.deepcopy(items))

    async def mark_returned(self, order: Order, item_ids: list[int]) -> None:
        for item in self.rows[order.id].items:
            item.returned = item.returned or item.id in item_ids

    async def note(self, order_id: int, what: str) -> None:
        self.history.setdefault(order_id, []).append(what)

    async def of_item(self, item_id: int) -> Order | None:
        found = (o for o in self.rows.values() if any(i.id == item_id for i in o.items))
        return copy.deepcopy(next(found, None))

    async def named(
        self, customer_ids: Any, instance_ids: Any, fund_ids: Any, scheme_ids: Any
    ) -> NamedRecords:
        uow = self.uow
        return NamedRecords(
            await uow.customers.kinds(customer_ids),
            frozenset(await uow.event_instances.existing(instance_ids)),
            frozenset(await uow.funds.existing(fund_ids)),
            frozenset(await uow.membership_schemes.existing(scheme_ids)),
        )

    async def link_items(self, item_ids: Any, opportunity_id: int) -> None:
        for order in self.rows.values():
            for item in order.items:
                if item.id in item_ids:
                    item.opportunity_id = opportunity_id


class FakeMemberships(Store):
    async def latest(self, customer_id: int, scheme_id: int) -> Membership | None:
        held = [
            m
            for m in self.rows.values()
            if (m.customer_id, m.scheme_id) == (customer_id, scheme_id)
        ]
        return copy.deepcopy(max(held, key=lambda m: m.ends_on, default=None))


@dataclass
class FakePledges(Store):
    """Pledges with their instalments. Instalment ids are unique across pledges, as in the
    database; a payment adds to what its instalment was given."""

    instalment_ids: Any = field(default_factory=lambda: count(1))
    payments: list[tuple[int, int, int]] = field(default_factory=list)

    async def add(self, pledge: Pledge) -> None:
        self._number(pledge)
        await super().add(pledge)

    async def get(self, key: int, for_change: bool = False) -> Any:
        return await super().get(key)

    async def of_instalment(self, instalment_id: int, for_change: bool = False) -> Pledge | None:
        found = (p for p in self.rows.values() if any(i.id == instalment_id for i in p.instalments))
        return copy.deepcopy(next(found, None))

    async def save_schedule(self, pledge: Pledge) -> None:
        self._number(pledge)
        await self.save(pledge)

    async def record_payment(self, instalment_id: int, amount: int, order_item_id: int) -> None:
        for pledge in self.rows.values():
            for instalment in pledge.instalments:
                if instalment.id == instalment_id:
                    instalment.given += amount
        self.payments.append((instalment_id, amount, order_item_id))

    async def link(self, pledge: Pledge) -> None:
        self.rows[pledge.id].opportunity_id = pledge.opportunity_id

    async def donations(self, pledge_id: int) -> list[int]:
        mine = {i.id for i in self.rows[pledge_id].instalments}
        return [item for instalment, _, item in self.payments if instalment in mine]

    def _number(self, pledge: Pledge) -> None:
        for instalment in pledge.instalments:
            instalment.id = instalment.id or next(self.instalment_ids)


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
        self._sales_repositories()
        self.campaigns = Store()
        self.opportunities = Store()
        self.pledges = FakePledges()
        self.events: list[DomainEvent] = []
        # The clock: tests move it to let time pass.
        self.moment = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def _sales_repositories(self) -> None:
        # No event catalogue: `events` here is the list of recorded domain events.
        self.partner_companies = Store()
        self.event_instances = Store()
        self.funds = FakeFunds()
        self.membership_schemes = Store()
        self.orders = FakeOrders(uow=self)
        self.memberships = FakeMemberships()
        self.reservations = Store()
        self.visits = Store()

    def today(self) -> date:
        return self.moment.date()

    def now(self) -> datetime:
        return self.moment

    async def currency(self) -> str:
        return "GBP"

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
