"""Catalogue entries (partner companies, events, instances, funds, schemes) in and out of
their tables: each a dataclass whose fields are its table's columns."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.sales.catalogue import Fund
from infra.db import sales_tables as s

Entry = TypeVar("Entry")


class SqlCatalogueRepository(Generic[Entry]):
    def __init__(
        self, connection: AsyncConnection, tenant_id: int, table: Table, build: type[Entry]
    ) -> None:
        self._db, self._tenant_id, self._table, self._build = connection, tenant_id, table, build

    def _entry(self, row: Any) -> Entry:
        names = {f.name for f in fields(self._build)}  # type: ignore[arg-type]
        return self._build(**{k: v for k, v in row._mapping.items() if k in names})

    async def _one(self, *conditions: Any) -> Entry | None:
        row = (
            await self._db.execute(
                select(self._table).where(self._table.c.tenant_id == self._tenant_id, *conditions)
            )
        ).first()
        return self._entry(row) if row else None

    async def get(self, entry_id: int) -> Entry | None:
        return await self._one(self._table.c.id == entry_id)

    async def add(self, entry: Entry) -> None:
        values = {k: v for k, v in asdict(entry).items() if k != "id"}  # type: ignore[call-overload]
        entry.id = (
            await self._db.execute(  # type: ignore[attr-defined]
                insert(self._table)
                .values(tenant_id=self._tenant_id, **values)
                .returning(self._table.c.id)
            )
        ).scalar_one()

    async def save(self, entry: Entry) -> None:
        values = {k: v for k, v in asdict(entry).items() if k != "id"}  # type: ignore[call-overload]
        await self._db.execute(
            update(self._table)
            .where(
                self._table.c.id == entry.id,  # type: ignore[attr-defined]
                self._table.c.tenant_id == self._tenant_id,
            )
            .values(**values)
        )


class SqlFundRepository(SqlCatalogueRepository[Fund]):
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        super().__init__(connection, tenant_id, s.fund, Fund)

    async def with_code(self, code: str) -> Fund | None:
        return await self._one(s.fund.c.code == code)
