"""A query whose requests each ran one statement reads without a transaction; the first of
its requests to need a second statement runs again in one snapshot and answers as any other
request would."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from domain.roles import Role
from infra.auth.accounts import revoke_api_key
from infra.db.snapshot import in_transaction
from resolvers.global_ids import to_global_id
from resolvers.read_modes import TRUSTED_AFTER
from tests.conftest import TRANSACTION_CONTROL, Api, StatementCounter
from tests.e2e.test_caller_cache import REFUSED, refusal
from tests.e2e.test_households import household_of, person

NOBODY = to_global_id("Individual", 10**12)


def household_query(api: Api) -> str:
    # Named after the organisation: each test's document is learned afresh.
    return f"""query Household_{api.slug.replace("-", "_")}($id: ID!) {{
      customer(id: $id) {{ id ... on Individual {{ household {{ name }} }} }}
    }}"""


@pytest.fixture
def transactions(api: Api) -> Iterator[list[bool]]:
    """For each statement of data the API runs, whether it ran inside a transaction."""
    seen: list[bool] = []

    def note(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(in_transaction(connection.connection.driver_connection))

    engine = api.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


async def trusted(api: Api, query: str, app: Any) -> None:
    """`query` sent until its requests read once (there is no such customer: the record's
    statement alone)."""
    await api.data("{ viewer { name } }")  # the caller looked up, and remembered
    for _ in range(TRUSTED_AFTER):
        assert (await api.data(query, {"id": NOBODY})) == {"customer": None}
    assert app.state.services.read_modes.reads_once(query)


async def test_a_query_read_once_runs_its_statement_outside_any_transaction(
    api: Api, app: Any, transactions: list[bool], statements: StatementCounter
) -> None:
    query = household_query(api)
    await trusted(api, query, app)
    transactions.clear()
    statements.count = 0

    assert (await api.data(query, {"id": NOBODY})) == {"customer": None}

    assert transactions == [False]
    assert statements.count == 1


async def test_a_query_read_once_that_needs_a_second_statement_answers_from_one_snapshot(
    api: Api, app: Any, transactions: list[bool], caplog: pytest.LogCaptureFixture
) -> None:
    query = household_query(api)
    await trusted(api, query, app)
    marie = await person(api, "Marie")
    await household_of(api, marie)
    transactions.clear()

    with caplog.at_level(logging.ERROR, logger="foyer.api"):
        answer = await api.data(query, {"id": marie})

    # Refused the household's statement, the request ran again: the answer whole, read in
    # one snapshot, and nothing logged of the refusal.
    assert answer == {"customer": {"id": marie, "household": {"name": "Curie household"}}}
    first, *again = transactions
    assert first is False and again and all(again)
    assert "Unexpected error" not in caplog.text
    assert not app.state.services.read_modes.reads_once(query)


async def test_a_key_revoked_is_refused_at_once_by_a_query_read_once(api: Api, app: Any) -> None:
    key = await api.key_with(Role.SALES)
    query = household_query(api)
    await api.data("{ viewer { name } }", key=key)
    for _ in range(TRUSTED_AFTER):
        assert (await api.data(query, {"id": NOBODY}, key=key)) == {"customer": None}
    assert app.state.services.read_modes.reads_once(query)

    await revoke_api_key(api.runtime.engine, api.slug, key)

    assert refusal(await api.call(query, {"id": NOBODY}, key=key)) == REFUSED
