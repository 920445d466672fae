"""Reading jobs for the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from infra.db import fundraising_tables as f
from infra.db import tables as t


async def job_row(db: AsyncConnection, tenant_id: int, job_id: int) -> Any | None:
    return (
        await db.execute(select(t.job).where(t.job.c.tenant_id == tenant_id, t.job.c.id == job_id))
    ).first()


async def job_by_download_token(db: AsyncConnection, tenant_id: int, token: str) -> Any | None:
    # Tokens are URL-safe base64 of 32 bytes; anything longer names no file and is not looked up.
    if len(token) > 64:
        return None
    job = t.job.c
    return (
        await db.execute(
            select(t.job).where(job.tenant_id == tenant_id, job.download_token == token)
        )
    ).first()


async def reminder_outcomes(db: AsyncConnection, tenant_id: int, job_id: int) -> dict[str, int]:
    """How the reminders a run queued have gone so far, by outcome (None while waiting)."""
    r = f.pledge_reminder.c
    counted = await db.execute(
        select(r.outcome, func.count())
        .where(r.tenant_id == tenant_id, r.job_id == job_id)
        .group_by(r.outcome)
    )
    return {outcome or "WAITING": count for outcome, count in counted.all()}


async def tenant_row(db: AsyncConnection, tenant_id: int) -> Any:
    return (await db.execute(select(t.tenant).where(t.tenant.c.id == tenant_id))).one()
