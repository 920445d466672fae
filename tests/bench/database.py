"""The benchmark's own PostgreSQL database: created once, migrated, and filled by the
generator (`foyer demo`) up to the number of customers asked for."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from infra.demo.seed import DEMO_SLUG

# Every table `foyer demo` writes to: its rows/s counts all of them, not customers alone.
GENERATED_TABLES = (
    "customer",
    "customer_email",
    "customer_phone",
    "customer_address",
    "customer_tag",
    "customer_attribute",
    "customer_search_term",
    "relationship",
    "household",
    "household_member",
    "timeline_entry",
)


@dataclass(frozen=True)
class BenchDatabase:
    admin_url: str  # any database of the server but the benchmark's, to CREATE DATABASE from
    name: str

    @property
    def url(self) -> str:
        """For psycopg."""
        return self.admin_url.rsplit("/", 1)[0] + f"/{self.name}"

    @property
    def foyer_url(self) -> str:
        """For Foyer's settings (FOYER_DATABASE_URL)."""
        return self.url.replace("postgresql://", "postgresql+psycopg://", 1)


@dataclass(frozen=True)
class Generation:
    customers_before: int
    customers_after: int
    rows_written: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows_written / self.seconds if self.seconds else 0.0


def foyer_command(*arguments: str) -> list[str]:
    """The `foyer` console script of the interpreter running the benchmark."""
    script = Path(sys.executable).parent / "foyer"
    if script.exists():
        return [str(script), *arguments]
    return [sys.executable, "-c", "from infra.cli.main import app; app()", *arguments]


def foyer_environment(database: BenchDatabase, files_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        FOYER_DATABASE_URL=database.foyer_url,
        FOYER_BROKER_URL="",  # the in-process broker: nothing leaves the machine
        FOYER_FILES_DIR=str(files_dir),
    )
    return env


def create_database(database: BenchDatabase) -> bool:
    """Create the benchmark database unless it exists; True when it was created."""
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        if admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database.name,)
        ).fetchone():
            return False
        admin.execute(f'CREATE DATABASE "{database.name}"')
    return True


def recreate_database(database: BenchDatabase) -> None:
    """The benchmark database dropped (whoever is connected) and created empty."""
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database.name}"')


def migrate(database: BenchDatabase, env: dict[str, str]) -> None:
    subprocess.run(foyer_command("migrate"), env=env, check=True)


def demo_tenant_id(database: BenchDatabase) -> int | None:
    with psycopg.connect(database.url) as db:
        row = db.execute("SELECT id FROM tenant WHERE slug = %s", (DEMO_SLUG,)).fetchone()
    return int(row[0]) if row else None


def customer_count(database: BenchDatabase) -> int:
    tenant_id = demo_tenant_id(database)
    if tenant_id is None:
        return 0
    with psycopg.connect(database.url) as db:
        row = db.execute("SELECT count(*) FROM customer WHERE tenant_id = %s", (tenant_id,))
        return int(row.fetchone()[0])  # type: ignore[index]


def generated_rows(database: BenchDatabase) -> int:
    with psycopg.connect(database.url) as db:
        return sum(
            int(db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # type: ignore[index]
            for table in GENERATED_TABLES
        )


def ensure_customers(database: BenchDatabase, wanted: int, env: dict[str, str]) -> Generation:
    """Top the demo organisation up to `wanted` customers with `foyer demo` (whose progress
    bar goes to stderr)."""
    before = customer_count(database)
    if before >= wanted:
        return Generation(before, before, 0, 0.0)
    rows_before = generated_rows(database)
    started = time.perf_counter()
    # A new database gets the demo organisation (with its own few hundred customers) first.
    subprocess.run(
        foyer_command("demo", "--customers", str(wanted - before), "--seed", str(before + 1)),
        env=env,
        check=True,
    )
    seconds = time.perf_counter() - started
    rows = generated_rows(database) - rows_before
    return Generation(before, customer_count(database), rows, seconds)


def prepare(database: BenchDatabase, customers: int, env: dict[str, str]) -> tuple[Generation, int]:
    """The database created, migrated and holding `customers` customers; with the demo
    organisation's id."""
    create_database(database)
    migrate(database, env)
    generation = ensure_customers(database, customers, env)
    tenant_id = demo_tenant_id(database)
    assert tenant_id is not None
    return generation, tenant_id


def vacuum_analyze(database: BenchDatabase) -> None:
    """What autovacuum does sooner or later, done now so that every run measures the same
    thing: statistics for the planner, and the visibility map index-only scans need after
    a bulk load or a migration that rewrote a table. Quick when nothing changed."""
    with psycopg.connect(database.url, autocommit=True) as db:
        db.execute("VACUUM (ANALYZE)")
