"""Made-up fundraising in bulk for the benchmarks, written with COPY (infra/demo/bulk.py):
one campaign, five stages, a few staff owners, then

- `opportunities` opportunities for customers who have an email address;
- `donations` donation order items (kind DONATION, `opportunity_id` set), two to an order;
- `due_instalments` / 2 pledges on as many opportunities, each with five instalments: one
  paid 30 days ago (its payment is one of the donations), two due within the next 14 days
  (the reminder horizon of the default policy), two due in 60 and 90 days;
- `opportunities` / 10 held reservations of two tickets, linked to opportunities.

Made once per database: a second call finds the campaign and does nothing.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from domain.roles import Role
from infra.auth.accounts import create_user
from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.engine import build_async_engine
from infra.demo.bulk import reserve_ids, write_rows
from infra.demo.orders import ensure_catalogue

CAMPAIGN = "Bench appeal"
STAGES = ("Identified", "Cultivating", "Asked", "Pledged", "Won")
OWNERS = 5
CHUNK = 20_000  # opportunities (or orders) per transaction


@dataclass(frozen=True)
class Made:
    opportunities: int
    donations: int
    pledges: int
    due_instalments: int
    reservations: int
    seconds: float


def _owners(database_url: str, slug: str) -> None:
    async def make() -> None:
        engine = build_async_engine(database_url, 2)
        try:
            for n in range(OWNERS):
                await create_user(
                    engine,
                    slug,
                    f"bench-owner-{n}@example.org",
                    "bench-password-123",
                    frozenset({Role.OPPORTUNITIES}),
                    name=f"Bench Owner {n}",
                )
        finally:
            await engine.dispose()

    asyncio.run(make())


def generate_fundraising(
    engine: Engine,
    database_url: str,
    slug: str,
    tenant_id: int,
    opportunities: int,
    donations: int,
    due_instalments: int,
    seed: int = 1,
) -> Made | None:
    """None when this database has its bench campaign already."""
    import time

    with engine.connect() as db:
        if db.execute(
            select(f.campaign.c.id).where(
                f.campaign.c.tenant_id == tenant_id, f.campaign.c.name == CAMPAIGN
            )
        ).first():
            return None
    started = time.perf_counter()
    rng = random.Random(seed)
    catalogue = ensure_catalogue(engine, tenant_id)
    _owners(database_url, slug)
    now = utc_now()
    today = now.date()
    with engine.begin() as db:
        campaign_id = db.execute(
            insert(f.campaign)
            .values(tenant_id=tenant_id, name=CAMPAIGN, target=10**9, active=True)
            .returning(f.campaign.c.id)
        ).scalar_one()
        stage_ids = []
        for position, name in enumerate(STAGES):
            existing = db.execute(
                select(f.opportunity_stage.c.id).where(
                    f.opportunity_stage.c.tenant_id == tenant_id,
                    f.opportunity_stage.c.name == name,
                )
            ).scalar_one_or_none()
            stage_ids.append(
                existing
                or db.execute(
                    insert(f.opportunity_stage)
                    .values(tenant_id=tenant_id, name=name, position=position, retired=False)
                    .returning(f.opportunity_stage.c.id)
                ).scalar_one()
            )
        owner_ids = list(
            db.execute(
                select(t.staff_user.c.id).where(t.staff_user.c.email.like("bench-owner-%"))
            ).scalars()
        )
        emailed = list(
            db.execute(
                select(t.customer_email.c.customer_id)
                .where(t.customer_email.c.tenant_id == tenant_id)
                .distinct()
                .limit(max(opportunities, 1000))
            ).scalars()
        )
    funds = catalogue["funds"]

    # Opportunities.
    with engine.begin() as db:
        first_opportunity = reserve_ids(db, f.opportunity, opportunities)
    customer_of: list[int] = []
    for start in range(0, opportunities, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, opportunities)):
            customer = rng.choice(emailed)
            customer_of.append(customer)
            target = rng.choice((50_000, 100_000, 250_000, 1_000_000))
            rows.append(
                {
                    "id": first_opportunity + n,
                    "tenant_id": tenant_id,
                    "customer_id": customer,
                    "campaign_id": campaign_id,
                    "owner_id": rng.choice(owner_ids),
                    "stage_id": rng.choice(stage_ids),
                    "name": f"Bench gift {n + 1}",
                    "target": target,
                    "asked": target // 2,
                    "open": rng.random() < 0.8,
                }
            )
        with engine.begin() as db:
            write_rows(db, f.opportunity, rows)

    def order_row(order_id: int, owner: int) -> dict[str, Any]:
        return {
            "id": order_id,
            "tenant_id": tenant_id,
            "owner_id": owner,
            "channel": "WEB",
            "currency": "GBP",
            "ordered_at": now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
            "created_at": now,
        }

    def donation(order_id: int, position: int, opportunity: int, price: int) -> dict[str, Any]:
        return {
            "tenant_id": tenant_id,
            "order_id": order_id,
            "position": position,
            "kind": "DONATION",
            "price": price,
            "commission": 0,
            "description": None,
            "instance_id": None,
            "price_band": None,
            "fund_id": rng.choice(funds),
            "scheme_id": None,
            "opportunity_id": opportunity,
        }

    # Pledges, each with a paid instalment (whose payment is a donation) and four unpaid.
    pledges = min(due_instalments // 2, opportunities)
    pledged = rng.sample(range(opportunities), pledges)
    with engine.begin() as db:
        first_pledge = reserve_ids(db, f.pledge, pledges)
        first_instalment = reserve_ids(db, f.instalment, pledges * 5)
    for start in range(0, pledges, CHUNK):
        chunk = range(start, min(start + CHUNK, pledges))
        with engine.begin() as db:
            first_order = reserve_ids(db, s.customer_order, len(chunk))
            first_item = reserve_ids(db, s.order_item, len(chunk))
            pledge_rows, instalment_rows, payments, orders, items = [], [], [], [], []
            for k, n in enumerate(chunk):
                opportunity = first_opportunity + pledged[n]
                customer = customer_of[pledged[n]]
                each = rng.choice((2_000, 5_000, 10_000))
                pledge_id = first_pledge + n
                pledge_rows.append(
                    {
                        "id": pledge_id,
                        "tenant_id": tenant_id,
                        "customer_id": customer,
                        "amount": each * 5,
                        "fund_id": rng.choice(funds),
                        "campaign_id": campaign_id,
                        "opportunity_id": opportunity,
                        "cancelled": False,
                        "created_at": now - timedelta(days=60),
                    }
                )
                due = [
                    today - timedelta(days=30),
                    today + timedelta(days=rng.randint(1, 14)),
                    today + timedelta(days=rng.randint(1, 14)),
                    today + timedelta(days=60),
                    today + timedelta(days=90),
                ]
                for m, due_on in enumerate(due):
                    instalment_rows.append(
                        {
                            "id": first_instalment + n * 5 + m,
                            "tenant_id": tenant_id,
                            "pledge_id": pledge_id,
                            "amount": each,
                            "due_on": due_on,
                            "cancelled": False,
                        }
                    )
                order_id, item_id = first_order + k, first_item + k
                orders.append(order_row(order_id, customer))
                items.append({"id": item_id, **donation(order_id, 0, opportunity, each)})
                payments.append(
                    {
                        "tenant_id": tenant_id,
                        "instalment_id": first_instalment + n * 5,
                        "amount": each,
                        "order_item_id": item_id,
                        "paid_at": now - timedelta(days=30),
                    }
                )
            write_rows(db, f.pledge, pledge_rows)
            write_rows(db, f.instalment, instalment_rows)
            write_rows(db, s.customer_order, orders)
            write_rows(db, s.order_item, items)
            write_rows(db, f.instalment_payment, payments)

    # The other donations, two to an order, on opportunities drawn at random.
    left = max(0, donations - pledges)
    order_count = (left + 1) // 2
    for start in range(0, order_count, CHUNK):
        chunk = range(start, min(start + CHUNK, order_count))
        with engine.begin() as db:
            first_order = reserve_ids(db, s.customer_order, len(chunk))
            orders, items = [], []
            for k, n in enumerate(chunk):
                pick = rng.randrange(opportunities)
                order_id = first_order + k
                orders.append(order_row(order_id, customer_of[pick]))
                for position in range(min(2, left - 2 * n)):
                    items.append(
                        donation(
                            order_id,
                            position,
                            first_opportunity + pick,
                            rng.choice((500, 1000, 2500, 10_000)),
                        )
                    )
            write_rows(db, s.customer_order, orders)
            write_rows(db, s.order_item, items)

    # Held reservations.
    reservations = opportunities // 10
    with engine.begin() as db:
        first_reservation = reserve_ids(db, s.reservation, reservations)
        rows, tickets = [], []
        for n in range(reservations):
            pick = rng.randrange(opportunities)
            rows.append(
                {
                    "id": first_reservation + n,
                    "tenant_id": tenant_id,
                    "customer_id": customer_of[pick],
                    "expires_at": now + timedelta(days=30),
                    "status": "HELD",
                    "order_id": None,
                    "created_at": now,
                    "opportunity_id": first_opportunity + pick,
                }
            )
            instance = rng.choice(catalogue["instances"])
            for position in range(2):
                tickets.append(
                    {
                        "tenant_id": tenant_id,
                        "reservation_id": first_reservation + n,
                        "position": position,
                        "instance_id": instance,
                        "price_band": "A",
                        "price": 2500,
                        "commission": 150,
                        "description": None,
                    }
                )
        write_rows(db, s.reservation, rows)
        write_rows(db, s.reservation_ticket, tickets)
    return Made(
        opportunities,
        pledges + left,
        pledges,
        pledges * 2,
        reservations,
        time.perf_counter() - started,
    )
