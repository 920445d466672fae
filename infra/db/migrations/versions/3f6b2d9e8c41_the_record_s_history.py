"""the record's history: record_change, and the fact each timeline entry words

Revision ID: 3f6b2d9e8c41
Revises: 9a4c1e2d7b35
Create Date: 2026-12-01 22:40:00.000000

Each order's entries written before the history began name one `OrderRecorded` fact (its
order's rows keep the rest); every other entry becomes a `WrittenBeforeHistory` fact
holding the entry as written: no row keeps more of what those entries describe (names
before a change, the fields changed, stage from and to, note text), so the entry is the
whole fact, and a rebuild gives it back exactly. Entries without `recorded_at` were recorded as they
happened (infra/db/tables.py): it is filled in with `occurred_at`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import infra.db.moment

revision = "3f6b2d9e8c41"
down_revision = "9a4c1e2d7b35"
branch_labels = None
depends_on = None

# Entries derived from the orders' own rows.
ORDER_TYPES = (
    "TICKETS",
    "MERCHANDISE",
    "DONATION",
    "MEMBERSHIP",
    "TICKET_SUBSCRIPTION",
    "FIXED_SERIES",
)
CHUNK = 5000


def upgrade() -> None:
    op.create_table(
        "record_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("recorded_at", infra.db.moment.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_record_change_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_change")),
    )
    with op.batch_alter_table("record_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_change_tenant"), ["tenant_id", "id"], unique=False
        )
    # Added in place, not by copying the table (SQLite's batch mode, which a foreign key
    # would need): entries already there are kept as they are.
    op.add_column(
        "timeline_entry",
        sa.Column("change_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    )
    op.create_index(op.f("ix_timeline_entry_change"), "timeline_entry", ["change_id"])
    _backfill(op.get_bind())


def _backfill(db: sa.Connection) -> None:
    moment = infra.db.moment.UtcDateTime(timezone=True)
    entry = sa.table(
        "timeline_entry",
        sa.column("id", sa.BigInteger()),
        sa.column("tenant_id", sa.BigInteger()),
        sa.column("customer_id", sa.BigInteger()),
        sa.column("type", sa.String()),
        sa.column("summary", sa.Text()),
        sa.column("details", sa.JSON()),
        sa.column("actor", sa.String()),
        sa.column("occurred_at", moment),
        sa.column("recorded_at", moment),
        sa.column("subject_type", sa.String()),
        sa.column("subject_id", sa.BigInteger()),
        sa.column("opportunity_id", sa.BigInteger()),
        sa.column("change_id", sa.BigInteger()),
    )
    change = sa.table(
        "record_change",
        sa.column("id", sa.BigInteger()),
        sa.column("tenant_id", sa.BigInteger()),
        sa.column("kind", sa.String()),
        sa.column("facts", sa.JSON()),
        sa.column("actor", sa.String()),
        sa.column("recorded_at", moment),
    )
    e = entry.c
    db.execute(sa.update(entry).where(e.recorded_at.is_(None)).values(recorded_at=e.occurred_at))
    of_order: dict[int, int] = {}  # order id -> its OrderRecorded fact
    after = 0
    while True:
        rows = db.execute(sa.select(entry).where(e.id > after).order_by(e.id).limit(CHUNK)).all()
        if not rows:
            return
        changes, named = [], []
        first = _reserve_ids(db, len(rows))
        for n, row in enumerate(rows):
            if row.type in ORDER_TYPES and row.subject_type == "Order":
                if row.subject_id not in of_order:
                    of_order[row.subject_id] = first + n
                    changes.append(
                        _change(first + n, row, "OrderRecorded", {"order_id": row.subject_id})
                    )
                named.append({"entry_id": row.id, "change_id": of_order[row.subject_id]})
                continue
            changes.append(
                _change(first + n, row, "WrittenBeforeHistory", {"entry": _entry_facts(row)})
            )
            named.append({"entry_id": row.id, "change_id": first + n})
        db.execute(sa.insert(change), changes)
        db.execute(sa.update(entry).where(e.id == sa.bindparam("entry_id")), named)
        after = rows[-1].id


def _change(id: int, row: Any, kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": id,
        "tenant_id": row.tenant_id,
        "kind": kind,
        "facts": facts,
        "actor": row.actor,
        "recorded_at": row.recorded_at,
    }


def _entry_facts(row: Any) -> dict[str, Any]:
    """The entry as domain.history keeps a TimelineEntry."""
    subject = (
        {"type": row.subject_type, "id": row.subject_id} if row.subject_type is not None else None
    )
    return {
        "customer_id": row.customer_id,
        "type": row.type,
        "summary": row.summary,
        "details": row.details,
        "occurred_at": row.occurred_at.isoformat(),
        "subject": subject,
        "opportunity_id": row.opportunity_id,
    }


def _reserve_ids(db: sa.Connection, count: int) -> int:
    if db.dialect.name == "postgresql":
        sequence = "pg_get_serial_sequence('record_change', 'id')"
        first = db.execute(sa.text(f"SELECT nextval({sequence})")).scalar_one()
        db.execute(sa.text(f"SELECT setval({sequence}, :last)"), {"last": first + count})
        return int(first)
    return int(
        db.execute(sa.text("SELECT coalesce(max(id), 0) + 1 FROM record_change")).scalar_one()
    )


def downgrade() -> None:
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_entry_change"))
        batch_op.drop_column("change_id")
    with op.batch_alter_table("record_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_change_tenant"))
    op.drop_table("record_change")
