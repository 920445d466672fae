"""The tables of sales: catalogue, orders with their items, memberships, reservations and
visits. Amounts are integer minor units (BIGINT); every row carries `tenant_id`."""

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
    text,
)

from infra.db.tables import Id, Moment, id_column, metadata, tenant_column

partner_company = Table(
    "partner_company",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
)

event = Table(
    "event",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("partner_company_id", Id, ForeignKey("partner_company.id")),
)

event_instance = Table(
    "event_instance",
    metadata,
    id_column(),
    tenant_column(),
    Column("event_id", Id, ForeignKey("event.id"), nullable=False, index=True),
    Column("starts_at", Moment, nullable=False),
    Column("venue", String(200)),
    Index("ix_event_instance_listing", "tenant_id", "starts_at", "id"),
)

fund = Table(
    "fund",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("code", String(20), nullable=False),
    UniqueConstraint("tenant_id", "code"),
)

membership_scheme = Table(
    "membership_scheme",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("length_months", Integer, nullable=False),
    Column("renewal_window_days", Integer, nullable=False),
    Column("grace_period_days", Integer, nullable=False),
    Column("auto_renew_allowed", Boolean, nullable=False),
)

# "order" is an SQL keyword.
customer_order = Table(
    "customer_order",
    metadata,
    id_column(),
    tenant_column(),
    Column("owner_id", Id, ForeignKey("customer.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("facilitator_id", Id, ForeignKey("customer.id"), index=True),
    Column("booked_for_id", Id, ForeignKey("customer.id"), index=True),
    # The box office's own id: unique, so twenty racing requests still make one order.
    Column("external_reference", String(100)),
    # The digest of the request recorded under that reference (domain RecordOrder).
    Column("request_fingerprint", String(64)),
    Column("ordered_at", Moment, nullable=False),
    Column("created_at", Moment, nullable=False),
    # How many items it was recorded with: those after were added later (a refund given as
    # a donation), and `foyer timeline rebuild` must describe the order as it was recorded.
    # Null for a generated demo order: all its items.
    Column("recorded_items", Integer),
    UniqueConstraint("tenant_id", "external_reference"),
    Index("ix_customer_order_owner", "tenant_id", "owner_id", "ordered_at", "id"),
    # An order's owner without visiting the order: segment criteria go from items to owners.
    Index("ix_customer_order_by_id", "tenant_id", "id", postgresql_include=["owner_id"]),
)

order_item = Table(
    "order_item",
    metadata,
    id_column(),
    tenant_column(),
    Column("order_id", Id, ForeignKey("customer_order.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("commission", BigInteger, nullable=False),
    Column("description", String(200)),
    Column("instance_id", Id, ForeignKey("event_instance.id")),
    Column("price_band", String(60)),
    Column("fund_id", Id, ForeignKey("fund.id")),
    Column("scheme_id", Id, ForeignKey("membership_scheme.id")),
    Column("returned_at", Moment),
    # Counts towards that opportunity's Received.
    Column("opportunity_id", Id, ForeignKey("opportunity.id"), index=True),
    # Segments read kept items by kind (every donation of an organisation) and by
    # performance (the tickets of a partner's events), from the index alone: only kept items
    # are in it, and the price rides along so a total needs no lookup.
    # An order's items, with what a customer's spend sums, read from the index alone.
    Index("ix_order_item_order_id", "order_id", postgresql_include=["price", "returned_at"]),
    Index(
        "ix_order_item_kept_kind",
        "tenant_id",
        "kind",
        "order_id",
        postgresql_include=["price"],
        postgresql_where=text("returned_at IS NULL"),
        sqlite_where=text("returned_at IS NULL"),
    ),
    Index(
        "ix_order_item_kept_instance",
        "tenant_id",
        "instance_id",
        "kind",
        "order_id",
        postgresql_include=["price"],
        postgresql_where=text("returned_at IS NULL"),
        sqlite_where=text("returned_at IS NULL"),
    ),
)

order_soft_credit = Table(
    "order_soft_credit",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    Column("order_id", Id, ForeignKey("customer_order.id"), primary_key=True),
    Column("customer_id", Id, ForeignKey("customer.id"), primary_key=True, index=True),
)

order_attribute = Table(
    "order_attribute",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    Column("order_id", Id, ForeignKey("customer_order.id"), primary_key=True),
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

order_history = Table(
    "order_history",
    metadata,
    id_column(),
    tenant_column(),
    Column("order_id", Id, ForeignKey("customer_order.id"), nullable=False, index=True),
    Column("what", Text, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("occurred_at", Moment, nullable=False),
)

membership = Table(
    "membership",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False),
    Column("scheme_id", Id, ForeignKey("membership_scheme.id"), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("order_item_id", Id, ForeignKey("order_item.id")),
    Index("ix_membership_customer", "customer_id", "scheme_id", "ends_on"),
)

reservation = Table(
    "reservation",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("expires_at", Moment, nullable=False),
    Column("status", String(20), nullable=False),
    Column("order_id", Id, ForeignKey("customer_order.id")),
    Column("created_at", Moment, nullable=False),
    # Its tickets count towards that opportunity's Reserved while held.
    Column("opportunity_id", Id, ForeignKey("opportunity.id"), index=True),
)

reservation_ticket = Table(
    "reservation_ticket",
    metadata,
    id_column(),
    tenant_column(),
    Column("reservation_id", Id, ForeignKey("reservation.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("instance_id", Id, ForeignKey("event_instance.id"), nullable=False),
    Column("price_band", String(60), nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("commission", BigInteger, nullable=False),
    Column("description", String(200)),
)

visit = Table(
    "visit",
    metadata,
    id_column(),
    tenant_column(),
    Column("customer_id", Id, ForeignKey("customer.id"), nullable=False, index=True),
    Column("instance_id", Id, ForeignKey("event_instance.id"), nullable=False),
    Column("checked_in_at", Moment, nullable=False),
)
