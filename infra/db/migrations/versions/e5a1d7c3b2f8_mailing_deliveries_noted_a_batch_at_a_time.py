"""a sent mailing delivery keeps its subject, and whether its history is still to write

Revision ID: e5a1d7c3b2f8
Revises: b7e4c2a9d615
Create Date: 2026-12-04 19:00:00.000000

A mailing's worker marks each delivery SENT in its own statement as the mail server accepts
it (what keeps a killed worker from sending twice), and writes the sendings' facts and
timeline entries a batch at a time: `notes_due` says which sent deliveries are still
without theirs, and `subject` keeps the subject the recipient got, to word them. Deliveries
sent before this revision have theirs already: false.
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
        table.add_column(
            sa.Column("notes_due", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    due = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM mailing_delivery WHERE notes_due"))
        .scalar()
    )
    if due:
        # Dropping the column would lose those sendings' history and timeline entries.
        raise RuntimeError(
            f"{due} sent mailing deliveries still await their timeline entries: let the "
            "workers finish their runs, then downgrade."
        )
    with op.batch_alter_table("mailing_delivery") as table:
        table.drop_column("notes_due")
        table.drop_column("subject")
