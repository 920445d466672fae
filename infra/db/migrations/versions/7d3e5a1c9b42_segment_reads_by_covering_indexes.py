"""segment criteria read kept items and order owners from indexes alone

Revision ID: 7d3e5a1c9b42
Revises: 3f8b2d6c4e19
Create Date: 2026-12-02 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7d3e5a1c9b42"
down_revision = "3f8b2d6c4e19"
branch_labels = None
depends_on = None

KEPT = sa.text("returned_at IS NULL")


def upgrade() -> None:
    # Only kept items count towards a segment's criteria: each index holds those alone, with
    # what a criterion reads, so neither the items' rows nor the orders' are visited.
    with op.batch_alter_table("order_item", schema=None) as batch_op:
        batch_op.drop_index("ix_order_item_kind")
        batch_op.drop_index("ix_order_item_instance")
        # A customer's spend (a breakdown's monetary band) sums their orders' items.
        batch_op.drop_index("ix_order_item_order_id")
        batch_op.create_index(
            "ix_order_item_order_id",
            ["order_id"],
            unique=False,
            postgresql_include=["price", "returned_at"],
        )
        batch_op.create_index(
            "ix_order_item_kept_kind",
            ["tenant_id", "kind", "order_id"],
            unique=False,
            postgresql_include=["price"],
            postgresql_where=KEPT,
            sqlite_where=KEPT,
        )
        batch_op.create_index(
            "ix_order_item_kept_instance",
            ["tenant_id", "instance_id", "kind", "order_id"],
            unique=False,
            postgresql_include=["price"],
            postgresql_where=KEPT,
            sqlite_where=KEPT,
        )
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_order_by_id",
            ["tenant_id", "id"],
            unique=False,
            postgresql_include=["owner_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_order_by_id")
    with op.batch_alter_table("order_item", schema=None) as batch_op:
        batch_op.drop_index("ix_order_item_kept_instance")
        batch_op.drop_index("ix_order_item_kept_kind")
        batch_op.drop_index("ix_order_item_order_id")
        batch_op.create_index("ix_order_item_order_id", ["order_id"], unique=False)
        batch_op.create_index(
            "ix_order_item_kind", ["tenant_id", "kind", "order_id", "price"], unique=False
        )
        batch_op.create_index("ix_order_item_instance", ["instance_id", "order_id"], unique=False)
