"""A request known to read once runs its one statement without a transaction (one statement
is one snapshot); a second statement, or a write, raises SnapshotNeeded, and read again the
request is in one snapshot."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from infra.db import tables as t
from infra.db.snapshot import RequestReads, SnapshotNeeded, in_transaction
from infra.segments.planning import PlannedEachRun
from infra.settings import Settings
from tests.conftest import Api

CHECK = "SELECT 1"


async def _count(db: AsyncConnection) -> tuple[int, bool]:
    """Customers, and whether the driver's connection was in a transaction to read them."""
    found = (await db.execute(select(func.count()).select_from(t.customer))).scalar_one()
    driver = (await db.get_raw_connection()).driver_connection
    return int(found), in_transaction(driver)


async def _twice(db: AsyncConnection) -> None:
    await db.execute(select(func.count()).select_from(t.customer))
    await db.execute(select(func.count()).select_from(t.tenant))


async def test_a_request_reading_once_begins_no_transaction(api: Api) -> None:
    reads = RequestReads(api.runtime.engine)
    reads.read_once()
    try:
        assert await reads.value(CHECK) == 1
        _, inside = await reads.run(_count)
    finally:
        await reads.end()

    assert not inside
    assert (reads.statements, reads.needs_snapshot) == (1, False)


async def test_reading_once_a_second_statement_is_refused_and_read_again_is_in_one_snapshot(
    api: Api,
) -> None:
    reads = RequestReads(api.runtime.engine)
    reads.read_once()
    try:
        await reads.run(_count)
        with pytest.raises(SnapshotNeeded):
            await reads.run(_count)
        assert reads.needs_snapshot

        await reads.read_again()
        first, inside = await reads.run(_count)
        second, _ = await reads.run(_count)
    finally:
        await reads.end()

    assert inside and first == second
    assert (reads.statements, reads.needs_snapshot) == (2, False)


async def test_reading_once_two_statements_of_one_read_are_refused(api: Api) -> None:
    reads = RequestReads(api.runtime.engine)
    reads.read_once()
    try:
        with pytest.raises(SnapshotNeeded):
            await reads.run(_twice)
    finally:
        await reads.end()

    assert reads.needs_snapshot


async def test_reading_once_a_write_is_refused_before_it_writes(api: Api) -> None:
    reads = RequestReads(api.runtime.engine)
    reads.read_once()
    with pytest.raises(SnapshotNeeded):
        reads.take_writer()
    await reads.end()

    assert reads.needs_snapshot


async def test_the_callers_check_and_look_up_are_not_reads_of_data(api: Api) -> None:
    reads = RequestReads(api.runtime.engine)
    reads.read_once()
    try:
        await reads.run(_count, counted=False)
        assert await reads.value(CHECK) == 1
        found: Any = await reads.run(_count)
    finally:
        await reads.end()

    assert found[1] is False and reads.statements == 1


async def test_reading_once_a_statement_that_is_not_a_select_is_refused_before_it_runs(
    api: Api,
) -> None:
    """In a snapshot, the read-only transaction refuses a write; reading once there is none,
    so the write is refused before it is sent, and runs (to be refused) in one snapshot."""
    rename = update(t.tenant).where(t.tenant.c.slug == api.slug).values(name="Never")
    reads = RequestReads(api.runtime.engine)
    reads.read_once()
    try:
        with pytest.raises(SnapshotNeeded):
            await reads.run(lambda db: db.execute(rename))
    finally:
        await reads.end()

    async with api.runtime.engine.connect() as db:
        name = (
            await db.execute(select(t.tenant.c.name).where(t.tenant.c.slug == api.slug))
        ).scalar()
    assert name != "Never"


async def test_reading_once_a_statement_whose_settings_need_a_transaction_is_refused(
    api: Api, settings: Settings
) -> None:
    """A segment's criteria are planned with settings local to their transaction
    (infra/segments/planning.py), which a request reading once does not have."""
    if settings.is_sqlite:
        pytest.skip("SQLite plans every statement afresh, with nothing set for it.")
    marked = select(func.current_setting("min_parallel_table_scan_size")).where(
        PlannedEachRun(true())
    )
    reads = RequestReads(api.runtime.engine)
    reads.read_once()
    try:
        with pytest.raises(SnapshotNeeded):
            await reads.run(lambda db: db.execute(marked))
        await reads.read_again()
        during = (await reads.run(lambda db: db.execute(marked))).scalar_one()
    finally:
        await reads.end()

    assert during == "0"
