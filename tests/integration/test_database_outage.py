"""A database that goes away or hangs: every request answers at once with a JSON GraphQL error
SERVICE_UNAVAILABLE in HTTP 503 with a Retry-After, wherever the request met the outage, and
the log says so once when it starts and once when it ends."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from infra.settings import Settings
from tests.conftest import Api
from tests.e2e.test_customers import CREATE_INDIVIDUAL, CUSTOMERS
from tests.integration.outages import Proxied, proxied_api

ME = "{ viewer { name } }"


async def post(proxied: Proxied, api: Api, query: str, variables: Any = None) -> httpx.Response:
    return await proxied.client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {api.key}"},
    )


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "7"
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["SERVICE_UNAVAILABLE"], errors
    assert "database" in errors[0]["message"]


@contextmanager
def cut_when(proxied: Proxied, event_name: str, statement_has: str | None = None) -> Iterator[None]:
    """Cut the database the moment the API is about to run a statement mentioning
    `statement_has`, or to commit: a real outage at a chosen point of a request."""
    engine = proxied.runtime.engine.sync_engine

    def cut(*args: Any) -> None:
        if statement_has is None or statement_has in str(args[2]):
            proxied.proxy.stop()

    event.listen(engine, event_name, cut)
    try:
        yield
    finally:
        event.remove(engine, event_name, cut)


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    # The access log writes a line per request; the outage lines are the others.
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("foyer") and r.name != "foyer.access"
    ]


async def test_a_database_cut_answers_every_request_503_json_and_logs_the_outage_once(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with proxied_api(settings, "database") as proxied:
        assert (await post(proxied, api, CUSTOMERS, {"inactive": False})).status_code == 200
        caplog.set_level(logging.INFO, logger="foyer")

        with cut_when(proxied, "before_cursor_execute", "FROM customer"):  # in a resolver
            assert_unavailable(await post(proxied, api, CUSTOMERS, {"inactive": False}))
        assert_unavailable(await post(proxied, api, ME))  # authenticating the caller
        assert_unavailable(await post(proxied, api, CUSTOMERS, {"inactive": False}))
        anonymous = await proxied.client.post("/graphql", json={"query": ME})
        assert anonymous.status_code == 200  # no database needed to refuse it
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        proxied.proxy.start()
        assert (await post(proxied, api, ME)).status_code == 200

    lines = outage_lines(caplog)
    assert [line.split(":")[0] for line in lines] == [
        "database unreachable",
        "database answering again",
    ], lines
    assert lines[0] != "database unreachable: "
    assert not any(r.exc_info for r in caplog.records), "no traceback for an outage"


async def test_a_mutation_whose_commit_meets_the_outage_is_service_unavailable_not_internal(
    api: Api, settings: Settings
) -> None:
    async with proxied_api(settings, "database") as proxied:
        with cut_when(proxied, "commit"):
            response = await post(
                proxied, api, CREATE_INDIVIDUAL, {"input": {"lastName": "Cut at commit"}}
            )
        assert_unavailable(response)


async def test_a_stalled_database_answers_service_unavailable_within_a_few_seconds(
    api: Api, settings: Settings
) -> None:
    async with proxied_api(settings, "database") as proxied:
        assert (await post(proxied, api, ME)).status_code == 200
        proxied.proxy.stall()
        started = time.monotonic()
        responses = [await post(proxied, api, q) for q in (ME, CUSTOMERS)]
        elapsed = time.monotonic() - started

        proxied.proxy.resume()
        after = await post(proxied, api, ME)

    for response in responses:
        assert_unavailable(response)
    # The request deadline is 3 s; a stall with no server-side bound waits for ever.
    assert elapsed < 2 * 3 + 4, elapsed
    assert after.status_code == 200


CUSTOMER_WITH_LISTS = "query($id: ID!) { customer(id: $id) { displayName emails { address } } }"


async def test_a_cut_during_a_read_the_driver_runs_is_an_outage_not_an_unexpected_error(
    api: Api, settings: Settings
) -> None:
    # Customer by id with its lists is compiled once and run by psycopg itself
    # (infra/db/driver_reads.py): its errors must be classified as SQLAlchemy's are.
    async with proxied_api(settings, "database") as proxied:
        made = await post(proxied, api, CREATE_INDIVIDUAL, {"input": {"lastName": "Driven"}})
        customer = made.json()["data"]["createIndividual"]["individual"]["id"]
        read = await post(proxied, api, CUSTOMER_WITH_LISTS, {"id": customer})
        assert read.json()["data"]["customer"]["displayName"].endswith("Driven"), read.text
        with cut_when(proxied, "before_cursor_execute", "FROM customer"):
            assert_unavailable(await post(proxied, api, CUSTOMER_WITH_LISTS, {"id": customer}))
