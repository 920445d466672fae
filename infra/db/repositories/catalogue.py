"""Records that are a dataclass over one table (catalogue entries, campaigns, stages,
opportunities, activities…): the dataclass's fields that are columns are stored as they are,
enums by value."""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import asdict, fields
from enum import Enum
from typing import Any, Generic, TypeVar, get_type_hints

from sqlalchemy import Select, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.sales.catalogue import Fund
from infra.db import sales_tables as s

Entry = TypeVar("Entry")


@functools.cache
def _existing(table: Table) -> Select[Any]:
    """Which of some ids are the organisation's: built and compiled once per table."""
    return select(table.c.id).where(
        table.c.tenant_id == bindparam("tenant_id"),
        table.c.id.in_(bindparam("ids", expanding=True)),
    )


@functools.cache
def _shape(build: type) -> tuple[frozenset[str], dict[str, type[Enum]]]:
    """The dataclass's field names, and the fields holding enums (columns hold them by
    value). Worked out once per class: type hints cost more than the query they serve."""
    hints = get_type_hints(build)
    enums = {
        name: hint
        for name, hint in hints.items()
        if isinstance(hint, type) and issubclass(hint, Enum)
    }
    return frozenset(f.name for f in fields(build)), enums


class SqlCatalogueRepository(Generic[Entry]):
    def __init__(
        self, connection: AsyncConnection, tenant_id: int, table: Table, build: type[Entry]
    ) -> None:
        self._db, self._tenant_id, self._table, self._build = connection, tenant_id, table, build
        self._fields, self._enums = _shape(build)

    def _entry(self, row: Any) -> Entry:
        values = {k: v for k, v in row._mapping.items() if k in self._fields}
        for name, enum in self._enums.items():
            if values.get(name) is not None:
                values[name] = enum(values[name])
        return self._build(**values)

    def _columns(self, entry: Entry) -> dict[str, Any]:
        return {
            k: v.value if isinstance(v, Enum) else v
            for k, v in asdict(entry).items()  # type: ignore[call-overload]
            if k != "id" and k in self._table.c
        }

    async def _one(self, *conditions: Any) -> Entry | None:
        row = (
            await self._db.execute(
                select(self._table).where(self._table.c.tenant_id == self._tenant_id, *conditions)
            )
        ).first()
        return self._entry(row) if row else None

    async def get(self, entry_id: int) -> Entry | None:
        return await self._one(self._table.c.id == entry_id)

    async def existing(self, entry_ids: Collection[int]) -> set[int]:
        if not entry_ids:
            return set()
        found = await self._db.execute(
            _existing(self._table), {"tenant_id": self._tenant_id, "ids": list(entry_ids)}
        )
        return set(found.scalars())

    async def add(self, entry: Entry) -> None:
        entry.id = (
            await self._db.execute(  # type: ignore[attr-defined]
                insert(self._table)
                .values(tenant_id=self._tenant_id, **self._columns(entry))
                .returning(self._table.c.id)
            )
        ).scalar_one()

    async def save(self, entry: Entry) -> None:
        await self._db.execute(
            update(self._table)
            .where(
                self._table.c.id == entry.id,  # type: ignore[attr-defined]
                self._table.c.tenant_id == self._tenant_id,
            )
            .values(**self._columns(entry))
        )


class SqlFundRepository(SqlCatalogueRepository[Fund]):
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        super().__init__(connection, tenant_id, s.fund, Fund)

    async def with_code(self, code: str) -> Fund | None:
        return await self._one(s.fund.c.code == code)
