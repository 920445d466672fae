"""Jobs in and out of their table, for the API (async) and for workers (sync)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.actors import ActorKind
from domain.jobs import Job, JobKind, JobStatus
from domain.roles import Role
from infra.clock import utc_now
from infra.db import tables as t


def job_from_row(row: Row[Any]) -> Job:
    return Job(
        kind=JobKind(row.kind),
        requested_by=row.requested_by,
        parameters=row.parameters,
        requested_by_kind=ActorKind(row.requested_by_kind) if row.requested_by_kind else None,
        requested_by_id=row.requested_by_id,
        required_roles=frozenset(Role(r) for r in row.required_roles or ()),
        download_token=row.download_token,
        status=JobStatus(row.status),
        progress=row.progress,
        total=row.total,
        error=row.error,
        result_file=row.result_file,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        id=row.id,
    )


class SqlJobRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db = connection
        self._tenant_id = tenant_id

    async def get(self, job_id: int) -> Job | None:
        row = (
            await self._db.execute(
                select(t.job).where(t.job.c.id == job_id, t.job.c.tenant_id == self._tenant_id)
            )
        ).first()
        return job_from_row(row) if row else None

    async def add(self, job: Job) -> None:
        job.created_at = utc_now()
        job.id = (
            await self._db.execute(
                insert(t.job)
                .values(
                    tenant_id=self._tenant_id,
                    kind=job.kind.value,
                    status=job.status.value,
                    parameters=job.parameters,
                    progress=0,
                    requested_by=job.requested_by,
                    requested_by_kind=job.requested_by_kind,
                    requested_by_id=job.requested_by_id,
                    required_roles=sorted(role.value for role in job.required_roles),
                    download_token=job.download_token,
                    attempts=0,
                    created_at=job.created_at,
                )
                .returning(t.job.c.id)
            )
        ).scalar_one()
