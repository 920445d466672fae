"""`foyer timeline rebuild`: an organisation's timeline entries derived again from the rows
they describe, through the same domain events that wrote them live, so the two cannot
drift.

Orders (one entry per kind of item per customer involved) and visits are derived from
their rows. The other types are kept as they were written: their rows keep no history of
what the entry describes (the name a record had when created, the fields a change touched,
a reply, a reschedule, the stage names and the text an activity had then), so deriving
them would invent what it cannot know. The rebuild says how many of each it kept, and
lists every written entry it could not derive again and every entry it adds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from domain.events import DomainEvent
from domain.sales.events import ENTRY_FOR_KIND, OrderRecorded, VisitRecorded
from domain.timeline import TimelineEntry, TimelineEntryType
from infra.clock import utc_now
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.repositories.orders import order_from_rows
from infra.db.unit_of_work import entry_row

REBUILT = frozenset({*ENTRY_FOR_KIND.values(), TimelineEntryType.VISIT})
ACTOR = "foyer timeline rebuild"
# What must match between an entry written live and its rebuilt twin.
COMPARED = (
    "customer_id",
    "type",
    "summary",
    "details",
    "occurred_at",
    "subject_type",
    "subject_id",
    "opportunity_id",
)


@dataclass
class Rebuilt:
    """What a rebuild did to one organisation's timeline."""

    derived: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    # Entries written live that the rows no longer give, and the reverse.
    dropped: list[dict[str, Any]] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)


def comparable(row: Any) -> tuple[Any, ...]:
    values = row if isinstance(row, dict) else row._mapping
    return tuple(
        tuple(sorted(values[c].items())) if c == "details" else values[c] for c in COMPARED
    )


def _orders(db: Connection, tenant_id: int) -> Iterator[DomainEvent]:
    """Each order as it was recorded: its first `recorded_items` items."""
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
    for row in db.execute(
        select(s.customer_order)
        .where(s.customer_order.c.tenant_id == tenant_id)
        .order_by(s.customer_order.c.id)
    ):
        recorded = items[row.id][: row.recorded_items]
        order = order_from_rows(row, recorded, credits[row.id], {})
        # Linked later or not, an entry counts towards what the order's items count
        # towards now, as live linking moves it (domain.fundraising.opportunities).
        linked = order_from_rows(row, items[row.id], (), {}).opportunity_id
        yield _Linked(OrderRecorded(order), linked)


@dataclass(frozen=True)
class _Linked(DomainEvent):
    event: DomainEvent
    opportunity_id: int | None

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            replace(e, opportunity_id=self.opportunity_id) for e in self.event.timeline_entries()
        ]


def _visits(db: Connection, tenant_id: int) -> Iterator[DomainEvent]:
    v, i, e = s.visit.c, s.event_instance.c, s.event.c
    for row in db.execute(
        select(v.id, v.customer_id, v.instance_id, v.checked_in_at, e.name)
        .join(s.event_instance, i.id == v.instance_id)
        .join(s.event, e.id == i.event_id)
        .where(v.tenant_id == tenant_id)
        .order_by(v.id)
    ):
        yield VisitRecorded(row.customer_id, row.instance_id, row.name, row.checked_in_at, row.id)


def rebuild_timeline(
    db: Connection, tenant_id: int, progress: Callable[[str], None] = lambda _: None
) -> Rebuilt:
    """Replace the organisation's derived entries with those its rows give, on `db`, in
    the caller's transaction."""
    e = t.timeline_entry.c
    result = Rebuilt()
    written = list(
        db.execute(select(t.timeline_entry).where(e.tenant_id == tenant_id).order_by(e.id))
    )
    for row in written:
        if row.type not in REBUILT:
            result.kept[row.type] += 1
    now = utc_now()
    rows = []
    for source, events in (("orders", _orders(db, tenant_id)), ("visits", _visits(db, tenant_id))):
        before = len(rows)
        for event in events:
            rows += [entry_row(tenant_id, entry, ACTOR, now) for entry in event.timeline_entries()]
        progress(f"{source}: {len(rows) - before} entries")
    for row in rows:
        result.derived[row["type"]] += 1
    live = Counter(comparable(r) for r in written if r.type in REBUILT)
    again = Counter(comparable(r) for r in rows)
    result.dropped = [dict(zip(COMPARED, k, strict=True)) for k in (live - again).elements()]
    result.added = [dict(zip(COMPARED, k, strict=True)) for k in (again - live).elements()]
    db.execute(
        delete(t.timeline_entry).where(
            e.tenant_id == tenant_id, e.type.in_(sorted(kind.value for kind in REBUILT))
        )
    )
    # Written in the order they happened, so entries sharing a moment keep their order.
    rows.sort(key=lambda r: (r["occurred_at"], r["subject_id"] or 0))
    if rows:
        db.execute(insert(t.timeline_entry), rows)
    return result
