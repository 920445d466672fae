"""Serving a job's file at its random address, to a caller who may read the job."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from infra.db.queries.jobs import job_by_download_token
from resolvers.authentication import authenticate
from resolvers.context import Services
from resolvers.jobs import readable


async def job_file(
    services: Services, authorization: str | None, token: str
) -> tuple[int, Path | None]:
    """The HTTP status and, when 200, the file to send. A wrong token, another
    organisation's and a job the caller may not read are all 404, as a missing file is."""
    reads = services.request_reads()
    try:
        credentials = await authenticate(reads, services.callers, authorization)
        if credentials.actor is None:
            return 401, None
        tenant_id = credentials.actor.tenant_id
        row = await reads.run(lambda db: job_by_download_token(db, tenant_id, token))
    finally:
        await reads.end()
    if (
        row is None
        or not secrets.compare_digest(row.download_token.encode(), token.encode())
        or not readable(credentials.actor, row)
        or row.status != "SUCCEEDED"
        or not row.result_file
    ):
        return 404, None
    # Resolving the path touches the disk: off the event loop.
    path = await asyncio.to_thread(services.files.open_for, tenant_id, row.result_file)
    return (200, path) if path is not None else (404, None)
