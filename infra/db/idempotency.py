"""Claiming an Idempotency-Key and keeping the answer given under it.

The unique constraint on (tenant, key) decides which of two concurrent requests runs: the
other finds the row and waits for its answer. Each statement commits on its own, so the claim
is visible to other requests before the mutation runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.db.request_tables import idempotency_key as table


@dataclass(frozen=True)
class KeyUse:
    """The row for a key someone else claimed first."""

    fingerprint: str
    status_code: int | None
    response: str | None


async def claim(
    engine: AsyncEngine,
    tenant_id: int,
    key: str,
    fingerprint: str,
    now: datetime,
    kept: timedelta,
    abandoned: timedelta,
) -> KeyUse | None:
    """Claim `key` for a request; None when claimed, otherwise the earlier use of the key.
    Answers older than `kept` are forgotten first, and so are claims older than `abandoned`
    that never got an answer (their request died with its process)."""
    c = table.c
    async with engine.begin() as db:
        await db.execute(
            delete(table).where(
                c.tenant_id == tenant_id,
                or_(
                    c.created_at < now - kept,
                    (c.key == key) & c.status_code.is_(None) & (c.created_at < now - abandoned),
                ),
            )
        )
    try:
        async with engine.begin() as db:
            await db.execute(
                insert(table).values(
                    tenant_id=tenant_id, key=key, fingerprint=fingerprint, created_at=now
                )
            )
        return None
    except IntegrityError:
        return await earlier_use(engine, tenant_id, key) or KeyUse(fingerprint, None, None)


async def earlier_use(engine: AsyncEngine, tenant_id: int, key: str) -> KeyUse | None:
    c = table.c
    async with engine.connect() as db:
        row = (
            await db.execute(
                select(c.fingerprint, c.status_code, c.response).where(
                    c.tenant_id == tenant_id, c.key == key
                )
            )
        ).first()
    return KeyUse(row.fingerprint, row.status_code, row.response) if row else None


async def keep_answer(
    engine: AsyncEngine, tenant_id: int, key: str, status_code: int, response: str
) -> None:
    async with engine.begin() as db:
        await db.execute(
            update(table)
            .where(table.c.tenant_id == tenant_id, table.c.key == key)
            .values(status_code=status_code, response=response)
        )


async def release(engine: AsyncEngine, tenant_id: int, key: str) -> None:
    """Forget a claim whose request got no answer worth keeping, so a retry runs again."""
    async with engine.begin() as db:
        await db.execute(delete(table).where(table.c.tenant_id == tenant_id, table.c.key == key))
