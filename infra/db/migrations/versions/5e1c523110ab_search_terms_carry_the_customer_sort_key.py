"""search terms carry the customer sort key

Revision ID: 5e1c523110ab
Revises: bccf6c010241
Create Date: 2026-11-24 13:45:41.960728
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5e1c523110ab"
down_revision = "bccf6c010241"
branch_labels = None
depends_on = None

TERM = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")


def upgrade() -> None:
    # Added empty, copied from each term's customer, then required: existing rows have no
    # value until the copy.
    with op.batch_alter_table("customer_search_term", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_key", TERM, nullable=True))
    op.execute(
        "UPDATE customer_search_term SET sort_key = (SELECT customer.sort_key FROM customer"
        " WHERE customer.id = customer_search_term.customer_id)"
    )
    with op.batch_alter_table("customer_search_term", schema=None) as batch_op:
        batch_op.alter_column("sort_key", existing_type=TERM, nullable=False)
        batch_op.create_index(
            "ix_customer_search_term_listing",
            ["tenant_id", "term", "sort_key", "customer_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_search_term", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_search_term_listing")
        batch_op.drop_column("sort_key")
