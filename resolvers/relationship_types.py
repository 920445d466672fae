"""Reading the organisation's relationship types."""

from __future__ import annotations

from typing import Any

from infra.db.queries.details import relationship_types
from resolvers.context import RequestContext


async def all_relationship_types(context: RequestContext) -> list[Any]:
    async with context.services.engine.connect() as db:
        return await relationship_types(db, context.caller.tenant_id)
