"""A donor for the Donor Profile benchmark: 2,000 ticket orders and 500 donations within the
last year, written straight into the tables (the report only reads them)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Engine, insert

from infra.clock import utc_now
from infra.db import sales_tables as s
from infra.db import tables as t


def _one(db: object, table: object, **values: object) -> int:
    return int(db.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())  # type: ignore[attr-defined]


def make_donor(engine: Engine, orders: int, donations: int, seed: int = 7) -> tuple[int, int]:
    """A new organisation and its donor: (tenant id, customer id)."""
    rng = random.Random(seed)
    now = utc_now()
    with engine.begin() as db:
        tenant = _one(
            db,
            t.tenant,
            slug=f"bench-profile-{now.timestamp():.0f}-{rng.random():.6f}",
            name="Riverside Playhouse",
            currency="GBP",
            next_customer_number=100001,
            created_at=now,
        )
        customer = _one(
            db,
            t.customer,
            tenant_id=tenant,
            kind="INDIVIDUAL",
            reference="C-100001",
            title="Dr",
            first_name="Ada",
            last_name="Lovelace",
            active=True,
            sort_key="lovelace ada",
            created_at=now,
            updated_at=now,
        )
        db.execute(
            insert(t.customer_email).values(
                tenant_id=tenant, customer_id=customer, position=0, address="ada@example.org"
            )
        )
        fund = _one(db, s.fund, tenant_id=tenant, name="Annual Fund", code="annual")
        instances = []
        for n in range(40):
            event = _one(db, s.event, tenant_id=tenant, name=f"Production {n + 1}: a season play")
            instances.append(
                _one(
                    db,
                    s.event_instance,
                    tenant_id=tenant,
                    event_id=event,
                    starts_at=now - timedelta(days=rng.randint(1, 360)),
                    venue="Main House",
                )
            )

        def order(kind: str, extra: dict[str, object]) -> None:
            at = now - timedelta(days=rng.randint(0, 360), minutes=rng.randint(0, 1440))
            order_id = _one(
                db,
                s.customer_order,
                tenant_id=tenant,
                owner_id=customer,
                channel="BOX_OFFICE",
                currency="GBP",
                ordered_at=at,
                created_at=at,
            )
            db.execute(
                insert(s.order_item).values(
                    tenant_id=tenant,
                    order_id=order_id,
                    position=0,
                    kind=kind,
                    price=rng.randint(10, 80) * 100,
                    commission=150 if kind == "TICKET" else 0,
                    **extra,
                )
            )

        for _ in range(orders):
            order("TICKET", {"instance_id": rng.choice(instances), "price_band": "A"})
        for _ in range(donations):
            order("DONATION", {"fund_id": fund})
        db.execute(
            insert(t.timeline_entry),
            [
                {
                    "tenant_id": tenant,
                    "customer_id": customer,
                    "type": "DONATION",
                    "summary": "Donation.",
                    "details": {},
                    "actor": "bench",
                    "occurred_at": now - timedelta(days=d),
                    "recorded_at": now,
                }
                for d in (0, 360)
            ],
        )
    return tenant, customer
