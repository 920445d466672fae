"""A query whose requests each ran one statement reads without a transaction; the first of
its requests to need a second statement runs again in one snapshot and answers as any other
request would."""

from __future__ import annotations

from typing import Any

from resolvers.global_ids import to_global_id
from resolvers.read_modes import TRUSTED_AFTER
from tests.conftest import Api, StatementCounter
from tests.e2e.test_households import household_of, person


def household_query(api: Api) -> str:
    # Named after the organisation: each test's document is learned afresh.
    return f"""query Household_{api.slug.replace("-", "_")}($id: ID!) {{
      customer(id: $id) {{ id ... on Individual {{ household {{ name }} }} }}
    }}"""


async def test_a_query_read_once_that_needs_a_second_statement_answers_from_one_snapshot(
    api: Api, app: Any
) -> None:
    query = household_query(api)
    modes = app.state.services.read_modes
    nobody = to_global_id("Individual", 10**12)
    for _ in range(TRUSTED_AFTER):  # no such customer: the record's statement alone
        assert (await api.data(query, {"id": nobody})) == {"customer": None}
    assert modes.reads_once(query)
    marie = await person(api, "Marie")
    await household_of(api, marie)

    answer = await api.data(query, {"id": marie})

    # Refused the household's statement, the request ran again: no error, the answer whole.
    assert answer == {"customer": {"id": marie, "household": {"name": "Curie household"}}}
    assert not modes.reads_once(query)


async def test_a_query_read_once_runs_the_statements_it_ran_in_a_snapshot(
    api: Api, app: Any, statements: StatementCounter
) -> None:
    query = household_query(api)
    nobody = to_global_id("Individual", 10**12)
    await api.data("{ viewer { name } }")  # the caller looked up, and remembered
    counts = []
    for _ in range(TRUSTED_AFTER + 2):
        statements.count = 0
        assert (await api.data(query, {"id": nobody})) == {"customer": None}
        counts.append(statements.count)

    assert app.state.services.read_modes.reads_once(query)
    assert counts == [1] * (TRUSTED_AFTER + 2)
