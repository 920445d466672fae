"""Logging in and out, and who is calling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.actors import ActorKind
from domain.errors import InvalidInput
from infra.auth.accounts import log_in, log_out
from infra.auth.throttle import LoginAttempt
from infra.db.queries.jobs import tenant_row
from resolvers.context import RequestContext


async def login(context: RequestContext, email: str, password: str) -> tuple[str, datetime]:
    services = context.services
    return await log_in(
        services.engine,
        services.passwords,
        services.login_throttle,
        LoginAttempt(email, context.client_address),
        password,
        services.settings.session_hours,
    )


async def logout(context: RequestContext) -> None:
    if context.caller.kind is not ActorKind.USER or not context.bearer:
        raise InvalidInput.at(
            (), "Only staff sessions log out; revoke an API key with `foyer apikey revoke`."
        )
    await log_out(context.services.engine, context.bearer)


async def viewer_tenant(context: RequestContext) -> Any:
    tenant_id = context.caller.tenant_id
    return await context.reads.run(lambda db: tenant_row(db, tenant_id))
