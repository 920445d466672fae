"""idempotency keys

Revision ID: 7a1d5e0c9f42
Revises: c0b00bc4b4bd
Create Date: 2026-12-01 19:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import infra.db.moment

revision = "7a1d5e0c9f42"
down_revision = "0b0218ff8792"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", infra.db.moment.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_idempotency_key_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_idempotency_key_tenant_id_key")),
    )
    op.create_index(
        "ix_idempotency_key_tenant_id_created_at",
        "idempotency_key",
        ["tenant_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_idempotency_key_tenant_id_created_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")
