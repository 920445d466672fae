"""The opportunities dashboard in one statement: each opportunity of the page with its
customer, stage and owner (joined, their columns beside the opportunity's: one row each,
and the driver's own types, so nothing to decode from JSON) and its Received, Pledged and
Reserved (as correlated subqueries over the same rows the figures loader reads),
whichever of them a request asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select

from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.db.queries.customer_record import row_type
from infra.db.queries.fundraising import Figures

# The opportunity rows the dashboard can be read with: by name, the table and the key.
ROWS = {
    "customer": (t.customer, "customer_id"),
    "stage": (f.opportunity_stage, "stage_id"),
    "owner": (t.staff_user, "owner_id"),
}
FIGURES = "figures"
PARTS = frozenset({*ROWS, FIGURES})
NOW = "dashboard_now"


@dataclass
class OpportunityRecord:
    opportunity: Any  # its row
    rows: dict[str, Any] = field(default_factory=dict)  # by name in ROWS
    figures: Figures | None = None


def _figures() -> list[Any]:
    o, i = f.opportunity.c, s.order_item.c
    p, ins, pay = f.pledge.c, f.instalment.c, f.instalment_payment.c
    r, rt = s.reservation.c, s.reservation_ticket.c
    received = select(func.sum(i.price + i.commission)).where(
        i.opportunity_id == o.id, i.returned_at.is_(None)
    )
    paid = (
        select(func.coalesce(func.sum(pay.amount), 0))
        .select_from(f.instalment_payment.join(f.instalment, ins.id == pay.instalment_id))
        .where(ins.pledge_id == p.id)
        .scalar_subquery()
    )
    pledged = select(func.sum(p.amount - paid)).where(
        p.opportunity_id == o.id, p.cancelled.is_(False)
    )
    reserved = (
        select(func.sum(rt.price + rt.commission))
        .select_from(s.reservation.join(s.reservation_ticket, rt.reservation_id == r.id))
        .where(r.opportunity_id == o.id, r.status == "HELD", r.expires_at > bindparam(NOW))
    )
    return [
        q.scalar_subquery().label(f"figure_{name}")
        for name, q in (("received", received), ("pledged", pledged), ("reserved", reserved))
    ]


_JOINED = {name: table.alias(f"planned_{name}") for name, (table, _) in ROWS.items()}


@cache
def _rows(parts: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(parts & ROWS.keys()))


@cache
def dashboard_columns(parts: frozenset[str]) -> tuple[Any, ...]:
    """Columns to add to the page of opportunities for `parts` (names in PARTS), from the
    tables `dashboard_joins(parts)` joins; built once per process. The statement then
    needs the request's moment as the NOW parameter."""
    columns: list[Any] = []
    for name in _rows(parts):
        columns += [c.label(f"planned_{name}_{c.key}") for c in _JOINED[name].c]
    if FIGURES in parts:
        columns += _figures()
    return tuple(columns)


@cache
def dashboard_joins(parts: frozenset[str]) -> tuple[tuple[Any, Any], ...]:
    """The tables to join to the opportunity (outer joins), each with its condition."""
    o = f.opportunity.c
    return tuple((_JOINED[name], _JOINED[name].c.id == o[ROWS[name][1]]) for name in _rows(parts))


_OPPORTUNITY_WIDTH = len(f.opportunity.c)


def record_of(found: Any, parts: frozenset[str]) -> OpportunityRecord:
    """A row of the page with `dashboard_columns(parts)` as a record."""
    record = OpportunityRecord(found)
    start = _OPPORTUNITY_WIDTH
    for name in _rows(parts):
        table = ROWS[name][0]
        end = start + len(table.c)
        values = found[start:end]
        # An outer join's missing row: every column null, its id among them.
        record.rows[name] = None if values[0] is None else row_type(table)._make(values)
        start = end
    if FIGURES in parts:
        received, pledged, reserved = (
            int(found.figure_received or 0),
            int(found.figure_pledged or 0),
            int(found.figure_reserved or 0),
        )
        record.figures = Figures(received, max(0, pledged), reserved)
    return record
