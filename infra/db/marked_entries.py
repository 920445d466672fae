"""Marking a row done together with the fact and the timeline entry it earns, as one
statement.

A worker that sends mail marks each message as it goes, keeps the sending in the record's
history (domain.history) and puts it on the recipient's timeline: on PostgreSQL the UPDATE
and the two INSERTs are one statement (the update in a CTE the inserts select from), so
atomic on its own and one round trip on an autocommit connection; on SQLite they are three
statements in one transaction. Used by pledge reminders and mailings.

The statement is compiled once and run on the driver (infra/db/driver_reads.py): through
SQLAlchemy's execution it cost as much CPU again as psycopg's own work, per message.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Update, bindparam, insert, select

from domain.events import Fact
from infra.db import tables as t
from infra.db.driver_reads import driver_execute
from infra.db.unit_of_work import change_row, entry_row

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
CHANGE_COLUMNS = ("tenant_id", "kind", "facts", "actor", "recorded_at")


def _parameters(table: Any, prefix: str, columns: tuple[str, ...]) -> list[Any]:
    # Named apart from the columns: a parameter named like a column of the updated table
    # would join the UPDATE's SET clause.
    return [bindparam(f"{prefix}_{c}", type_=table.c[c].type) for c in columns]


def mark_and_note(mark: Update, marked: Column[Any]) -> Any:
    """The statement that runs `mark` and, for the row it marked (none: nothing more),
    inserts the fact given as parameters `change_<column>` and its timeline entry given as
    `entry_<column>`. Build it once: building costs more than running it."""
    changed = (
        insert(t.record_change)
        .from_select(
            CHANGE_COLUMNS,
            select(*_parameters(t.record_change, "change", CHANGE_COLUMNS)).select_from(
                mark.returning(marked).cte("marked")
            ),
        )
        .returning(t.record_change.c.id)
        .cte("changed")
    )
    return insert(t.timeline_entry).from_select(
        (*ENTRY_COLUMNS, "change_id"),
        select(*_parameters(t.timeline_entry, "entry", ENTRY_COLUMNS), changed.c.id).select_from(
            changed
        ),
    )


def record_with_fact(
    db: Connection,
    mark: Update,
    marked_and_noted: Any,
    parameters: dict[str, Any],
    done: tuple[int, Fact, str, datetime] | None,
) -> None:
    """Run `mark` with `parameters`; with `done` (organisation, fact, actor, when), keep
    the fact in the history and write its one timeline entry with the mark."""
    if done is None:
        with transaction(db):
            db.execute(mark, parameters)
        return
    tenant_id, fact, actor, now = done
    change = change_row(tenant_id, fact, actor, now)
    [timeline_entry] = fact.timeline_entries()
    entry = entry_row(tenant_id, timeline_entry, actor, now)
    if db.dialect.name == "postgresql":
        driver_execute(
            db,
            marked_and_noted,
            {
                **parameters,
                **{f"change_{k}": change[k] for k in CHANGE_COLUMNS},
                **{f"entry_{k}": entry[k] for k in ENTRY_COLUMNS},
            },
        )
        return
    with transaction(db):
        if db.execute(mark, parameters).rowcount:
            entry["change_id"] = db.scalar(
                insert(t.record_change).values(change).returning(t.record_change.c.id)
            )
            db.execute(insert(t.timeline_entry), entry)


def transaction(db: Connection) -> Any:
    """A transaction, unless the connection commits each statement itself (read from its
    options: asking the database would cost a round trip per message)."""
    autocommit = db.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    return nullcontext() if autocommit else db.begin()
