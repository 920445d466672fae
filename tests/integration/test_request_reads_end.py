"""A request's reads (one connection, one snapshot) end after its answer is sent: the
connection goes back to the pool whatever happened, a client gone mid-answer included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.asgi_scope import graphql_post_scope
from tests.conftest import Api
from tests.e2e.fuzz_fixtures import checked_out_after

QUERY = "{ contactPreferences { id } }"


def graphql_scope(key: str) -> dict[str, Any]:
    headers = [
        (b"host", b"foyer.test"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {key}".encode()),
    ]
    return graphql_post_scope(headers, client=("2001:db8::7", 50000))


async def test_the_connection_is_back_in_the_pool_after_the_answer(api: Api) -> None:
    assert "errors" not in await api.call(QUERY)
    assert await checked_out_after(api, 2.0) == 0


async def test_a_client_gone_before_the_answer_leaves_no_connection_out(api: Api, app: Any) -> None:
    body = json.dumps({"query": QUERY}).encode()
    received = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return received.pop(0) if received else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            raise OSError("the client went away")

    with pytest.raises(OSError):
        await app(graphql_scope(api.key), receive, send)
    assert await checked_out_after(api, 2.0) == 0
