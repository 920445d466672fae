"""The tables of insights: saved segments, frozen customer lists and the organisation's RFM
bands. A segment stores its criteria tree as JSON (domain/segments/criteria.py reads and
writes that form); its members are never stored, they are evaluated when asked."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
    text,
)

from infra.db.tables import Id, Moment, id_column, metadata, tenant_column

segment = Table(
    "segment",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("criteria", JSON, nullable=False),
    # Who saved it: USER or API_KEY and its id. Only its owner sees an unshared segment.
    Column("owner_kind", String(20), nullable=False),
    Column("owner_id", Id, nullable=False),
    Column("owner", String(300), nullable=False),
    # Shared organisation-wide (only an INSIGHTS_ADMIN may set it).
    Column("shared", Boolean, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index("ix_segment_listing", "tenant_id", "id"),
)

# A segment's members frozen at one moment: mailings and exports of a list never move.
customer_list = Table(
    "customer_list",
    metadata,
    id_column(),
    tenant_column(),
    Column("name", String(200), nullable=False),
    Column("segment_id", Id, ForeignKey("segment.id"), index=True),
    Column("frozen_at", Moment, nullable=False),
    Column("created_by", String(300), nullable=False),
    Column("created_by_kind", String(20), nullable=False),
    Column("created_by_id", Id, nullable=False),
    Column("size", Integer, nullable=False),
    # Shared while its segment is (saving the segment sets it); as it was once the segment
    # is deleted, which leaves `segment_id` null.
    Column("shared", Boolean, nullable=False, server_default=false()),
    # The roles reading its members takes: its segment's criteria's when it was frozen
    # (domain/segments/access.py), so changing or deleting the segment changes nothing.
    Column("reads", JSON, nullable=False, server_default=text("'[]'")),
    Index("ix_customer_list_listing", "tenant_id", "id"),
)

customer_list_member = Table(
    "customer_list_member",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    Column(
        "list_id",
        Id,
        ForeignKey("customer_list.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("customer_id", Id, ForeignKey("customer.id"), primary_key=True, index=True),
)

# The organisation's recency, frequency and monetary band edges (domain/segments/rfm.py);
# an organisation without a row uses the defaults.
rfm_settings = Table(
    "rfm_settings",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenant.id"), primary_key=True),
    # Days since the last order, ascending: band 5 is within the first edge.
    Column("recency_days", JSON, nullable=False),
    # Number of orders, ascending: band 1 is below the first edge.
    Column("frequency_orders", JSON, nullable=False),
    # Total spend in minor units, ascending: band 1 is below the first edge.
    Column("monetary_minor", JSON, nullable=False),
    Column("updated_at", Moment, nullable=False),
)
