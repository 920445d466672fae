"""Writing many rows fast: COPY on PostgreSQL, batched inserts elsewhere."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, text

from domain.events import Fact
from infra.db import tables as t
from infra.db.unit_of_work import change_row, entry_row


def write_rows(db: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if db.dialect.name != "postgresql":
        db.execute(insert(table), list(rows))
        return
    columns = list(rows[0].keys())
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    cursor = db.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])


def reserve_ids(db: Connection, table: Table, count: int) -> int:
    """The first of `count` consecutive ids no other row of `table` will take."""
    if db.dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        first = db.execute(text(f"SELECT nextval({sequence})")).scalar_one()
        db.execute(text(f"SELECT setval({sequence}, :last)"), {"last": first + count})
        return int(first)
    # SQLite: the caller holds the write lock for the whole load, so max(id) cannot move.
    return int(db.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}")).scalar_one())


def write_history(
    db: Connection, tenant_id: int, facts: Sequence[tuple[Fact, datetime]], actor: str
) -> None:
    """Facts of the record's history, each at its moment, and their timeline entries, as
    the unit of work writes them, so a timeline rebuild finds them as written."""
    first = reserve_ids(db, t.record_change, len(facts))
    changes, entries = [], []
    for n, (fact, at) in enumerate(facts):
        changes.append({"id": first + n, **change_row(tenant_id, fact, actor, at)})
        entries += [entry_row(tenant_id, e, actor, at, first + n) for e in fact.timeline_entries()]
    write_rows(db, t.record_change, changes)
    write_rows(db, t.timeline_entry, entries)
