"""Running Alembic from code, so `foyer migrate` and `foyer serve` need no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from infra.db.engine import build_sync_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def is_current(database_url: str) -> bool:
    """Whether the database has every migration applied (False for an empty one)."""
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    engine = build_sync_engine(database_url, pool_size=1)
    try:
        with engine.connect() as db:
            return MigrationContext.configure(db).get_current_revision() == head
    finally:
        engine.dispose()


def make_revision(database_url: str, message: str) -> None:
    """Autogenerate a migration from the tables (a developer's command)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
