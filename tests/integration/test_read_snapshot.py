"""A report reads one moment of the database, whatever is written while it reads."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from infra.clock import utc_now
from infra.composition import Runtime
from infra.db import tables as t
from infra.db.report_snapshot import read_snapshot
from tests.conftest import Api
from tests.integration.jobs import tenant_id


async def test_rows_written_during_a_snapshot_are_not_seen_by_it(
    api: Api, runtime: Runtime
) -> None:
    engine = runtime.sync_engine
    tenant = tenant_id(engine, api.slug)
    count = select(func.count()).select_from(t.customer).where(t.customer.c.tenant_id == tenant)
    now = utc_now()

    with read_snapshot(engine) as db:
        before = db.execute(count).scalar_one()
        with engine.begin() as writer:
            writer.execute(
                insert(t.customer).values(
                    tenant_id=tenant,
                    kind="INDIVIDUAL",
                    reference="C-999999",
                    last_name="Late",
                    active=True,
                    sort_key="late",
                    created_at=now,
                    updated_at=now,
                )
            )
        during = db.execute(count).scalar_one()
    with engine.connect() as db:
        after = db.execute(count).scalar_one()

    assert (before, during, after) == (0, 0, 1)
