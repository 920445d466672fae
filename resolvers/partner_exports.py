"""Exports for partner companies: asking for one, and the signed link a partner downloads
it with (a partner is not a user)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from domain.actors import Actor, ActorKind
from domain.consent.sharing import (
    PARTNER_LABEL,
    ExportEvent,
    PartnerExportRequest,
    allow_download,
    request_partner_export,
)
from domain.jobs import Job, JobKind
from infra.auth.links import LinkRefused
from infra.clock import utc_now
from infra.db.queries.jobs import job_row
from infra.db.unit_of_work import SqlUnitOfWork
from resolvers.context import RequestContext, Services
from resolvers.jobs import readable

DOWNLOAD = "partner-download"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def request_export(context: RequestContext, request: PartnerExportRequest) -> Job:
    return await context.perform(lambda uow: request_partner_export(uow, request))


async def create_download_link(context: RequestContext, job_id: int) -> tuple[str, datetime]:
    services = context.services
    expires = utc_now() + timedelta(days=services.settings.download_link_days)
    await context.perform(lambda uow: allow_download(uow, job_id, expires))
    token = services.links.sign(DOWNLOAD, {"t": context.caller.tenant_id, "j": job_id}, expires)
    return f"{services.settings.base_url}/downloads/partner/{token}", expires


async def job_of(context: RequestContext, job_id: int) -> Any | None:
    """The export's job, when the caller may read it (the one check every job read makes)."""
    tenant_id = context.caller.tenant_id
    row = await context.reads.run(lambda db: job_row(db, tenant_id, job_id))
    return row if row is not None and readable(context.caller, row) else None


async def partner_file(services: Services, token: str) -> tuple[Path, str] | None:
    """The file the link gives, logged as downloaded; None when it is gone. LinkRefused
    for a link we did not sign or that has expired."""
    claims = services.links.verify(DOWNLOAD, token, utc_now())
    tenant_id, job_id = int(claims["t"]), int(claims["j"])
    async with services.engine.connect() as db:
        row = await job_row(db, tenant_id, job_id)
    if row is None or row.kind != JobKind.PARTNER_EXPORT.value or not row.result_file:
        return None
    path = services.files.open_for(tenant_id, row.result_file)
    if path is None:
        return None
    partner = Actor(ActorKind.SYSTEM, None, PARTNER_LABEL, tenant_id, frozenset())
    async with SqlUnitOfWork(services.engine, partner) as uow:
        await uow.consent.log_export_event(job_id, ExportEvent.DOWNLOADED)
        await uow.commit()
    return path, MEDIA_TYPES[path.suffix.lstrip(".")]


__all__ = ["LinkRefused", "create_download_link", "job_of", "partner_file", "request_export"]
