"""RFM figures and bands in SQL (domain/segments/rfm.py says what they mean), and the
organisation's band edges as stored."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ColumnElement

from domain.segments.rfm import RfmBands
from infra.db import insights_tables as n
from infra.db import sales_tables as s
from infra.segments.days import start_of

o, i = s.customer_order.c, s.order_item.c


def order_figures(tenant_id: int) -> Any:
    """Per customer with orders: their last order's moment, their number of orders and what
    they spent on items they kept."""
    kept = func.coalesce(func.sum(case((i.returned_at.is_(None), i.price), else_=0)), 0)
    return (
        select(
            o.owner_id.label("customer_id"),
            func.max(o.ordered_at).label("last_ordered_at"),
            func.count(func.distinct(o.id)).label("orders"),
            kept.label("spent"),
        )
        .select_from(s.customer_order)
        .outerjoin(s.order_item, i.order_id == o.id)
        .where(o.tenant_id == tenant_id)
        .group_by(o.owner_id)
    )


def recency_band(last_ordered_at: Any, today: date, bands: RfmBands) -> ColumnElement[int]:
    whens = [
        (last_ordered_at >= start_of(today - timedelta(days=edge)), 5 - index)
        for index, edge in enumerate(bands.recency_days)
    ]
    return case(*whens, else_=1)


def _ascending_band(value: Any, edges: tuple[int, ...]) -> ColumnElement[int]:
    whens = [(value >= edge, index + 2) for index, edge in reversed(list(enumerate(edges)))]
    return case(*whens, else_=1)


def frequency_band(orders: Any, bands: RfmBands) -> ColumnElement[int]:
    return _ascending_band(orders, bands.frequency_orders)


def monetary_band(spent: Any, bands: RfmBands) -> ColumnElement[int]:
    return _ascending_band(spent, bands.monetary_minor)


def _bands_select(tenant_id: int) -> Any:
    r = n.rfm_settings.c
    return select(r.recency_days, r.frequency_orders, r.monetary_minor).where(
        r.tenant_id == tenant_id
    )


def _from_row(row: Any) -> RfmBands:
    if row is None:
        return RfmBands()
    return RfmBands(tuple(row.recency_days), tuple(row.frequency_orders), tuple(row.monetary_minor))


def bands_of(db: Connection, tenant_id: int) -> RfmBands:
    return _from_row(db.execute(_bands_select(tenant_id)).first())


async def bands_of_async(db: AsyncConnection, tenant_id: int) -> RfmBands:
    return _from_row((await db.execute(_bands_select(tenant_id))).first())
