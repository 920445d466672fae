"""The migrations build exactly the tables the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from infra.composition import Runtime
from infra.db.tables import all_tables


def test_migrated_database_matches_the_declared_tables(runtime: Runtime) -> None:
    with runtime.sync_engine.connect() as db:
        context = MigrationContext.configure(db, opts={"compare_type": True})
        differences = compare_metadata(context, all_tables())
    assert differences == []
