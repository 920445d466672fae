"""Per-customer figures of their orders, which segment criteria and breakdowns read instead of
aggregating every order item of the organisation.

Both tables are kept by triggers on `customer_order` and `order_item` (migration
`b7e4c2a9d615`), on PostgreSQL and SQLite alike, in the statement that changes the rows they
derive from: whatever writes an order or an item (the API, the box office's ingestion, a
return, a generator's raw INSERT) moves them in the same transaction, so they cannot drift
from the rows. The triggers add and subtract differences (`x = x + delta`) rather than
recomputing, so two transactions writing the same customer's orders at once each add their
own part, whatever the isolation level.

Only kept items (not returned) count, as in the criteria: an item's price is in minor units
of its order's currency, summed as the criteria always have.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Table, text

from infra.db.tables import Id, metadata

customer_figures = Table(
    "customer_figures",
    metadata,
    Column("customer_id", Id, ForeignKey("customer.id"), primary_key=True),
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    # Orders owned, and the prices of their kept items of every kind.
    Column("orders", BigInteger, nullable=False),
    Column("spent", BigInteger, nullable=False),
    # Kept donations: how many, and their total.
    Column("donations", BigInteger, nullable=False),
    Column("donated", BigInteger, nullable=False),
    # Kept tickets of any performance: how many, and their prices.
    Column("tickets", BigInteger, nullable=False),
    Column("ticket_spend", BigInteger, nullable=False),
    # "Donated in total between a and b": donors only, by total, read from the index alone.
    Index(
        "ix_customer_figures_donated",
        "tenant_id",
        "donated",
        "customer_id",
        postgresql_where=text("donations > 0"),
        sqlite_where=text("donations > 0"),
    ),
    # A breakdown reads each member's orders and spend by key: from the index alone, whose
    # 44 MB at a million customers stay in the shared buffers where the table's 166 MB did
    # not (each order then writes one more index entry).
    Index(
        "ix_customer_figures_spend",
        "tenant_id",
        "customer_id",
        postgresql_include=["orders", "spent"],
    ),
)

# Kept tickets per customer and performance: a booking criterion names performances (by
# event, partner, or when they were performed, which stays exact because the performance's
# moment is read at evaluation, not bucketed here) and reads their bookers from the index.
customer_booking = Table(
    "customer_booking",
    metadata,
    Column("customer_id", Id, ForeignKey("customer.id"), primary_key=True),
    Column("instance_id", Id, ForeignKey("event_instance.id"), primary_key=True),
    Column("tenant_id", Id, ForeignKey("tenant.id"), nullable=False),
    Column("tickets", BigInteger, nullable=False),
    Column("spend", BigInteger, nullable=False),
    # A row whose tickets were all returned stays with zero, rather than being deleted under
    # a concurrent booking; the index holds only those with a ticket kept.
    Index(
        "ix_customer_booking_instance",
        "tenant_id",
        "instance_id",
        "customer_id",
        postgresql_include=["tickets", "spend"],
        postgresql_where=text("tickets > 0"),
        sqlite_where=text("tickets > 0"),
    ),
)
