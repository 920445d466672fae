"""The generator: N made-up customers with contact details, relationships and households,
written in bulk for demos and benchmarks (`foyer demo --customers N`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from domain.customers.customer import format_reference
from domain.customers.events import CustomerCreated
from infra.clock import utc_now
from infra.db import tables as t
from infra.db.repositories.customers import customer_columns, part_rows
from infra.demo.bulk import reserve_ids, write_history, write_rows
from infra.demo.people import sample_customer

BATCH = 5000
RELATIONSHIP_TYPES = (("Employee", True), ("Spouse", False), ("Trustee", False))


def relationship_type_ids(engine: Engine, tenant_id: int) -> dict[str, int]:
    rt = t.relationship_type.c
    with engine.begin() as db:
        existing = dict(db.execute(select(rt.name, rt.id).where(rt.tenant_id == tenant_id)).all())
        for name, on_behalf in RELATIONSHIP_TYPES:
            if name not in existing:
                existing[name] = db.execute(
                    insert(t.relationship_type)
                    .values(tenant_id=tenant_id, name=name, acts_on_behalf=on_behalf)
                    .returning(rt.id)
                ).scalar_one()
    return existing


def generate_customers(
    engine: Engine,
    tenant_id: int,
    count: int,
    seed: int = 1,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Write `count` customers in batches; return how many were written."""
    types = relationship_type_ids(engine, tenant_id)
    rng = random.Random(seed)
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        with engine.begin() as db:
            _write_batch(db, tenant_id, size, rng, types)
        done += size
        progress(size)
    return done


def _write_batch(
    db: Any, tenant_id: int, size: int, rng: random.Random, types: dict[str, int]
) -> None:
    tn = t.tenant.c
    first_number = db.execute(
        update(t.tenant)
        .where(tn.id == tenant_id)
        .values(next_customer_number=tn.next_customer_number + size)
        .returning(tn.next_customer_number - size)
    ).scalar_one()
    first_id = reserve_ids(db, t.customer, size)
    now = utc_now()
    customers, details = [], {}
    created: list[tuple[CustomerCreated, datetime]] = []
    for offset in range(size):
        customer = sample_customer(rng, first_number + offset)
        customer.id, customer.reference = first_id + offset, format_reference(first_number + offset)
        customers.append(customer)
        details.setdefault("customer", []).append(
            {
                "id": customer.id,
                "tenant_id": tenant_id,
                "reference": customer.reference,
                "created_at": now,
                "updated_at": now,
                **customer_columns(customer),
            }
        )
        for table, rows in part_rows(tenant_id, customer.id, customer).items():
            details.setdefault(table.name, []).extend(rows)
        created.append((CustomerCreated(customer.id, customer.display_name), now))
    write_rows(db, t.customer, details.pop("customer"))
    for name, rows in details.items():
        write_rows(db, t.metadata.tables[name], rows)
    write_history(db, tenant_id, created, "foyer demo")
    _link(db, tenant_id, customers, rng, types)


def _link(
    db: Any, tenant_id: int, customers: list[Any], rng: random.Random, types: dict[str, int]
) -> None:
    """Employees of organisations, spouses, and households of two."""
    people = [c for c in customers if c.is_individual]
    organisations = [c for c in customers if not c.is_individual]
    relationships = []
    for organisation in organisations:
        for person in rng.sample(people, min(len(people), rng.randrange(0, 4))):
            relationships.append((types["Employee"], person.id, organisation.id))
    pairs = [(people[i], people[i + 1]) for i in range(0, len(people) - 1, 2) if rng.random() < 0.3]
    relationships += [(types["Spouse"], a.id, b.id) for a, b in pairs]
    write_rows(
        db,
        t.relationship,
        [
            {
                "tenant_id": tenant_id,
                "type_id": kind,
                "from_customer_id": a,
                "to_customer_id": b,
                "starts_on": None,
                "ends_on": None,
                "ended": False,
            }
            for kind, a, b in relationships
        ],
    )
    if not pairs:
        return
    first_household = reserve_ids(db, t.household, len(pairs))
    write_rows(
        db,
        t.household,
        [
            {
                "id": first_household + i,
                "tenant_id": tenant_id,
                "name": f"{a.last_name} household",
                "primary_householder_id": a.id,
            }
            for i, (a, _) in enumerate(pairs)
        ],
    )
    write_rows(
        db,
        t.household_member,
        [
            {"tenant_id": tenant_id, "household_id": first_household + i, "customer_id": member.id}
            for i, pair in enumerate(pairs)
            for member in pair
        ],
    )
