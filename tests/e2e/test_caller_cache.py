"""An API process remembers its callers for a few seconds, and still refuses a key or
session the moment another process has revoked it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain.roles import Role
from infra.auth.accounts import create_user, log_out, revoke_api_key
from infra.composition import Runtime, build_runtime
from infra.settings import Settings
from tests.conftest import Api, StatementCounter

REFUSED = "The token is unknown, expired or revoked."
VIEWER = "{ viewer { name } }"


@pytest.fixture
async def other_process(settings: Settings) -> AsyncIterator[Runtime]:
    """Another API process's view of the same database: its own engine and pool."""
    runtime = build_runtime(settings)
    yield runtime
    await runtime.close()


def refusal(result: dict[str, object]) -> object:
    errors = result.get("errors") or [{}]
    return errors[0].get("message")  # type: ignore[attr-defined]


async def test_a_known_caller_costs_only_the_check_of_its_generation(
    api: Api, statements: StatementCounter
) -> None:
    await api.data(VIEWER)
    statements.count = 0

    await api.data(VIEWER)

    # The generation travels with the snapshot's BEGIN, unseen by the counter: what is
    # left is the viewer's organisation, read by the field itself.
    assert statements.count == 1


async def test_meta_fields_alone_ask_the_database_nothing_whatever_the_key(
    api: Api, statements: StatementCounter
) -> None:
    for key in (api.key, "fyk_no-such-key", ""):
        statements.count = 0

        assert (await api.data("{ __typename }", key=key)) == {"__typename": "Query"}

        assert statements.count == 0


async def test_typename_alone_answers_as_graphql_would_by_any_alias_and_name(
    api: Api, statements: StatementCounter
) -> None:
    async def post(body: dict[str, object]) -> dict[str, object]:
        return (await api.client.post("/graphql", json=body)).json()  # type: ignore[no-any-return]

    assert (await api.data("query Ping { kind: __typename }")) == {"kind": "Query"}
    named = await post({"query": "query Ping { __typename }", "operationName": "Ping"})
    assert named == {"data": {"__typename": "Query"}}
    both = await api.data("{ __typename a: __typename }")
    assert both == {"__typename": "Query", "a": "Query"}
    refused = await post({"query": "query Ping { __typename }", "operationName": "Pong"})
    assert refused.get("data") is None and "Pong" in str(refused["errors"])
    assert statements.count == 0


async def test_a_key_revoked_by_another_process_is_refused_at_once(
    api: Api, other_process: Runtime
) -> None:
    key = await api.key_with(Role.SALES)
    assert (await api.data("{ __typename }", key=key)) == {"__typename": "Query"}

    await revoke_api_key(other_process.engine, api.slug, key)

    assert refusal(await api.call(VIEWER, key=key)) == REFUSED
    assert (await api.data("{ __typename }")) == {"__typename": "Query"}  # others' keys work


async def test_a_session_logged_out_through_another_process_is_refused_at_once(
    api: Api, other_process: Runtime
) -> None:
    email = f"caller-{api.slug}@example.org"
    await create_user(api.runtime.engine, api.slug, email, "a long enough password", frozenset())
    logged_in = await api.data(
        'mutation($e: String!) { login(email: $e, password: "a long enough password") '
        "{ token errors { code } } }",
        {"e": email},
    )
    token = logged_in["login"]["token"]
    assert (await api.data(VIEWER, key=token))["viewer"]["name"] == email

    await log_out(other_process.engine, token)

    assert refusal(await api.call(VIEWER, key=token)) == REFUSED
