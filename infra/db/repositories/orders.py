"""Orders in and out of their tables: the order, its items, soft credits, attributes and
history."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    insert,
    literal_column,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.customers.customer import CustomerKind
from domain.errors import AlreadyRecorded, Conflict
from domain.sales.orders import (
    Channel,
    ItemKind,
    NamedRecords,
    Order,
    OrderItem,
    format_order_reference,
)
from infra.clock import utc_now
from infra.db import sales_tables as s
from infra.db import tables as t

o, i = s.customer_order.c, s.order_item.c

# Built once: executed with their values as parameters, each is compiled once per process
# (SQLAlchemy's compiled cache) and never rebuilt or re-keyed per order.
_ADD_ORDER = insert(s.customer_order).returning(o.id)
_ADD_ITEMS = insert(s.order_item).returning(i.id, sort_by_parameter_order=True)
_NOTE = insert(s.order_history)

_ITEM_COLUMNS = (
    "position",
    "kind",
    "price",
    "commission",
    "description",
    "instance_id",
    "price_band",
    "fund_id",
    "scheme_id",
    "opportunity_id",
)
_ORDER_COLUMNS = (
    "owner_id",
    "channel",
    "currency",
    "facilitator_id",
    "booked_for_id",
    "external_reference",
    "request_fingerprint",
    "ordered_at",
    "created_at",
    "recorded_items",
)
# On PostgreSQL an order, its items and the first line of its history are one statement
# (one round trip, not three): the items go as one array per column, so that the statement
# is the same whatever their number, compiled and prepared once.
_ADD_WHOLE_ORDER = text(
    f"""
WITH new_order AS (
    INSERT INTO customer_order (tenant_id, {", ".join(_ORDER_COLUMNS)})
    VALUES (:tenant_id, {", ".join(f":{c}" for c in _ORDER_COLUMNS)})
    RETURNING id
), noted AS (
    INSERT INTO order_history (tenant_id, order_id, what, actor, occurred_at)
    SELECT :tenant_id, id, :what, :actor, :created_at FROM new_order
), items AS (
    INSERT INTO order_item (tenant_id, order_id, {", ".join(_ITEM_COLUMNS)})
    SELECT :tenant_id, new_order.id, {", ".join(f"u.{c}" for c in _ITEM_COLUMNS)}
    FROM new_order, unnest(
        CAST(:position AS INTEGER[]), CAST(:kind AS VARCHAR[]), CAST(:price AS BIGINT[]),
        CAST(:commission AS BIGINT[]), CAST(:description AS VARCHAR[]),
        CAST(:instance_id AS BIGINT[]), CAST(:price_band AS VARCHAR[]),
        CAST(:fund_id AS BIGINT[]), CAST(:scheme_id AS BIGINT[]),
        CAST(:opportunity_id AS BIGINT[])
    ) AS u({", ".join(_ITEM_COLUMNS)})
    ORDER BY u.position
    RETURNING id, position
)
SELECT new_order.id, items.id AS item_id
FROM new_order LEFT JOIN items ON true
ORDER BY items.position
"""
).bindparams(
    *(bindparam(c, type_=s.customer_order.c[c].type) for c in _ORDER_COLUMNS),
    bindparam("tenant_id", type_=s.customer_order.c.tenant_id.type),
)
# Unique violation: only the external reference can raise it when an order is added.
_UNIQUE_VIOLATION = "23505"


def _named(table: Any, ids: str, kind: Any = None) -> Any:
    """The rows of `table` among the ids bound to `ids`, each labelled with its table."""
    return select(
        literal_column(f"'{table.name}'").label("what"),
        table.c.id,
        (kind if kind is not None else null()).label("kind"),
    ).where(
        table.c.tenant_id == bindparam("tenant_id"), table.c.id.in_(bindparam(ids, expanding=True))
    )


# Every kind of row an order names, found in one round trip (see OrderRepository.named).
_NAMED = union_all(
    _named(t.customer, "customers", t.customer.c.kind),
    _named(s.event_instance, "instances"),
    _named(s.fund, "funds"),
    _named(s.membership_scheme, "schemes"),
)


def item_from_row(row: Any) -> OrderItem:
    return OrderItem(
        ItemKind(row.kind),
        row.price,
        row.commission,
        row.description,
        row.instance_id,
        row.price_band,
        row.fund_id,
        row.scheme_id,
        row.returned_at is not None,
        row.id,
        row.opportunity_id,
    )


def order_from_rows(
    row: Any, items: Sequence[Any], credits: Collection[int], attributes: dict[str, str]
) -> Order:
    """An order from its row, its items' rows in order, and who it soft-credits."""
    return Order(
        row.owner_id,
        Channel(row.channel),
        row.currency,
        [item_from_row(r) for r in items],
        row.facilitator_id,
        row.booked_for_id,
        sorted(credits),
        attributes,
        row.external_reference,
        row.ordered_at,
        format_order_reference(row.id),
        row.id,
        row.request_fingerprint,
    )


class SqlOrderRepository:
    def __init__(
        self, connection: AsyncConnection, tenant_id: int, actor_label: Callable[[], str]
    ) -> None:
        self._db, self._tenant_id, self._actor = connection, tenant_id, actor_label

    async def _one(self, *conditions: Any) -> Order | None:
        row = (
            await self._db.execute(
                select(s.customer_order).where(o.tenant_id == self._tenant_id, *conditions)
            )
        ).first()
        if row is None:
            return None
        items = (
            await self._db.execute(
                select(s.order_item).where(i.order_id == row.id).order_by(i.position)
            )
        ).all()
        credits = (
            (
                await self._db.execute(
                    select(s.order_soft_credit.c.customer_id).where(
                        s.order_soft_credit.c.order_id == row.id
                    )
                )
            )
            .scalars()
            .all()
        )
        attributes = (
            await self._db.execute(
                select(s.order_attribute).where(s.order_attribute.c.order_id == row.id)
            )
        ).all()
        return order_from_rows(row, items, credits, {a.key: a.value for a in attributes})

    async def get(self, order_id: int) -> Order | None:
        return await self._one(o.id == order_id)

    async def with_external_reference(self, reference: str) -> Order | None:
        return await self._one(o.external_reference == reference)

    async def add(self, order: Order, what: str) -> None:
        now = utc_now()
        order.ordered_at = order.ordered_at or now
        values = {
            "tenant_id": self._tenant_id,
            "owner_id": order.owner_id,
            "channel": order.channel.value,
            "currency": order.currency,
            "facilitator_id": order.facilitator_id,
            "booked_for_id": order.booked_for_id,
            "external_reference": order.external_reference,
            "request_fingerprint": order.fingerprint,
            "ordered_at": order.ordered_at,
            "created_at": now,
            "recorded_items": len(order.items),
        }
        whole = self._db.dialect.name == "postgresql" and bool(order.items)
        try:
            async with self._race_guard(order.external_reference):
                if whole:
                    await self._add_whole(order, values, what)
                else:
                    order.id = (await self._db.execute(_ADD_ORDER, values)).scalar_one()
        except IntegrityError as error:
            if order.external_reference is None or not _is_unique_violation(error):
                raise
            raise AlreadyRecorded(order.external_reference) from None
        if not whole:
            assert order.id is not None
            await self.add_items(order, order.items)
            await self.note(order.id, what, now)
        if order.soft_credit_ids:
            await self._db.execute(
                insert(s.order_soft_credit),
                [
                    {"tenant_id": self._tenant_id, "order_id": order.id, "customer_id": c}
                    for c in order.soft_credit_ids
                ],
            )
        if order.attributes:
            await self._db.execute(
                insert(s.order_attribute),
                [
                    {"tenant_id": self._tenant_id, "order_id": order.id, "key": k, "value": v}
                    for k, v in order.attributes.items()
                ],
            )

    async def _add_whole(self, order: Order, values: dict[str, Any], what: str) -> None:
        rows = self._item_rows(order, order.items)
        columns = {c: [row[c] for row in rows] for c in _ITEM_COLUMNS}
        found = await self._db.execute(
            _ADD_WHOLE_ORDER, {**values, **columns, "what": what, "actor": self._actor()}
        )
        ids = found.all()
        order.id = ids[0].id
        for item, row in zip(order.items, ids, strict=True):
            item.id = row.item_id

    def _race_guard(self, reference: str | None) -> AbstractAsyncContextManager[Any]:
        """A savepoint on PostgreSQL, where a failed statement aborts the transaction: losing
        the race on the external reference must not poison it. Not on SQLite, which backs
        out only the failed statement, and whose driver begins no transaction before a
        SAVEPOINT, so releasing it would commit the order even if a later rule fails.
        Not without a reference either: then there is no race to lose."""
        if reference is not None and self._db.dialect.name == "postgresql":
            return self._db.begin_nested()
        return nullcontext()

    async def add_items(self, order: Order, items: list[OrderItem]) -> None:
        """Insert `items` (the last of `order.items`) in one statement, ids in order."""
        rows = self._item_rows(order, items)
        ids = (await self._db.execute(_ADD_ITEMS, rows)).scalars().all()
        for item, item_id in zip(items, ids, strict=True):
            item.id = item_id

    def _item_rows(self, order: Order, items: list[OrderItem]) -> list[dict[str, Any]]:
        """The rows of `items`, the last of `order.items`."""
        first = len(order.items) - len(items)
        return [
            {
                "tenant_id": self._tenant_id,
                "order_id": order.id,
                "position": position,
                "kind": item.kind.value,
                "price": item.price,
                "commission": item.commission,
                "description": item.description,
                "instance_id": item.instance_id,
                "price_band": item.price_band,
                "fund_id": item.fund_id,
                "scheme_id": item.scheme_id,
                "opportunity_id": item.opportunity_id,
            }
            for position, item in enumerate(items, start=first)
        ]

    async def mark_returned(self, order: Order, item_ids: list[int]) -> None:
        """Only items not yet returned: when a concurrent request returned one first, this
        one is refused, or the refund (or the donation made of it) would be paid twice."""
        marked = await self._db.execute(
            update(s.order_item)
            .where(i.order_id == order.id, i.id.in_(item_ids), i.returned_at.is_(None))
            .values(returned_at=utc_now())
        )
        if marked.rowcount != len(item_ids):
            raise Conflict("That item has already been returned.", ("itemIds",))

    async def note(self, order_id: int, what: str, at: datetime | None = None) -> None:
        await self._db.execute(
            _NOTE,
            {
                "tenant_id": self._tenant_id,
                "order_id": order_id,
                "what": what,
                "actor": self._actor(),
                "occurred_at": at or utc_now(),
            },
        )

    async def of_item(self, item_id: int) -> Order | None:
        order_id = (
            await self._db.execute(
                select(i.order_id).where(i.id == item_id, i.tenant_id == self._tenant_id)
            )
        ).scalar_one_or_none()
        return await self.get(order_id) if order_id is not None else None

    async def named(
        self,
        customer_ids: Collection[int],
        instance_ids: Collection[int],
        fund_ids: Collection[int],
        scheme_ids: Collection[int],
    ) -> NamedRecords:
        rows = await self._db.execute(
            _NAMED,
            {
                "tenant_id": self._tenant_id,
                "customers": list(customer_ids),
                "instances": list(instance_ids),
                "funds": list(fund_ids),
                "schemes": list(scheme_ids),
            },
        )
        found: dict[str, set[int]] = {}
        kinds: dict[int, CustomerKind] = {}
        for what, pk, kind in rows:
            found.setdefault(what, set()).add(pk)
            if kind is not None:
                kinds[pk] = CustomerKind(kind)
        return NamedRecords(
            kinds,
            *(
                frozenset(found.get(table.name, ()))
                for table in (s.event_instance, s.fund, s.membership_scheme)
            ),
        )

    async def link_items(self, item_ids: Collection[int], opportunity_id: int) -> None:
        if not item_ids:
            return
        await self._db.execute(
            update(s.order_item)
            .where(i.id.in_(item_ids), i.tenant_id == self._tenant_id)
            .values(opportunity_id=opportunity_id)
        )


def _is_unique_violation(error: IntegrityError) -> bool:
    """On SQLite every constraint failure is one error code; there the order's own insert,
    the only statement guarded, can fail on nothing but its reference."""
    code = getattr(error.orig, "sqlstate", None)
    return code is None or code == _UNIQUE_VIOLATION
