"""Reading the organisation's relationship types."""

from __future__ import annotations

from typing import Any

from infra.db.queries.details import relationship_types
from resolvers.context import RequestContext


async def all_relationship_types(context: RequestContext) -> list[Any]:
    tenant_id = context.caller.tenant_id
    return await context.reads.run(lambda db: relationship_types(db, tenant_id))
