"""Logging in and out, and who is calling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.actors import ActorKind
from domain.errors import InvalidInput
from infra.auth.accounts import log_in, log_out
from infra.db.queries.jobs import tenant_row
from resolvers.context import RequestContext


async def login(context: RequestContext, email: str, password: str) -> tuple[str, datetime]:
    settings = context.services.settings
    token, expires = await log_in(context.services.engine, email, password, settings.session_hours)
    return token, expires


async def logout(context: RequestContext) -> None:
    if context.caller.kind is not ActorKind.USER or not context.bearer:
        raise InvalidInput.at(
            (), "Only staff sessions log out; revoke an API key with `foyer apikey revoke`."
        )
    await log_out(context.services.engine, context.bearer)


async def viewer_tenant(context: RequestContext) -> Any:
    async with context.services.engine.connect() as db:
        return await tenant_row(db, context.caller.tenant_id)
