"""Checking, and if need be rebuilding, the figures the database keeps per customer
(infra/db/figures_tables.py) and the latest consent answers (`consent_state`) against the
rows they derive from.

The triggers keep them in the statement that writes those rows, so a difference means
something went round the triggers (one disabled, a restore of some tables only): this says
how many rows differ and, unless asked not to, writes them again from the rows. On
PostgreSQL the orders, items and ledger are locked against writes (reads go on) for the
organisation's check, so nothing is written between the comparison and the rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, delete, except_, func, insert, or_, select, text

from infra.db import consent_tables as c
from infra.db import figures_tables as g
from infra.db import sales_tables as s
from infra.db.queries.consent import latest_entry

o, i = s.customer_order.c, s.order_item.c


@dataclass(frozen=True)
class FiguresChecked:
    """How many rows of each table differed from the recomputation: those kept but not
    recomputed plus those recomputed but not kept (so a row with a wrong figure is two)."""

    figures: int
    bookings: int
    consent_states: int

    @property
    def differing(self) -> int:
        return self.figures + self.bookings + self.consent_states


def _kept_sum(value: Any, kind: str | None = None) -> Any:
    kept = i.returned_at.is_(None) if kind is None else i.returned_at.is_(None) & (i.kind == kind)
    return func.coalesce(func.sum(case((kept, value), else_=0)), 0)


def _figures(tenant_id: int) -> Any:
    return (
        select(
            o.owner_id.label("customer_id"),
            o.tenant_id,
            func.count(func.distinct(o.id)).label("orders"),
            _kept_sum(i.price).label("spent"),
            _kept_sum(1, "DONATION").label("donations"),
            _kept_sum(i.price, "DONATION").label("donated"),
            _kept_sum(1, "TICKET").label("tickets"),
            _kept_sum(i.price, "TICKET").label("ticket_spend"),
        )
        .select_from(s.customer_order)
        .outerjoin(s.order_item, i.order_id == o.id)
        .where(o.tenant_id == tenant_id)
        .group_by(o.owner_id, o.tenant_id)
    )


def _bookings(tenant_id: int) -> Any:
    return (
        select(
            o.owner_id.label("customer_id"),
            i.instance_id,
            o.tenant_id,
            func.count().label("tickets"),
            func.sum(i.price).label("spend"),
        )
        .join(s.customer_order, o.id == i.order_id)
        .where(
            i.tenant_id == tenant_id,
            i.kind == "TICKET",
            i.returned_at.is_(None),
            i.instance_id.is_not(None),
        )
        .group_by(o.owner_id, i.instance_id, o.tenant_id)
    )


def _states(tenant_id: int) -> Any:
    e = c.consent_entry.c
    return select(
        e.customer_id, e.preference_id, e.tenant_id, e.state, e.id.label("entry_id")
    ).where(e.tenant_id == tenant_id, e.customer_id.is_not(None), latest_entry())


def _kept(table: Any, tenant_id: int, counted: tuple[str, ...]) -> Any:
    """The table's rows of the organisation, as the recomputation's columns; a row whose
    figures all came back to zero (every ticket returned) stands for no row."""
    columns = [table.c[name] for name in _COLUMNS[table.name]]
    query = select(*columns).where(table.c.tenant_id == tenant_id)
    if counted:
        query = query.where(or_(*(table.c[name] != 0 for name in counted)))
    return query


_COLUMNS = {
    "customer_figures": (
        "customer_id",
        "tenant_id",
        "orders",
        "spent",
        "donations",
        "donated",
        "tickets",
        "ticket_spend",
    ),
    "customer_booking": ("customer_id", "instance_id", "tenant_id", "tickets", "spend"),
    "consent_state": ("customer_id", "preference_id", "tenant_id", "state", "entry_id"),
}
_TABLES = (
    (g.customer_figures, _figures, _COLUMNS["customer_figures"][2:]),
    (g.customer_booking, _bookings, ("tickets", "spend")),
    (c.consent_state, _states, ()),
)


def _differing(db: Connection, kept: Any, recomputed: Any) -> int:
    def count(query: Any) -> int:
        return int(db.execute(select(func.count()).select_from(query.subquery())).scalar_one())

    return count(except_(kept, recomputed)) + count(except_(recomputed, kept))


def rebuild_figures(db: Connection, tenant_id: int, *, write: bool = True) -> FiguresChecked:
    """Compare the organisation's kept rows with a recomputation from its orders, items and
    ledger; when any differ and `write`, replace them all. Runs in the caller's transaction."""
    if db.dialect.name == "postgresql":
        db.execute(text("LOCK TABLE customer_order, order_item, consent_entry IN SHARE MODE"))
    found = []
    for table, recompute, counted in _TABLES:
        recomputed = recompute(tenant_id)
        differing = _differing(db, _kept(table, tenant_id, counted), recomputed)
        found.append(differing)
        if differing and write:
            db.execute(delete(table).where(table.c.tenant_id == tenant_id))
            db.execute(insert(table).from_select(list(_COLUMNS[table.name]), recomputed))
    return FiguresChecked(*found)
