"""Serving a job's file to its own organisation only."""

from __future__ import annotations

from pathlib import Path

from infra.db.queries.jobs import job_row
from resolvers.authentication import authenticate
from resolvers.context import Services
from resolvers.global_ids import parse_global_id


async def job_file(
    services: Services, authorization: str | None, job_global_id: str
) -> tuple[int, Path | None]:
    """The HTTP status and, when 200, the file to send."""
    reads = services.request_reads()
    try:
        credentials = await authenticate(reads, services.callers, authorization)
    finally:
        await reads.end()
    if credentials.actor is None:
        return 401, None
    parsed = parse_global_id(job_global_id)
    if parsed is None or parsed[0] != "Job":
        return 404, None
    tenant_id = credentials.actor.tenant_id
    async with services.engine.connect() as db:
        row = await job_row(db, tenant_id, parsed[1])
    if row is None or row.status != "SUCCEEDED" or not row.result_file:
        return 404, None
    path = services.files.open_for(tenant_id, row.result_file)
    return (200, path) if path is not None else (404, None)
