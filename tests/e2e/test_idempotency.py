"""A mutation sent with an Idempotency-Key runs once: a retry gets the first answer again, the
same key with another request is a CONFLICT, and concurrent retries create one record."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Api
from tests.e2e.test_customers import CREATE_INDIVIDUAL, search


async def send(
    api: Api, key: str, last_name: str, query: str = CREATE_INDIVIDUAL
) -> httpx.Response:
    return await api.client.post(
        "/graphql",
        json={"query": query, "variables": {"input": {"lastName": last_name}}},
        headers={"Authorization": f"Bearer {api.key}", "Idempotency-Key": key},
    )


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["createIndividual"]
    assert payload["errors"] == []
    return payload["individual"]  # type: ignore[no-any-return]


async def test_the_same_key_and_request_twice_creates_one_customer_and_the_same_answer(
    api: Api,
) -> None:
    first = await send(api, "order-42", "Once")
    # The same request, spaced differently: the query is compared normalised.
    again = await send(api, "order-42", "Once", CREATE_INDIVIDUAL.replace("\n", "\n   "))

    assert created(again) == created(first)
    assert again.headers["idempotent-replayed"] == "true"
    assert await search(api, "Once") == ["Once"]


async def test_the_same_key_with_a_different_request_is_a_conflict_naming_the_key(
    api: Api,
) -> None:
    created(await send(api, "k-1", "First"))
    other = await send(api, "k-1", "Second")

    assert other.status_code == 409
    errors = other.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["CONFLICT"]
    assert "`k-1`" in errors[0]["message"]
    assert await search(api, "Second") == []


async def test_ten_concurrent_requests_with_one_key_create_one_customer(api: Api) -> None:
    answers = await asyncio.gather(*(send(api, "burst", "Burst") for _ in range(10)))

    assert len({str(created(a)) for a in answers}) == 1
    assert await search(api, "Burst") == ["Burst"]


async def test_a_key_is_one_organisations_and_queries_ignore_it(api: Api, other_api: Api) -> None:
    mine = created(await send(api, "shared-key", "Mine"))
    theirs = created(await send(other_api, "shared-key", "Theirs"))
    assert mine["id"] != theirs["id"]

    query = "{ customers(includeInactive: false) { edges { node { id } } } }"
    for _ in range(2):
        response = await api.client.post(
            "/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {api.key}", "Idempotency-Key": "shared-key"},
        )
        assert response.status_code == 200 and "errors" not in response.json()
