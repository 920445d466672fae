"""The tables. Every row carries `tenant_id`: the organisation it belongs to.

Ids are 64-bit integers on PostgreSQL and SQLite's rowid on SQLite.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from infra.db.moment import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer, "sqlite")
# Search terms compare byte-wise so that a prefix is one contiguous index range on PostgreSQL
# whatever the database's locale; SQLite's default comparison is already byte-wise.
Term = String(200).with_variant(String(200, collation="C"), "postgresql")
Moment = UtcDateTime()


def id_column() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def tenant_column() -> Column[int]:
    return Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False)


tenant = Table(
    "tenant",
    metadata,
    id_column(),
    Column("slug", String(60), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("next_customer_number", BigInteger, nullable=False),
    Column("created_at", Moment, nullable=False),
    # One more each time a key or session of the organisation is revoked: an API process
    # that remembers callers checks it with every request (infra/auth/caller_cache.py).
    Column("credentials_generation", BigInteger, nullable=False, server_default="0"),
    # GENERAL or PER_PARTNER (domain/consent/preferences.py).
    Column("partner_mode", String(20), nullable=False, server_default="GENERAL"),
)

staff_user = Table(
    "staff_user",
    metadata,
    id_column(),
    tenant_column(),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("roles", String(300), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", Moment, nullable=False),
)

staff_session = Table(
    "staff_session",
    metadata,
    id_column(),
    tenant_column(),
    Column("user_id", Id, ForeignKey("staff_user.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Moment, nullable=False),
    Column("expires_at", Moment, nullable=False),
    Column("revoked_at", Moment),
)

api_key = Table(
    "api_key",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("roles", String(300), nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("revoked_at", Moment),
)

customer = Table(
    "customer",
    metadata,
    id_column(),
    tenant_column(),
    Column("kind", String(20), nullable=False),
    Column("reference", String(20), nullable=False),
    Column("title", String(40)),
    Column("first_name", String(200)),
    Column("last_name", String(200)),
    Column("name", String(200)),
    Column("date_of_death", Date),
    Column("active", Boolean, nullable=False),
    Column("sort_key", Term, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    UniqueConstraint("tenant_id", "reference"),
    Index("ix_customer_listing", "tenant_id", "sort_key", "id"),
    Index("ix_customer_active_listing", "tenant_id", "active", "sort_key", "id"),
)


def _customer_part(name: str, *columns: Column[object]) -> Table:
    """A table of a customer's details, deleted with its customer and read by customer."""
    return Table(
        name,
        metadata,
        id_column(),
        tenant_column(),
        Column(
            "customer_id",
            Id,
            ForeignKey("customer.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("position", Integer, nullable=False),
        *columns,
    )


customer_email = _customer_part(
    "customer_email", Column("address", String(254), nullable=False), Column("label", String(200))
)
customer_phone = _customer_part(
    "customer_phone", Column("number", String(40), nullable=False), Column("label", String(200))
)
customer_address = _customer_part(
    "customer_address",
    Column("line1", String(200), nullable=False),
    Column("line2", String(200)),
    Column("city", String(200)),
    Column("region", String(200)),
    Column("postcode", String(20)),
    Column("country", String(200)),
    Column("is_primary", Boolean, nullable=False),
)
customer_tag = _customer_part("customer_tag", Column("tag", String(60), nullable=False))
customer_attribute = _customer_part(
    "customer_attribute",
    Column("key", String(60), nullable=False),
    Column("value", Text, nullable=False),
    Column("protected", Boolean, nullable=False),
)

customer_search_term = Table(
    "customer_search_term",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), primary_key=True),
    Column("term", Term, primary_key=True),
    Column("customer_id", Id, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True),
    # The customer's sort key, copied onto each of its terms: a search page is then the
    # first rows of one index range sorted by this, without reading the customer row of
    # every match (tens of thousands for a common name at a million customers).
    Column("sort_key", Term, nullable=False),
    Index("ix_customer_search_term_listing", "tenant_id", "term", "sort_key", "customer_id"),
    # One customer's terms, to check a word longer than the stored prefixes.
    Index("ix_customer_search_term_customer_term", "customer_id", "term"),
)

relationship_type = Table(
    "relationship_type",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(80), nullable=False),
    Column("acts_on_behalf", Boolean, nullable=False),
    UniqueConstraint("tenant_id", "name"),
)

relationship = Table(
    "relationship",
    metadata,
    id_column(),
    tenant_column(),
    Column("type_id", Id, ForeignKey("relationship_type.id"), nullable=False),
    Column("from_customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("to_customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("ended", Boolean, nullable=False),
)

household = Table(
    "household",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("primary_householder_id", Id, ForeignKey("customer.id"), nullable=False),
)

household_member = Table(
    "household_member",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    Column(
        "household_id",
        Id,
        ForeignKey("household.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The primary key is the rule that an Individual is in at most one household.
    Column("customer_id", Id, ForeignKey("customer.id"), primary_key=True),
)

timeline_entry = Table(
    "timeline_entry",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("summary", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("actor", String(300), nullable=False),
    # When it happened; `recorded_at` is when Foyer wrote it (later for an order synced
    # late). Entries from before the column have none: they were recorded as they happened.
    Column("occurred_at", Moment, nullable=False),
    Column("recorded_at", Moment),
    # What the entry is about (domain.timeline.Subject) and the opportunity it counts
    # towards; null on an entry about nothing further than its text.
    Column("subject_type", String(40)),
    Column("subject_id", Id),
    Column("opportunity_id", Id),
    # The fact of the record's history the entry words (record_change.id; like the subject,
    # not a foreign key: added to a table SQLite could only copy to give it one).
    Column("change_id", Id),
    Index("ix_timeline_entry_customer", "tenant_id", "customer_id", "occurred_at", "id"),
    Index(
        "ix_timeline_entry_opportunity",
        "tenant_id",
        "customer_id",
        "opportunity_id",
        "occurred_at",
        "id",
    ),
    Index("ix_timeline_entry_subject", "tenant_id", "subject_type", "subject_id"),
    Index("ix_timeline_entry_change", "change_id"),
)

# The record's history (domain.history): every fact as it happened, appended in the same
# transaction as the change and never changed after, except by an erasure taking a person's
# words out of it. The timeline is derived from it (and from orders' own rows).
record_change = Table(
    "record_change",
    metadata,
    id_column(),
    tenant_column(),
    # The fact's kind (its class in the domain) and what it holds, as JSON.
    Column("kind", String(60), nullable=False),
    Column("facts", JSON, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("recorded_at", Moment, nullable=False),
    Index("ix_record_change_tenant", "tenant_id", "id"),
)

outbox_message = Table(
    "outbox_message",
    metadata,
    id_column(),
    tenant_column(),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("task", String(100), nullable=False),
    # True: a notice for integrations published on the events exchange, `task` its topic.
    Column("event", Boolean, nullable=False, server_default=false()),
    Column("arguments", JSON, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("sent_at", Moment),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Index("ix_outbox_message_pending", "sent_at", "id"),
)

pop_up_note = Table(
    "pop_up_note",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False),
    Column("colour", String(10), nullable=False),
    Column("text", Text, nullable=False),
    Column("pinned", Boolean, nullable=False),
    Column("expires_on", Date),
    # Who wrote it: the label to show, and the identity that may change it later.
    Column("author", String(300), nullable=False),
    Column("author_kind", String(20), nullable=False),
    Column("author_id", Id),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index("ix_pop_up_note_customer", "tenant_id", "customer_id"),
)

job = Table(
    "job",
    metadata,
    id_column(),
    tenant_column(),
    Column("kind", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("progress", Integer, nullable=False),
    Column("total", Integer),
    Column("requested_by", String(300), nullable=False),
    # Who asked, by identity (the label above is for people): USER or API_KEY and its id.
    Column("requested_by_kind", String(20)),
    Column("requested_by_id", Id),
    # The roles a caller holds to read the job and its file, e.g. ["INSIGHTS"].
    Column("required_roles", JSON),
    # The file's address: random, so that no one reaches a file by counting ids.
    Column("download_token", String(64)),
    Column("error", Text),
    Column("result_file", String(500)),
    # What a finished job counted, e.g. {"queued": 120, "skippedNoEmail": 3}.
    Column("summary", JSON),
    Column("attempts", Integer, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("started_at", Moment),
    Column("finished_at", Moment),
    # The lease of the delivery running the job: renewed as it goes, so a sweeper can tell
    # a job whose worker vanished (lease expired) from one still at work.
    Column("lease_expires_at", Moment),
    Column("lease_holder", String(100)),
    Column("leased_by", String(200)),
    Index("ix_job_download_token", "download_token", unique=True),
)


def all_tables() -> MetaData:
    """The metadata with every area's tables registered (migrations and tests need all)."""
    import infra.db.consent_tables
    import infra.db.figures_tables
    import infra.db.fundraising_tables
    import infra.db.insights_tables
    import infra.db.login_tables
    import infra.db.mailing_tables
    import infra.db.request_tables
    import infra.db.sales_tables  # noqa: F401

    return metadata
