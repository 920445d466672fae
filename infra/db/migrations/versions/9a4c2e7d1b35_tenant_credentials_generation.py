"""tenant credentials generation

Revision ID: 9a4c2e7d1b35
Revises: c0b00bc4b4bd
Create Date: 2026-12-01 19:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9a4c2e7d1b35"
down_revision = "1c17f86836e3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tenant",
        sa.Column("credentials_generation", sa.BigInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("credentials_generation")
