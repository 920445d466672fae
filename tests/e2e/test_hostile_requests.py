"""Hostile and malformed requests: refused by the HTTP layer as JSON with the right status
(never a 500 or text/plain), bodies over the limit before they are read, and the access
log that never writes a query string down."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.asgi_scope import graphql_post_scope
from tests.conftest import Api
from tests.e2e.served import serve

JSON = {"Content-Type": "application/json"}
LIMIT = 1_048_576
CREATE = """mutation($input: CreateIndividualInput!) {
  createIndividual(input: $input) { individual { id } errors { message } } }"""
COUNT = "{ customers { edges { node { id } } } }"


def refused(response: httpx.Response, status: int, code: str) -> str:
    """The refusal's message, once its shape, status and code are checked."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, error
    return str(error["message"])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"null", "BAD_REQUEST"),
        (b"42", "BAD_REQUEST"),
        (b'"{ __typename }"', "BAD_REQUEST"),
        (b'[{"query": "{ __typename }"}]', "BAD_REQUEST"),
        (b'{"query": "{ \xff__typename }"}', "INVALID_UTF8"),
        (b'{"query": "{ __typename }", "variables": {"n": NaN}}', "INVALID_JSON"),
        (b'{"query": "{ __typename }"', "INVALID_JSON"),
        (
            b'{"query": "{ __typename }", "variables": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
            "JSON_TOO_DEEP",
        ),
        (
            b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 100 + b"]" * 100 + b"}}",
            "JSON_TOO_DEEP",
        ),
        (b'{"query": "{ __typename }", "variables": [1]}', "BAD_REQUEST"),
        (b'{"variables": {}}', "BAD_REQUEST"),
        (b'{"query": 42}', "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "operationName": ["a"]}', "BAD_REQUEST"),
    ],
)
async def test_a_body_that_is_not_a_graphql_request_is_a_json_400(
    api: Api, body: bytes, code: str
) -> None:
    refused(await api.client.post("/graphql", content=body, headers=JSON), 400, code)


async def test_a_lone_surrogate_in_the_variables_is_refused_and_nothing_is_written(
    api: Api,
) -> None:
    headers = {**JSON, "Authorization": f"Bearer {api.key}"}
    body = b'{"query": "%s", "variables": {"input": {"lastName": "Smith\\ud800"}}}' % (
        CREATE.replace("\n", " ").encode()
    )
    message = refused(
        await api.client.post("/graphql", content=body, headers=headers), 400, "LONE_SURROGATE"
    )
    assert "surrogate" in message
    assert (await api.data(COUNT))["customers"]["edges"] == []
    # A pair of surrogates is one character, and welcome.
    pair = body.replace(b"\\ud800", b"\\ud83c\\udfad")
    created = (await api.client.post("/graphql", content=pair, headers=headers)).json()
    assert created["data"]["createIndividual"]["errors"] == []


async def test_the_http_layers_own_refusals_are_json_too(api: Api) -> None:
    client = api.client
    unsupported = await client.post(
        "/graphql", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert "content type" in refused(unsupported, 400, "BAD_REQUEST")
    mutation = await client.get("/graphql", params={"query": "mutation { __typename }"})
    assert "GET" in refused(mutation, 400, "BAD_REQUEST")
    put = await client.put("/graphql", json={"query": "{ __typename }"})
    refused(put, 405, "METHOD_NOT_ALLOWED")
    assert set(put.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    refused(await client.get("/no/such/page"), 404, "NOT_FOUND")


async def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(app: Any) -> None:
    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"content-length", b"104857600")]
    scope = graphql_post_scope(headers, client=("127.0.0.1", 1))
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    assert b"BODY_TOO_LARGE" in sent[1]["body"]


async def test_a_chunked_body_is_refused_once_it_passes_the_limit_without_reading_the_rest(
    api: Api,
) -> None:
    chunk = b" " * 65_536
    sent = 0

    async def body() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        nonlocal sent
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(100):
            sent += 1
            yield chunk
        yield b'"}'

    response = await api.client.post("/graphql", content=body(), headers=JSON)
    assert str(LIMIT) in refused(response, 413, "BODY_TOO_LARGE")
    assert sent <= LIMIT // len(chunk) + 1


async def test_a_body_just_under_the_limit_is_accepted(api: Api) -> None:
    head = b'{"query": "{ __typename }", "pad": "'
    body = head + b" " * (LIMIT - len(head) - 2) + b'"}'
    assert len(body) == LIMIT
    response = await api.client.post("/graphql", content=body, headers=JSON)
    assert response.json()["data"] == {"__typename": "Query"}


async def test_the_access_log_has_the_operation_and_request_id_but_never_the_query_string(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    params = {
        "query": "query Probe($password: String) { __typename }",
        "variables": '{"password": "hunter2-in-the-url"}',
    }
    with caplog.at_level(logging.INFO, logger="foyer.access"):
        await api.client.get("/graphql", params=params, headers={"X-Request-Id": "req-42"})
        await api.client.post(
            "/graphql",
            json={"query": "query A { __typename } query B { __typename }"},
            headers={"X-Request-Id": "bad\nid"},
        )
    logged = [r.getMessage() for r in caplog.records if r.name == "foyer.access"]
    assert len(logged) == 2
    get, post = logged
    assert get.startswith("GET /graphql 200 ") and "operation=Probe request=req-42" in get
    assert "hunter2" not in get and "?" not in get
    # A request id that could forge a line is replaced by one of ours.
    assert post.startswith("POST /graphql 200 ") and "bad" not in post and "\n" not in post
    # Refused for want of an operationName: it runs no operation, not the first.
    assert "operation=- " in post


def test_a_server_answers_413_to_a_declared_100_mb_body_without_waiting_for_it(app: Any) -> None:
    with serve(app) as origin:
        host, port = origin.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: foyer\r\nContent-Type: application/json\r\n"
                b"Content-Length: 104857600\r\n\r\n{"
            )
            answer = connection.recv(65_536)
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert b"BODY_TOO_LARGE" in answer
