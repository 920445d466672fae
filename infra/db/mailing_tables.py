"""The tables of mailings: what staff wrote, each run of it to an audience, and one delivery
row per run and recipient, written before anything is handed to the mail server.

The unique key (run, customer) is what makes a mailing go to each recipient once: a worker
killed mid-run and a batch delivered twice find the row there, marked SENT or not.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from infra.db.tables import Id, Moment, id_column, metadata, tenant_column

mailing = Table(
    "mailing",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("subject", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    # Written by staff; null: derived from the rendered HTML for each recipient.
    Column("text_body", Text),
    Column("preference_id", Id, ForeignKey("contact_preference.id"), nullable=False),
    Column("created_by", String(300), nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index("ix_mailing_tenant", "tenant_id", "id"),
)

mailing_run = Table(
    "mailing_run",
    metadata,
    id_column(),
    tenant_column(),
    Column("mailing_id", Id, ForeignKey("mailing.id"), nullable=False),
    Column("job_id", Id, ForeignKey("job.id"), nullable=False, unique=True),
    # The audience: exactly one of a segment (resolved when the run starts) or a list.
    Column("segment_id", Id),
    Column("list_id", Id),
    Column("send_at", Moment, nullable=False),
    # SCHEDULED, SENDING, SENT or CANCELLED (domain/mailings/runs.py).
    Column("status", String(20), nullable=False),
    # When the recipients were resolved into delivery rows; null until then.
    Column("resolved_at", Moment),
    Column("requested_by", String(300), nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("finished_at", Moment),
    Column("cancelled_by", String(300)),
    Index("ix_mailing_run_mailing", "tenant_id", "mailing_id", "id"),
    Index("ix_mailing_run_due", "status", "send_at"),
)

mailing_delivery = Table(
    "mailing_delivery",
    metadata,
    id_column(),
    tenant_column(),
    Column("run_id", Id, ForeignKey("mailing_run.id"), nullable=False),
    Column("mailing_id", Id, ForeignKey("mailing.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False),
    # QUEUED, SENT, FAILED, CANCELLED or SKIPPED_… (domain/mailings/runs.py).
    Column("status", String(30), nullable=False),
    Column("address", String(254)),
    Column("created_at", Moment, nullable=False),
    Column("sent_at", Moment),
    Column("failure_reason", Text),
    # The delivery of a batch message sending it, until when (a batch's lease).
    Column("lease_expires_at", Moment),
    Column("lease_holder", String(100)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # The subject its recipient got (written for them), once sent.
    Column("subject", Text),
    UniqueConstraint("run_id", "customer_id"),
    Index("ix_mailing_delivery_run", "run_id", "status", "id"),
    Index("ix_mailing_delivery_mailing", "tenant_id", "mailing_id", "id"),
    Index("ix_mailing_delivery_customer", "tenant_id", "customer_id", "mailing_id"),
)

# Per organisation: how fast its mailings may go, and when the next message may start
# (reserved a batch at a time by every worker sending for it, so two workers share one pace).
mail_settings = Table(
    "mail_settings",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), primary_key=True),
    Column("messages_per_second", Integer),
    Column("next_send_at", Moment),
)
