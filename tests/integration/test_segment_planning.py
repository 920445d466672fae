"""A segment's criteria are planned with their values on every run: psycopg never prepares a
statement holding them, so PostgreSQL never swaps their plan for a generic one (2.4 s against
0.55 s for the bench's segment at a million customers; infra/segments/planning.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, func, select, text, true
from sqlalchemy.exc import OperationalError

from domain.segments import criteria as k
from infra.composition import Runtime
from infra.db import tables as t
from infra.segments.criteria_sql import Evaluation
from infra.segments.members import criteria_select
from infra.segments.planning import PlannedEachRun
from infra.settings import Settings

RUNS = 12  # psycopg prepares at the sixth run; PostgreSQL may go generic after five more


def prepared(db: Connection) -> list[str]:
    """The statements this connection has prepared on the server."""
    return list(db.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())


def test_a_segment_counted_again_and_again_is_never_prepared_while_other_statements_are(
    runtime: Runtime, settings: Settings
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite plans every statement afresh.")
    root = k.AllOf((k.TagCriterion("regular"), k.NoneOf(k.TagCriterion("lapsed"))))
    members = criteria_select(root, Evaluation(1, date(2026, 12, 3))).subquery("members")
    # Labelled, to be told apart from what other tests prepared on the pooled connection.
    count = select(func.count().label("probe_count")).select_from(members)
    plain = select(t.customer.c.id.label("probe_plain")).where(t.customer.c.tenant_id == 1)

    with runtime.sync_engine.connect() as db:
        for _ in range(RUNS):
            assert db.execute(count).scalar_one() == 0
            db.execute(plain.limit(1)).all()
        statements = prepared(db)
        db.rollback()

    # The plain statement shows that this connection prepares what it runs often...
    assert any("probe_plain" in s for s in statements), statements
    # ...and the criteria were not among them.
    assert not any("probe_count" in s for s in statements), statements


def test_a_segment_statement_runs_prepared_statements_alike_after_it(
    runtime: Runtime, settings: Settings
) -> None:
    """What psycopg was told for the criteria is undone: the connection goes on preparing."""
    if settings.is_sqlite:
        pytest.skip("SQLite plans every statement afresh.")
    members = criteria_select(k.TagCriterion("x"), Evaluation(1, date(2026, 12, 3)))
    with runtime.sync_engine.connect() as db:
        threshold = db.connection.driver_connection.prepare_threshold  # type: ignore[union-attr]
        db.execute(members).all()
        assert db.connection.driver_connection.prepare_threshold == threshold  # type: ignore[union-attr]
        db.rollback()


def test_a_segment_statement_alone_is_planned_with_small_tables_scanned_in_parallel(
    runtime: Runtime, settings: Settings
) -> None:
    """The setting holds while a marked statement runs (which is when it is planned) and is
    what it was again after, in the same transaction, for the statements that follow."""
    if settings.is_sqlite:
        pytest.skip("SQLite has no parallel scans.")
    setting = func.current_setting("min_parallel_table_scan_size")
    marked = select(setting).where(PlannedEachRun(true()))
    with runtime.sync_engine.connect() as db:
        server = db.execute(select(setting)).scalar_one()
        during = db.execute(marked).scalar_one()
        after = db.execute(select(setting)).scalar_one()
        db.execute(text("SET LOCAL min_parallel_table_scan_size = '1MB'"))
        during_again = db.execute(marked).scalar_one()
        after_own = db.execute(select(setting)).scalar_one()
        db.rollback()

    assert server != "0"
    assert (during, after) == ("0", server)
    assert (during_again, after_own) == ("0", "1MB")


def test_a_segment_statement_on_a_lost_connection_is_an_outage_and_leaves_no_setting_behind(
    runtime: Runtime, settings: Settings
) -> None:
    """What runs before the statement fails as the statement would: a lost connection is
    reported as one (a 503 for the API, a retry for a job) and the connection invalidated."""
    if settings.is_sqlite:
        pytest.skip("SQLite has no parallel scans.")
    marked = select(func.current_setting("min_parallel_table_scan_size")).where(
        PlannedEachRun(true())
    )
    with runtime.sync_engine.connect() as db:
        pid = db.execute(select(func.pg_backend_pid())).scalar_one()
        with runtime.sync_engine.connect() as other:
            other.execute(select(func.pg_terminate_backend(pid)))
            other.rollback()
        with pytest.raises(OperationalError) as refused:
            db.execute(marked)
        assert refused.value.connection_invalidated
        db.rollback()
        # A new connection, as it was before.
        assert (
            db.execute(select(func.current_setting("min_parallel_table_scan_size"))).scalar_one()
            != "0"
        )
        db.rollback()
