"""Query limits (page size, cost, depth, aliases) and how unexpected errors reach clients."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import resolvers.customers
from tests.conftest import Api, StatementCounter
from tests.e2e.served import serve

MAX_DEPTH = 12
MAX_ALIASES = 30

# 100 customers, each with 100 timeline entries: 50,301 objects, over the limit of 50,000.
COSTLY = """{ customers(first: 100) { edges { node {
  timeline(first: 100) { edges { node { summary occurredAt recordedAt } } } } } } }"""


def nested(depth: int) -> str:
    """A query `depth` levels deep: the top-level field is level 0, as the limiter counts."""
    # Through pages of one, so that the depth, not the cost, is what the limit meets.
    chain = ("orders(first: 1)", "edges", "node", "owner")
    fields = ['customer(id: "none")']
    fields += [chain[i % len(chain)] for i in range(depth - 1)]
    return "{ " + " { ".join(fields) + " { id" + " }" * len(fields) + " }"


def aliased(count: int) -> str:
    return " ".join(f"a{i}: __typename" for i in range(count))


async def statements_of(api: Api, statements: StatementCounter, query: str) -> int:
    statements.count = 0
    await api.call(query)
    return statements.count


def only_error(result: dict[str, Any]) -> dict[str, Any]:
    assert result["data"] is None, result["data"]
    [error] = result["errors"]
    return error  # type: ignore[no-any-return]


async def test_a_page_of_more_than_100_is_a_clear_error(api: Api) -> None:
    error = only_error(await api.call("{ customers(first: 101) { edges { node { id } } } }"))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first" in error["message"] and "100" in error["message"]
    assert error["path"] == ["customers"]


async def test_a_costly_query_is_refused_before_it_runs(
    api: Api, statements: StatementCounter
) -> None:
    result = await api.call(COSTLY)
    error = only_error(result)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 50_301
    assert "50301" in error["message"] and "50000" in error["message"]
    authentication_only = await statements_of(api, statements, "{ __typename }")
    assert await statements_of(api, statements, COSTLY) == authentication_only


async def test_plain_lists_count_in_the_cost(api: Api, statements: StatementCounter) -> None:
    # 20 customers' 50 orders, each of up to MAX_ITEMS items: counted as one object each,
    # the items let this cost 6,061 and return up to 200,000 items.
    query = """{ customers(first: 20) { edges { node { orders(first: 50) { edges { node {
      items { kind amount { amount } } } } } } } } }"""
    error = only_error(await api.call(query))
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 63_061
    authentication_only = await statements_of(api, statements, "{ __typename }")
    assert await statements_of(api, statements, query) == authentication_only


async def test_an_accepted_query_reports_its_cost(api: Api) -> None:
    result = await api.call("{ customers(first: 5) { edges { node { id } } } }")
    assert result["data"] == {"customers": {"edges": []}}
    # customers 1 + 5 * (edges 1 + node 1 + id 1)
    assert result["extensions"]["cost"] == {"requested": 16, "limit": 50_000}


async def test_a_negative_page_size_cannot_pay_for_the_rest_of_the_query(
    api: Api, statements: StatementCounter
) -> None:
    offset = COSTLY.replace("{ customers", "{ a: customers", 1).removesuffix("}")
    query = offset + "b: customers(first: -100000) { edges { node { id } } } }"
    error = only_error(await api.call(query))
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    authentication_only = await statements_of(api, statements, "{ __typename }")
    assert await statements_of(api, statements, query) == authentication_only


async def test_page_sizes_given_as_variable_defaults_count_too(api: Api) -> None:
    query = """query($n: Int = 100) { customers(first: $n) { edges { node {
      timeline(first: $n) { edges { node { summary occurredAt recordedAt } } } } } } }"""
    error = only_error(await api.call(query))
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 50_301


async def test_a_query_deeper_than_the_limit_is_refused(api: Api) -> None:
    accepted = await api.call(nested(MAX_DEPTH))
    assert "errors" not in accepted, accepted["errors"]
    assert accepted["data"] == {"customer": None}
    error = only_error(await api.call(nested(MAX_DEPTH + 1)))
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert f"depth of {MAX_DEPTH}" in error["message"]


async def test_more_than_30_aliases_are_refused(api: Api) -> None:
    accepted = await api.call("{ " + aliased(MAX_ALIASES) + " }")
    assert "errors" not in accepted, accepted["errors"]
    error = only_error(await api.call("{ " + aliased(MAX_ALIASES + 1) + " }"))
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert "31 aliases" in error["message"]


async def test_the_schema_is_asked_for_once_an_operation_even_without_credentials(
    api: Api,
) -> None:
    """One `__schema` is what GraphiQL and code generators send; sixteen, aliased and with
    deep fragments, made the server answer 24 MB in 3.9 s, credentials or not."""
    once = await api.call("{ __schema { queryType { name } } }", key="")
    spread = (
        "query { ...S again: __typename } fragment S on Query { __schema { types { name } } "
        "second: __schema { types { name } } }"
    )

    twice = only_error(
        await api.call("{ a: __schema { types { name } } b: __schema { types { name } } }", key="")
    )
    in_fragment = only_error(await api.call(spread, key=""))

    assert once["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert twice["extensions"]["code"] == in_fragment["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert "`__schema` once" in twice["message"]


async def test_aliases_hidden_in_fragments_are_counted(api: Api) -> None:
    # 15 in the fragment, spread twice, and the alias of the second `viewer`: 31.
    query = (
        "query { viewer { ...Names } again: viewer { ...Names } }\n"
        "fragment Names on Viewer { " + " ".join(f"n{i}: name" for i in range(15)) + " }"
    )
    error = only_error(await api.call(query))
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert "31 aliases" in error["message"]


async def test_an_unexpected_error_is_masked_with_a_correlation_id_the_log_carries(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any) -> Any:  # a bug in a resolver, not a database failure
        raise RuntimeError("internal detail the client must not see")

    monkeypatch.setattr(resolvers.customers, "customers", broken)
    with caplog.at_level(logging.ERROR, logger="foyer.api"):
        result = await api.call("{ customers { edges { node { id } } } }")
    error = only_error(result)
    found = re.fullmatch(r"Unexpected error \(correlation id ([0-9a-f]+)\)\.", error["message"])
    assert found, error["message"]
    correlation_id = found.group(1)
    assert error["extensions"] == {"code": "INTERNAL", "correlationId": correlation_id}
    assert "internal detail" not in str(result)
    [logged] = [r for r in caplog.records if correlation_id in r.getMessage()]
    assert logged.levelno == logging.ERROR
    assert logged.exc_info is not None and logged.exc_info[0] is RuntimeError


async def test_an_expected_error_is_neither_masked_nor_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="foyer"):
        error = only_error(await api.call('{ customers(after: "garbage") { edges { cursor } } }'))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in error["message"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def doubling(levels: int, leaf: str = "__typename") -> str:
    """The fragment bomb: each fragment spreads the one before twice, so the query spreads
    out to 2**levels leaves from a few characters per level."""
    fragments = [f"fragment F0 on Query {{ {leaf} }}"]
    fragments += [
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return f"query {{ ...F{levels} }} " + " ".join(fragments)


async def test_a_fragment_bomb_is_refused_as_too_large_before_validation(api: Api) -> None:
    query = doubling(23)
    assert len(query) < 1000
    error = only_error(await api.call(query))
    assert error["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert str(2**24 + 2**23 - 1) in error["message"]  # F23 in the query, and F0…F23


async def test_aliases_and_depth_multiplied_by_fragments_are_counted_once_per_fragment(
    api: Api,
) -> None:
    # 2**10 aliases from eleven fragments, under the field limit.
    error = only_error(await api.call(doubling(10, leaf="a: __typename")))
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert "1024 aliases" in error["message"]
    deep = only_error(await api.call(doubling(6, leaf=nested(MAX_DEPTH + 1)[1:-1])))
    assert deep["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_many_fields_of_one_name_stop_validation_at_its_budget(api: Api) -> None:
    # Each pair of same-named fields is compared: 200 fields, 20,000 comparisons.
    error = only_error(await api.call("{" + " viewer { name }" * 200 + "}"))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    fine = await api.call("{" + " viewer { name }" * 10 + "}")
    assert "errors" not in fine, fine["errors"]


async def test_a_document_over_the_token_limit_is_refused_without_being_read_to_its_end(
    api: Api,
) -> None:
    # A syntax error after the limit is never reached: parsing stops at the limit.
    error = only_error(await api.call("{" + " __typename" * 2500 + " }}}}"))
    assert "more than 2000 tokens" in error["message"], error["message"]


async def test_two_operations_without_an_operation_name_are_refused(api: Api) -> None:
    document = "query First { viewer { name } } query Second { __typename }"
    error = only_error(await api.call(document))
    assert error["extensions"]["code"] == "OPERATION_NAME_REQUIRED"
    assert "operationName" in error["message"]
    response = await api.client.post(
        "/graphql",
        json={"query": document, "operationName": "Second"},
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.json()["data"] == {"__typename": "Query"}


async def test_an_unknown_operation_name_is_a_graphql_error(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json={"query": "query First { __typename }", "operationName": "Second"}
    )
    assert response.status_code == 200
    error = only_error(response.json())
    assert error["extensions"]["code"] == "UNKNOWN_OPERATION"
    assert "Second" in error["message"]


def test_a_fragment_bomb_over_http_is_refused_within_a_second_while_health_is_served(
    app: Any,
) -> None:
    answers: dict[str, tuple[httpx.Response, float]] = {}

    def timed(name: str, send: Callable[[httpx.Client], httpx.Response]) -> None:
        with httpx.Client(base_url=origin, timeout=5) as client:
            started = time.perf_counter()
            answers[name] = (send(client), time.perf_counter() - started)

    with serve(app) as origin:
        bomb = threading.Thread(
            target=timed, args=("bomb", lambda c: c.post("/graphql", json={"query": doubling(23)}))
        )
        bomb.start()
        timed("health", lambda c: c.get("/healthz"))
        bomb.join()
    refusal, refused_in = answers["bomb"]
    health, healthy_in = answers["health"]
    assert refusal.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert refused_in < 1.0
    assert health.status_code == 200 and healthy_in < 1.0


@pytest.mark.parametrize(
    "query",
    [
        "{ customers(first: %s) { edges { node { id } } } }" % ("9" * 5000),
        "query($n: Int = %s) { customers(first: $n) { edges { node { id } } } }" % ("9" * 5000),
    ],
    ids=["literal", "variable default"],
)
async def test_a_number_too_long_for_python_to_read_is_the_clients_error_not_ours(
    api: Api, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    error = only_error(await api.call(query))
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert error["message"] == (
        "This value cannot be read as the type it is given for: a number of 5,000 digits."
    )
    assert error["locations"]
    assert "Unexpected error" not in caplog.text


async def test_a_document_that_does_not_validate_says_so_in_its_code(api: Api) -> None:
    error = only_error(await api.call("{ customers(first: 2147483648) { edges { node { id } } } }"))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "32-bit" in error["message"]
    error = only_error(await api.call("{ customers { nonsense } }"))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
