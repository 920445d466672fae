"""The API's pool does not ping a connection before each use: when PostgreSQL drops every
connection (a restart, a failover), the first request after it still gets its answer,
because a read or a write that finds its pooled connection dead tries once more on a new
one, and a write is run once."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from sqlalchemy.engine import make_url

from infra.settings import Settings
from tests.conftest import Api
from tests.e2e.test_customers import CREATE_INDIVIDUAL

VIEWER = "{ viewer { name } }"


def drop_every_connection(settings: Settings) -> int:
    """What a restart does to the pool: every other session of the database ends."""
    url = make_url(settings.database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as db:
        ended = db.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert ended is not None
    return int(ended[0])


@pytest.fixture
def postgresql(settings: Settings) -> Settings:
    if settings.is_sqlite:
        pytest.skip("SQLite is a file opened in the process: no server to restart.")
    return settings


async def fill_the_pool(api: Api) -> None:
    """Several requests at once: the pool then holds several connections, all to die."""
    await asyncio.gather(*(api.data(VIEWER) for _ in range(4)))


async def test_the_first_read_after_the_database_dropped_its_connections_is_answered(
    api: Api, postgresql: Settings
) -> None:
    await fill_the_pool(api)
    assert drop_every_connection(postgresql) >= 1

    result = await api.call(VIEWER)

    assert "errors" not in result, result["errors"]
    assert result["data"]["viewer"]["name"]


async def test_the_first_mutation_after_the_database_dropped_its_connections_runs_once(
    api: Api, postgresql: Settings
) -> None:
    for _ in range(3):
        await fill_the_pool(api)
        drop_every_connection(postgresql)
        created = await api.data(CREATE_INDIVIDUAL, {"input": {"lastName": "After a restart"}})
        assert created["createIndividual"]["errors"] == []

    found = await api.data(
        '{ customers(search: "After a restart", first: 10) { edges { node { id } } } }'
    )
    assert len(found["customers"]["edges"]) == 3
