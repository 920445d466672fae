"""The tables of fundraising. Amounts are integer minor units; every row carries
`tenant_id`. Received, Pledged and Reserved are not stored anywhere: they are read."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from infra.db.tables import Id, Moment, id_column, metadata, tenant_column

campaign = Table(
    "campaign",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("parent_id", Id, ForeignKey("campaign.id"), index=True),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("target", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
)

opportunity_stage = Table(
    "opportunity_stage",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(80), nullable=False),
    Column("position", Integer, nullable=False),
    Column("retired", Boolean, nullable=False),
    UniqueConstraint("tenant_id", "name"),
)

opportunity = Table(
    "opportunity",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("campaign_id", Id, ForeignKey("campaign.id"), nullable=False, index=True),
    Column("owner_id", Id, ForeignKey("staff_user.id"), nullable=False),
    Column("stage_id", Id, ForeignKey("opportunity_stage.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("target", BigInteger, nullable=False),
    Column("asked", BigInteger, nullable=False),
    Column("open", Boolean, nullable=False),
    Index("ix_opportunity_dashboard", "tenant_id", "open", "id"),
    Index("ix_opportunity_owner", "tenant_id", "owner_id", "id"),
)

opportunity_stage_change = Table(
    "opportunity_stage_change",
    metadata,
    id_column(),
    tenant_column(),
    Column("opportunity_id", Id, ForeignKey("opportunity.id"), nullable=False, index=True),
    Column("from_stage_id", Id, ForeignKey("opportunity_stage.id"), nullable=False),
    Column("to_stage_id", Id, ForeignKey("opportunity_stage.id"), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("occurred_at", Moment, nullable=False),
)

pledge = Table(
    "pledge",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),
    Column("fund_id", Id, ForeignKey("fund.id"), nullable=False),
    Column("campaign_id", Id, ForeignKey("campaign.id")),
    Column("opportunity_id", Id, ForeignKey("opportunity.id"), index=True),
    Column("cancelled", Boolean, nullable=False),
    Column("created_at", Moment, nullable=False),
)

instalment = Table(
    "instalment",
    metadata,
    id_column(),
    tenant_column(),
    Column("pledge_id", Id, ForeignKey("pledge.id"), nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Index("ix_instalment_due", "cancelled", "due_on"),
)

instalment_payment = Table(
    "instalment_payment",
    metadata,
    id_column(),
    tenant_column(),
    Column("instalment_id", Id, ForeignKey("instalment.id"), nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),
    Column("order_item_id", Id, ForeignKey("order_item.id"), nullable=False),
    Column("paid_at", Moment, nullable=False),
)

legacy = Table(
    "legacy",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("expected", BigInteger, nullable=False),
    Column("campaign_id", Id, ForeignKey("campaign.id")),
    Column("stage_id", Id, ForeignKey("opportunity_stage.id")),
)

legacy_receipt = Table(
    "legacy_receipt",
    metadata,
    id_column(),
    tenant_column(),
    Column("legacy_id", Id, ForeignKey("legacy.id"), nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),
    Column("order_item_id", Id, ForeignKey("order_item.id"), nullable=False),
    Column("received_at", Moment, nullable=False),
)

activity = Table(
    "activity",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("type", String(20), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("owner_id", Id, ForeignKey("staff_user.id"), nullable=False),
    Column("done", Boolean, nullable=False),
    Column("opportunity_id", Id, ForeignKey("opportunity.id")),
    Index("ix_activity_owner_open", "tenant_id", "owner_id", "done", "due_on"),
)

invitation = Table(
    "invitation",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("instance_id", Id, ForeignKey("event_instance.id"), nullable=False),
    Column("on_behalf_of_id", Id, ForeignKey("customer.id")),
    Column("reply", String(20), nullable=False),
    Column("guest_count", Integer, nullable=False),
    Column("attended", Boolean),
    UniqueConstraint("customer_id", "instance_id"),
)

invitation_guest = Table(
    "invitation_guest",
    metadata,
    id_column(),
    tenant_column(),
    Column("invitation_id", Id, ForeignKey("invitation.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("customer_id", Id, ForeignKey("customer.id")),
    Column("name", String(200)),
)

reminder_settings = Table(
    "reminder_settings",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), primary_key=True),
    Column("first_days_before", Integer, nullable=False),
    Column("every_days", Integer, nullable=False),
    Column("max_reminders", Integer, nullable=False),
    Column("transactional", Boolean, nullable=False),
    Column("template_subject", Text),
    Column("template_body", Text),
)

pledge_reminder = Table(
    "pledge_reminder",
    metadata,
    id_column(),
    tenant_column(),
    Column("instalment_id", Id, ForeignKey("instalment.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("sent_at", Moment),
    Column("outcome", String(200)),
    # Why a FAILED reminder was not sent, in words for a person.
    Column("failure_reason", Text),
    # The daily run that queued it; null for one sent on demand.
    Column("job_id", Id, ForeignKey("job.id")),
    # Who may send it until when: a row still without an outcome after its lease is queued
    # again by the sweeper, and `attempts` bounds how often.
    Column("lease_expires_at", Moment),
    Column("lease_holder", String(100)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Written before the hand-off to the mailer: the same reminder can never go twice.
    UniqueConstraint("instalment_id", "number"),
    Index("ix_pledge_reminder_job", "job_id", "outcome"),
)

reminder_run = Table(
    "reminder_run",
    metadata,
    id_column(),
    tenant_column(),
    Column("run_on", Date, nullable=False),
    Column("job_id", Id, ForeignKey("job.id"), nullable=False),
    # One run per organisation and day, however many schedulers are running.
    UniqueConstraint("tenant_id", "run_on"),
)
