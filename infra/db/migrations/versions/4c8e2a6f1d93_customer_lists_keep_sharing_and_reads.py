"""customer lists keep their sharing and the roles reading them takes

Revision ID: 4c8e2a6f1d93
Revises: a4c9e2f7b813
Create Date: 2026-12-02 09:30:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "4c8e2a6f1d93"
down_revision = "a4c9e2f7b813"
branch_labels = None
depends_on = None

# What reading a segment's members takes (domain/segments/access.py as of this revision),
# written out here so that the migration keeps meaning what it meant when the code moves on.
_FUNDRAISING = ("opportunity", "invitation")


def _reads(node: Any, found: set[str]) -> None:
    if isinstance(node, list):
        for part in node:
            _reads(part, found)
        return
    ((name, body),) = node.items()
    if name in ("all", "any", "not"):
        _reads(body, found)
    elif name in _FUNDRAISING or (name == "status" and body.get("status") == "INACTIVE"):
        found.add("OPPORTUNITIES")
    elif name == "attribute" and body.get("protected"):
        found.add("PROTECTED_DATA")


def upgrade() -> None:
    # Added, not altered: SQLite would copy the table, and dropping the old copy would
    # cascade to the lists' members.
    op.add_column(
        "customer_list",
        sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "customer_list",
        sa.Column("reads", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.create_index("ix_customer_list_listing", "customer_list", ["tenant_id", "id"])
    db = op.get_bind()
    lists = sa.table(
        "customer_list",
        sa.column("id", sa.BigInteger),
        sa.column("segment_id", sa.BigInteger),
        sa.column("shared", sa.Boolean),
        sa.column("reads", sa.JSON),
    )
    segments = sa.table(
        "segment",
        sa.column("id", sa.BigInteger),
        sa.column("shared", sa.Boolean),
        sa.column("criteria", sa.JSON),
    )
    rows = db.execute(
        sa.select(lists.c.id, segments.c.shared, segments.c.criteria).join(
            segments, segments.c.id == lists.c.segment_id
        )
    ).all()
    for list_id, shared, criteria in rows:
        found = {"INSIGHTS"}
        _reads(criteria, found)
        db.execute(
            sa.update(lists).where(lists.c.id == list_id).values(shared=shared, reads=sorted(found))
        )


def downgrade() -> None:
    # Dropped in place (SQLite 3.35 and later can), for the reason columns were added.
    op.drop_index("ix_customer_list_listing", table_name="customer_list")
    op.drop_column("customer_list", "reads")
    op.drop_column("customer_list", "shared")
