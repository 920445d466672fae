"""What the fuzz run and the tests of its findings share: an organisation with rows for ids
to find, and the pool's state once a request has answered."""

from __future__ import annotations

import asyncio
import time

from infra.demo.generator import generate_customers
from infra.demo.orders import ensure_catalogue, generate_orders
from tests.conftest import Api
from tests.integration.jobs import tenant_id


async def seeded(api: Api) -> Api:
    """`api`'s organisation with customers, a catalogue and orders for ids to find."""
    tenant = tenant_id(api.runtime.sync_engine, api.slug)
    generate_customers(api.runtime.sync_engine, tenant, 20, seed=9)
    ensure_catalogue(api.runtime.sync_engine, tenant)
    generate_orders(api.runtime.sync_engine, tenant, 40, seed=9)
    return api


async def checked_out_after(api: Api, seconds: float) -> int:
    """Connections still checked out once `seconds` have passed or none are. When a field
    fails, graphql-core answers at once and its siblings' cancelled work returns their
    connections a moment later, so a leak is a connection still out after that."""
    pool = api.runtime.engine.pool
    deadline = time.monotonic() + seconds
    while pool.checkedout() and time.monotonic() < deadline:  # type: ignore[attr-defined]  # noqa: ASYNC110 (the pool has no event to wait on)
        await asyncio.sleep(0.02)
    return pool.checkedout()  # type: ignore[attr-defined,no-any-return]
