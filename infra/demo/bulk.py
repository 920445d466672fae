"""Writing many rows fast: COPY on PostgreSQL, batched inserts elsewhere."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, text


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
