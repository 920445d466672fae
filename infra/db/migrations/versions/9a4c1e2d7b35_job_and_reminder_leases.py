"""job and reminder leases

Revision ID: 9a4c1e2d7b35
Revises: c0b00bc4b4bd
Create Date: 2026-12-01 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import infra.db.moment

revision = "9a4c1e2d7b35"
down_revision = "7a1c5e93d2b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_expires_at", infra.db.moment.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("lease_holder", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("leased_by", sa.String(length=200), nullable=True))
    with op.batch_alter_table("pledge_reminder", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_expires_at", infra.db.moment.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("lease_holder", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("pledge_reminder", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("lease_holder")
        batch_op.drop_column("lease_expires_at")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("leased_by")
        batch_op.drop_column("lease_holder")
        batch_op.drop_column("lease_expires_at")
