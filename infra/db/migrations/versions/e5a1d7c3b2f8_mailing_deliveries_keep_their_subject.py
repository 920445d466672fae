"""a sent mailing delivery keeps the subject its recipient got

Revision ID: e5a1d7c3b2f8
Revises: b7e4c2a9d615
Create Date: 2026-12-04 19:00:00.000000

The subject is a template over the recipient's fields, so each recipient's differs; staff
see on `mailing.deliveries` what each one got. Deliveries sent before this revision have
none (their timeline entries keep it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e5a1d7c3b2f8"
down_revision = "b7e4c2a9d615"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mailing_delivery") as table:
        table.add_column(sa.Column("subject", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mailing_delivery") as table:
        table.drop_column("subject")
