"""Running Alembic from code, so `foyer migrate` and `foyer serve` need no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def make_revision(database_url: str, message: str) -> None:
    """Autogenerate a migration from the tables (a developer's command)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
