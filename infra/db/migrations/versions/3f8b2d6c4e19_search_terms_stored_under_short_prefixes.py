"""search terms stored under their short prefixes

Revision ID: 3f8b2d6c4e19
Revises: 6b2f9d4e1a57
Create Date: 2026-12-01 22:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "3f8b2d6c4e19"
down_revision = "6b2f9d4e1a57"
branch_labels = None
depends_on = None

# domain.customers.search.SHORT_PREFIX when this was written (a migration keeps its own).
SHORT_PREFIX = 8


def upgrade() -> None:
    # Each term's prefixes of 1 to SHORT_PREFIX characters, once per customer, beside the
    # terms (a search for a short word is then an equality, read in listing order).
    lengths = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, SHORT_PREFIX + 1))
    op.execute(
        "INSERT INTO customer_search_term (tenant_id, term, customer_id, sort_key)"
        " SELECT DISTINCT s.tenant_id, substr(s.term, 1, lengths.n), s.customer_id, s.sort_key"
        f" FROM customer_search_term s CROSS JOIN ({lengths}) lengths"
        " WHERE length(s.term) > lengths.n AND NOT EXISTS ("
        "  SELECT 1 FROM customer_search_term e WHERE e.tenant_id = s.tenant_id"
        "  AND e.term = substr(s.term, 1, lengths.n) AND e.customer_id = s.customer_id)"
    )
    # A longer word is checked against one customer's terms at a time.
    with op.batch_alter_table("customer_search_term", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_search_term_customer_id")
        batch_op.create_index(
            "ix_customer_search_term_customer_term", ["customer_id", "term"], unique=False
        )


def downgrade() -> None:
    # The prefix rows stay: each is a prefix of one of its customer's own terms, so the
    # range search before this finds the same customers with them.
    with op.batch_alter_table("customer_search_term", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_search_term_customer_term")
        batch_op.create_index("ix_customer_search_term_customer_id", ["customer_id"], unique=False)
