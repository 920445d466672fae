"""The tables of consent: preferences with their wording versions, and the ledger.

The ledger (`consent_entry`) is append-only: the migration gives it a trigger, on PostgreSQL
and SQLite alike, that refuses every UPDATE and DELETE but one — erasure setting a row's
`customer_id` to NULL with every other column unchanged. The person's link is a column
rather than a separate mapping table so that reading a customer's current state is one index
range, and the trigger can check that single allowed change exactly.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from infra.db.tables import Id, Moment, id_column, metadata, tenant_column

contact_preference = Table(
    "contact_preference",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("marketing", Boolean, nullable=False),
    Column("partner_company_id", Id, ForeignKey("partner_company.id")),
    Column("ask_again_months", Integer),
    # The current wording: its version and words (every version is in the wording table).
    Column("version", Integer, nullable=False),
    Column("statement", Text, nullable=False),
    Column("retired", Boolean, nullable=False),
    Column("created_at", Moment, nullable=False),
    Index("ix_contact_preference_tenant", "tenant_id", "id"),
)

preference_wording = Table(
    "preference_wording",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    Column("preference_id", Id, ForeignKey("contact_preference.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("statement", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
)

consent_entry = Table(
    "consent_entry",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id")),
    Column("preference_id", Id, ForeignKey("contact_preference.id"), nullable=False),
    Column("state", String(20), nullable=False),
    Column("wording_version", Integer, nullable=False),
    Column("source", String(30), nullable=False),
    Column("recorded_by", String(300), nullable=False),
    Column("recorded_by_kind", String(20), nullable=False),
    Column("recorded_by_id", Id),
    Column("recorded_at", Moment, nullable=False),
    Column("order_id", Id, ForeignKey("customer_order.id")),
    Index("ix_consent_entry_customer", "tenant_id", "customer_id", "preference_id", "id"),
    # What a partner export reads of each entry, so its consenting customers are one
    # index-only range in customer order.
    Index(
        "ix_consent_entry_preference",
        "tenant_id",
        "preference_id",
        "customer_id",
        "id",
        postgresql_include=["state", "recorded_at", "wording_version"],
    ),
)

# Each customer's latest answer per preference: the ledger's entry of highest id, kept by a
# trigger on the ledger's INSERT (and on erasure's unlinking, the one UPDATE it allows) in the
# same statement (migration `b7e4c2a9d615`). It is not state stored beside the ledger: it is
# written only by the database, in the transaction that appends the entry, so it cannot say
# anything the ledger does not; criteria read "currently GRANTED" here instead of an
# anti-join over every entry.
consent_state = Table(
    "consent_state",
    metadata,
    Column("customer_id", Id, ForeignKey("customer.id"), primary_key=True),
    Column("preference_id", Id, ForeignKey("contact_preference.id"), primary_key=True),
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    Column("state", String(20), nullable=False),
    Column("entry_id", Id, ForeignKey("consent_entry.id"), nullable=False),
    Index("ix_consent_state_preference", "tenant_id", "preference_id", "state", "customer_id"),
)

# Every export for a partner company: who asked, when, for which purchases, and how many
# customers it held (once its job finished).
partner_export = Table(
    "partner_export",
    metadata,
    id_column(),
    tenant_column(),
    Column("job_id", Id, ForeignKey("job.id"), nullable=False, unique=True),
    Column("partner_company_id", Id, ForeignKey("partner_company.id"), nullable=False),
    Column("bought_from", Moment, nullable=False),
    Column("bought_before", Moment, nullable=False),
    Column("format", String(10), nullable=False),
    Column("requested_by", String(300), nullable=False),
    Column("requested_at", Moment, nullable=False),
    Column("preference_id", Id, ForeignKey("contact_preference.id")),
    Column("rows", Integer),
    Column("finished_at", Moment),
    Index("ix_partner_export_partner", "tenant_id", "partner_company_id", "id"),
)

# What happened to an export's file afterwards: a download link made, the file downloaded.
partner_export_event = Table(
    "partner_export_event",
    metadata,
    id_column(),
    tenant_column(),
    Column("export_id", Id, ForeignKey("partner_export.id"), nullable=False, index=True),
    Column("what", String(20), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("occurred_at", Moment, nullable=False),
    Column("expires_at", Moment),
)

# Who erased which customer, when and why; the customer row stays, anonymised.
customer_erasure = Table(
    "customer_erasure",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("customer.id"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("erased_by", String(300), nullable=False),
    Column("erased_at", Moment, nullable=False),
)

# One-way hashes of erased email addresses (domain/consent/erasure.py, `email_hash`).
email_suppression = Table(
    "email_suppression",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), primary_key=True),
    Column("address_hash", String(64), primary_key=True),
    Column("suppressed_at", Moment, nullable=False),
)
