"""What the API keeps about requests themselves: the answers of mutations sent with an
Idempotency-Key, replayed when the same request comes again (resolvers/idempotency.py)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from infra.db.tables import Moment, id_column, metadata, tenant_column

idempotency_key = Table(
    "idempotency_key",
    metadata,
    id_column(),
    tenant_column(),
    Column("key", String(200), nullable=False),
    # sha256 of the caller and the normalised request: the same key with another request
    # is refused, not replayed.
    Column("fingerprint", String(64), nullable=False),
    # Null while the first request with this key is still running.
    Column("status_code", Integer),
    Column("response", Text),
    Column("created_at", Moment, nullable=False),
    UniqueConstraint("tenant_id", "key"),
    Index("ix_idempotency_key_tenant_id_created_at", "tenant_id", "created_at"),
)
