"""mailings, their runs and deliveries, and each organisation's mail pace

Revision ID: 6b2f9d4e1a57
Revises: 5e6d7a8b9c01
Create Date: 2026-12-01 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import infra.db.moment

revision = "6b2f9d4e1a57"
down_revision = "5e6d7a8b9c01"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _moment() -> infra.db.moment.UtcDateTime:
    return infra.db.moment.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mailing",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", _id(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("preference_id", _id(), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
        sa.Column("updated_at", _moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["preference_id"],
            ["contact_preference.id"],
            name=op.f("fk_mailing_preference_id_contact_preference"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_mailing_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailing")),
    )
    op.create_index("ix_mailing_tenant", "mailing", ["tenant_id", "id"], unique=False)
    op.create_table(
        "mailing_run",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", _id(), nullable=False),
        sa.Column("mailing_id", _id(), nullable=False),
        sa.Column("job_id", _id(), nullable=False),
        sa.Column("segment_id", _id(), nullable=True),
        sa.Column("list_id", _id(), nullable=True),
        sa.Column("send_at", _moment(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_at", _moment(), nullable=True),
        sa.Column("requested_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
        sa.Column("finished_at", _moment(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_mailing_run_job_id_job")),
        sa.ForeignKeyConstraint(
            ["mailing_id"], ["mailing.id"], name=op.f("fk_mailing_run_mailing_id_mailing")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_mailing_run_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailing_run")),
        sa.UniqueConstraint("job_id", name=op.f("uq_mailing_run_job_id")),
    )
    op.create_index(
        "ix_mailing_run_mailing", "mailing_run", ["tenant_id", "mailing_id", "id"], unique=False
    )
    op.create_index("ix_mailing_run_due", "mailing_run", ["status", "send_at"], unique=False)
    op.create_table(
        "mailing_delivery",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", _id(), nullable=False),
        sa.Column("run_id", _id(), nullable=False),
        sa.Column("mailing_id", _id(), nullable=False),
        sa.Column("customer_id", _id(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("created_at", _moment(), nullable=False),
        sa.Column("sent_at", _moment(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("lease_expires_at", _moment(), nullable=True),
        sa.Column("lease_holder", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_mailing_delivery_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["mailing_id"], ["mailing.id"], name=op.f("fk_mailing_delivery_mailing_id_mailing")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["mailing_run.id"], name=op.f("fk_mailing_delivery_run_id_mailing_run")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_mailing_delivery_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailing_delivery")),
        sa.UniqueConstraint(
            "run_id", "customer_id", name=op.f("uq_mailing_delivery_run_id_customer_id")
        ),
    )
    op.create_index(
        "ix_mailing_delivery_run", "mailing_delivery", ["run_id", "status", "id"], unique=False
    )
    op.create_index(
        "ix_mailing_delivery_mailing",
        "mailing_delivery",
        ["tenant_id", "mailing_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_mailing_delivery_customer",
        "mailing_delivery",
        ["tenant_id", "customer_id", "mailing_id"],
        unique=False,
    )
    op.create_table(
        "mail_settings",
        sa.Column("tenant_id", _id(), nullable=False),
        sa.Column("messages_per_second", sa.Integer(), nullable=True),
        sa.Column("next_send_at", _moment(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_mail_settings_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_mail_settings")),
    )


def downgrade() -> None:
    op.drop_table("mail_settings")
    op.drop_index("ix_mailing_delivery_customer", table_name="mailing_delivery")
    op.drop_index("ix_mailing_delivery_mailing", table_name="mailing_delivery")
    op.drop_index("ix_mailing_delivery_run", table_name="mailing_delivery")
    op.drop_table("mailing_delivery")
    op.drop_index("ix_mailing_run_due", table_name="mailing_run")
    op.drop_index("ix_mailing_run_mailing", table_name="mailing_run")
    op.drop_table("mailing_run")
    op.drop_index("ix_mailing_tenant", table_name="mailing")
    op.drop_table("mailing")
