"""Marking a row done together with the timeline entry it earns, as one statement.

A worker that sends mail marks each message as it goes and puts it on the recipient's
timeline: on PostgreSQL the UPDATE and the INSERT are one statement (the update in a CTE the
insert selects from), so atomic on its own and one round trip on an autocommit connection;
on SQLite they are two statements in one transaction. Used by pledge reminders and mailings.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from sqlalchemy import Column, Connection, Update, bindparam, insert, select

from infra.db import tables as t

ENTRY_COLUMNS = (
    "tenant_id",
    "customer_id",
    "type",
    "summary",
    "details",
    "actor",
    "occurred_at",
    "recorded_at",
    "subject_type",
    "subject_id",
    "opportunity_id",
)


def mark_and_note(mark: Update, marked: Column[Any]) -> Any:
    """The statement that runs `mark` and, for the row it marked (none: no entry), inserts
    the timeline entry given as parameters `entry_<column>`. Build it once: building costs
    more than running it."""
    # Named apart from the columns: a parameter named like a column of the updated table
    # would join the UPDATE's SET clause.
    return insert(t.timeline_entry).from_select(
        ENTRY_COLUMNS,
        select(
            *(bindparam(f"entry_{c}", type_=t.timeline_entry.c[c].type) for c in ENTRY_COLUMNS)
        ).select_from(mark.returning(marked).cte("marked")),
    )


def record_with_entry(
    db: Connection,
    mark: Update,
    marked_and_noted: Any,
    parameters: dict[str, Any],
    entry: dict[str, Any] | None,
) -> None:
    """Run `mark` with `parameters`, and write `entry` (a timeline row) with it."""
    if entry is None:
        with transaction(db):
            db.execute(mark, parameters)
        return
    entry = {"recorded_at": entry["occurred_at"], **entry}
    if db.dialect.name == "postgresql":
        db.execute(marked_and_noted, {**parameters, **{f"entry_{k}": v for k, v in entry.items()}})
        return
    with transaction(db):
        if db.execute(mark, parameters).rowcount:
            db.execute(insert(t.timeline_entry), entry)


def transaction(db: Connection) -> Any:
    """A transaction, unless the connection commits each statement itself (read from its
    options: asking the database would cost a round trip per message)."""
    autocommit = db.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    return nullcontext() if autocommit else db.begin()
