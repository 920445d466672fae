"""Made-up sales in bulk: a small catalogue, then orders with items, soft credits and their
timeline entries, written with COPY on PostgreSQL (`foyer demo --order-items N`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, insert, select

from domain.sales.events import OrderRecorded
from domain.sales.orders import Channel, ItemKind, Order, format_order_reference
from infra.clock import utc_now
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.repositories.orders import item_from_row
from infra.demo.bulk import reserve_ids, write_history, write_rows

BATCH_ORDERS = 5000
# What a generated item's row has beyond its line, read as `item_from_row` reads a row.
_UNSAVED = {"scheme_id": None, "returned_at": None, "id": None, "opportunity_id": None}
EVENTS = (
    "Hamlet",
    "The Seagull",
    "A Midsummer Night's Dream",
    "Carmen",
    "The Nutcracker",
    "Messiah",
    "Blood Brothers",
    "Twelfth Night",
    "La Bohème",
    "Pinocchio",
)
FUNDS = (("Annual Fund", "ANNUAL"), ("Capital Appeal", "CAPITAL"), ("Learning", "LEARN"))


def ensure_catalogue(engine: Engine, tenant_id: int) -> dict[str, list[int]]:
    """Ten events with twenty instances each, three funds; made once per organisation."""
    with engine.begin() as db:
        instances = list(
            db.execute(
                select(s.event_instance.c.id).where(s.event_instance.c.tenant_id == tenant_id)
            ).scalars()
        )
        funds = list(
            db.execute(select(s.fund.c.id).where(s.fund.c.tenant_id == tenant_id)).scalars()
        )
        if instances and funds:
            return {"instances": instances, "funds": funds}
        start = utc_now().replace(hour=19, minute=30, second=0, microsecond=0)
        for n, name in enumerate(EVENTS):
            event_id = db.execute(
                insert(s.event).values(tenant_id=tenant_id, name=name).returning(s.event.c.id)
            ).scalar_one()
            for night in range(20):
                instances.append(
                    db.execute(
                        insert(s.event_instance)
                        .values(
                            tenant_id=tenant_id,
                            event_id=event_id,
                            venue="Main House",
                            starts_at=start + timedelta(days=n * 30 + night - 150),
                        )
                        .returning(s.event_instance.c.id)
                    ).scalar_one()
                )
        for name, code in FUNDS:
            funds.append(
                db.execute(
                    insert(s.fund)
                    .values(tenant_id=tenant_id, name=name, code=code)
                    .returning(s.fund.c.id)
                ).scalar_one()
            )
    return {"instances": instances, "funds": funds}


def customer_ids(engine: Engine, tenant_id: int) -> list[int]:
    with engine.connect() as db:
        return list(
            db.execute(
                select(t.customer.c.id)
                .where(t.customer.c.tenant_id == tenant_id)
                .order_by(t.customer.c.id)
            ).scalars()
        )


def generate_orders(
    engine: Engine,
    tenant_id: int,
    item_count: int,
    seed: int = 1,
    owners: list[int] | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Write orders until `item_count` items exist; owners drawn from `owners` (default: all
    the organisation's customers). Returns how many orders were written."""
    catalogue = ensure_catalogue(engine, tenant_id)
    everyone = customer_ids(engine, tenant_id)
    rng = random.Random(seed)
    items_done = orders_done = 0
    while items_done < item_count:
        with engine.begin() as db:
            written_orders, written_items = _write_batch(
                db, tenant_id, rng, owners or everyone, everyone, catalogue, item_count - items_done
            )
        orders_done += written_orders
        items_done += written_items
        progress(written_items)
    return orders_done


def _items(rng: random.Random, catalogue: dict[str, list[int]]) -> list[dict[str, Any]]:
    instance = rng.choice(catalogue["instances"])
    items = [
        {
            "kind": ItemKind.TICKET.value,
            "price": rng.choice((1500, 2500, 3500, 4500)),
            "commission": 150,
            "instance_id": instance,
            "price_band": rng.choice("ABC"),
            "fund_id": None,
            "description": None,
        }
        for _ in range(rng.choice((1, 2, 2, 3, 4)))
    ]
    if rng.random() < 0.2:
        items.append(
            {
                "kind": ItemKind.DONATION.value,
                "price": rng.choice((500, 1000, 5000)),
                "commission": 0,
                "instance_id": None,
                "price_band": None,
                "fund_id": rng.choice(catalogue["funds"]),
                "description": None,
            }
        )
    if rng.random() < 0.1:
        items.append(
            {
                "kind": ItemKind.MERCHANDISE.value,
                "price": 800,
                "commission": 0,
                "instance_id": None,
                "price_band": None,
                "fund_id": None,
                "description": "Programme",
            }
        )
    return items


def _write_batch(
    db: Any,
    tenant_id: int,
    rng: random.Random,
    owners: list[int],
    everyone: list[int],
    catalogue: dict[str, list[int]],
    items_left: int,
) -> tuple[int, int]:
    first_id = reserve_ids(db, s.customer_order, BATCH_ORDERS)
    now = utc_now()
    orders: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    credits: list[dict[str, Any]] = []
    recorded: list[tuple[OrderRecorded, datetime]] = []
    for n in range(BATCH_ORDERS):
        if len(items) >= items_left:
            break
        order_id, owner = first_id + n, rng.choice(owners)
        ordered_at = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 3))
        orders.append(
            {
                "id": order_id,
                "tenant_id": tenant_id,
                "owner_id": owner,
                "channel": rng.choice(list(Channel)).value,
                "currency": "GBP",
                "ordered_at": ordered_at,
                "created_at": now,
            }
        )
        lines = _items(rng, catalogue)
        items += [
            {"tenant_id": tenant_id, "order_id": order_id, "position": p, "scheme_id": None, **line}
            for p, line in enumerate(lines)
        ]
        credited = rng.choice(everyone) if rng.random() < 0.05 else owner
        if credited != owner:
            credits.append({"tenant_id": tenant_id, "order_id": order_id, "customer_id": credited})
        # Described as a recorded order is, so a timeline rebuild finds them as written.
        order = Order(
            owner,
            Channel(orders[-1]["channel"]),
            "GBP",
            [item_from_row(SimpleNamespace(**line, **_UNSAVED)) for line in lines],
            soft_credit_ids=[credited] if credited != owner else [],
            ordered_at=ordered_at,
            reference=format_order_reference(order_id),
            id=order_id,
        )
        recorded.append((OrderRecorded(order), ordered_at))
    write_rows(db, s.customer_order, orders)
    write_rows(db, s.order_item, items)
    write_rows(db, s.order_soft_credit, credits)
    write_history(db, tenant_id, recorded, "foyer demo")
    return len(orders), len(items)
