"""the ledger's preference index holds what a sharing export reads of each entry

Revision ID: a4c9e2f7b813
Revises: 7d3e5a1c9b42
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "a4c9e2f7b813"
down_revision = "7d3e5a1c9b42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A partner export joins every customer granting one preference: with the entry's id,
    # state, moment and wording in the index, that is one ordered index-only range (merged
    # with the buyers by customer), not a visit of the ledger's rows per buyer.
    with op.batch_alter_table("consent_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_entry_preference")
        batch_op.create_index(
            "ix_consent_entry_preference",
            ["tenant_id", "preference_id", "customer_id", "id"],
            unique=False,
            postgresql_include=["state", "recorded_at", "wording_version"],
        )


def downgrade() -> None:
    with op.batch_alter_table("consent_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_entry_preference")
        batch_op.create_index(
            "ix_consent_entry_preference",
            ["tenant_id", "preference_id", "customer_id"],
            unique=False,
        )
