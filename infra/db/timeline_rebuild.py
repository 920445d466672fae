"""`foyer timeline rebuild`: an organisation's timeline derived again from the record's
history (domain.history), through the same facts that wrote it live, so the two cannot
drift.

Each fact in the history, in the order it was recorded, gives its entries again: an
order's from the order's own rows (as it was recorded: its first `recorded_items` items),
every other fact from what it keeps. Each entry keeps the moment and the actor of its fact;
the opportunity links recorded later point entries at their opportunity again as they did
live, after the entries of the same transaction. Entries that come out the same are left
as they are (so their ids stay); the rest are removed or added, and listed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from domain.events import Fact
from domain.history import fact_from
from domain.sales.events import OrderRecorded
from domain.sales.orders import Order
from domain.timeline import OpportunityLink
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.repositories.orders import order_from_rows
from infra.db.unit_of_work import entry_row

# What must match between an entry written live and its rebuilt twin.
COMPARED = (
    "customer_id",
    "type",
    "summary",
    "details",
    "occurred_at",
    "recorded_at",
    "actor",
    "subject_type",
    "subject_id",
    "opportunity_id",
    "change_id",
)


@dataclass
class Rebuilt:
    """What a rebuild did to one organisation's timeline."""

    derived: Counter[str] = field(default_factory=Counter)
    # Entries written live that the history no longer gives, and the reverse.
    dropped: list[dict[str, Any]] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)


def comparable(row: Any) -> tuple[Any, ...]:
    values = row if isinstance(row, dict) else row._mapping
    return tuple(
        tuple(sorted(values[c].items())) if c == "details" else values[c] for c in COMPARED
    )


def hold_writes(db: Connection, tenant_id: int) -> None:
    """Make the organisation's writers wait until the caller's transaction ends. On
    PostgreSQL: the organisation's row, FOR UPDATE, which every insert of a row of the
    organisation (a fact, an entry) needs to share, so its changes wait and its reads and
    other organisations go on. On SQLite: the database's write lock."""
    if db.dialect.name == "postgresql":
        db.execute(select(t.tenant.c.id).where(t.tenant.c.id == tenant_id).with_for_update())
    else:
        db.execute(update(t.tenant).where(t.tenant.c.id == tenant_id).values(id=t.tenant.c.id))


def _orders(db: Connection, tenant_id: int) -> dict[int, tuple[Order, int | None]]:
    """Each order as it was recorded (its first `recorded_items` items), with the
    opportunity its items count towards now."""
    items, credits = defaultdict(list), defaultdict(list)
    for item in db.execute(
        select(s.order_item)
        .where(s.order_item.c.tenant_id == tenant_id)
        .order_by(s.order_item.c.order_id, s.order_item.c.position)
    ):
        items[item.order_id].append(item)
    for credit in db.execute(
        select(s.order_soft_credit).where(s.order_soft_credit.c.tenant_id == tenant_id)
    ):
        credits[credit.order_id].append(credit.customer_id)
    orders = {}
    for row in db.execute(
        select(s.customer_order).where(s.customer_order.c.tenant_id == tenant_id)
    ):
        recorded = items[row.id][: row.recorded_items]
        linked = order_from_rows(row, items[row.id], (), {}).opportunity_id
        orders[row.id] = (order_from_rows(row, recorded, credits[row.id], {}), linked)
    return orders


def _facts(db: Connection, tenant_id: int) -> Iterator[Any]:
    c = t.record_change.c
    yield from db.execute(select(t.record_change).where(c.tenant_id == tenant_id).order_by(c.id))


def derive_timeline(db: Connection, tenant_id: int) -> list[dict[str, Any]]:
    """The rows of every entry the organisation's history gives, in the order written."""
    orders = _orders(db, tenant_id)
    rows: list[dict[str, Any]] = []
    about: dict[tuple[str | None, int | None], list[dict[str, Any]]] = defaultdict(list)
    # One transaction's facts share their moment and actor: its links apply after all of
    # its entries are written, as the unit of work applies them.
    for _, changes in groupby(_facts(db, tenant_id), lambda c: (c.recorded_at, c.actor)):
        links: list[OpportunityLink] = []
        for change in changes:
            fact = _fact(change, orders)
            for entry in fact.timeline_entries():
                if isinstance(fact, OrderRecorded):
                    # Linked later or not, an order's entries count towards what its items
                    # count towards now, as live linking moves them.
                    entry = replace(entry, opportunity_id=orders[fact.order.id or 0][1])
                row = entry_row(tenant_id, entry, change.actor, change.recorded_at, change.id)
                rows.append(row)
                about[row["subject_type"], row["subject_id"]].append(row)
            links += fact.opportunity_links()
        for link in links:
            for subject in link.subjects:
                for row in about[subject.type, subject.id]:
                    row["opportunity_id"] = link.opportunity_id
    return rows


def _fact(change: Any, orders: dict[int, tuple[Order, int | None]]) -> Fact:
    if Fact.KINDS[change.kind] is OrderRecorded:
        return OrderRecorded(orders[change.facts["order_id"]][0])
    return fact_from(change.kind, change.facts)


def rebuild_timeline(
    db: Connection, tenant_id: int, progress: Callable[[str], None] = lambda _: None
) -> Rebuilt:
    """Make the organisation's timeline the one its history gives, on `db`, in the
    caller's transaction, holding the organisation's writes (hold_writes) until it ends."""
    hold_writes(db, tenant_id)
    e = t.timeline_entry.c
    written = list(
        db.execute(select(t.timeline_entry).where(e.tenant_id == tenant_id).order_by(e.id))
    )
    progress(f"{len(written)} entries written")
    rows = derive_timeline(db, tenant_id)
    progress(f"{len(rows)} entries derived from the history")
    result = Rebuilt(Counter(row["type"] for row in rows))
    again = Counter(comparable(row) for row in rows)
    stale = []
    for row in written:
        key = comparable(row)
        if again[key] > 0:
            again[key] -= 1
        else:
            stale.append(row.id)
            result.dropped.append(dict(zip(COMPARED, key, strict=True)))
    fresh = [row for row in rows if _take(again, comparable(row))]
    result.added = [dict(zip(COMPARED, comparable(row), strict=True)) for row in fresh]
    for start in range(0, len(stale), 500):
        db.execute(delete(t.timeline_entry).where(e.id.in_(stale[start : start + 500])))
    if fresh:
        db.execute(insert(t.timeline_entry), fresh)
    return result


def _take(left: Counter[tuple[Any, ...]], key: tuple[Any, ...]) -> bool:
    """Whether `key` is still wanted, counting it off."""
    if left[key] > 0:
        left[key] -= 1
        return True
    return False
