"""Property-based fuzzing of the whole GraphQL API: queries and mutations generated from the
schema (hypothesis-graphql), sent in-process with every role, with SALES alone and without
credentials.

Whatever a client sends, the answer is JSON, never a 5xx, and never an unexpected error
(`INTERNAL`): every refusal is one the client can read. Bounded for CI and reproducible
(derandomized, no example database); `FOYER_FUZZ_EXAMPLES=5000` runs it longer.
"""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from domain.roles import Role
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.e2e.fuzz_fixtures import checked_out_after, seeded
from tests.e2e.schema_calls import foyer_schema

EXAMPLES = int(os.environ.get("FOYER_FUZZ_EXAMPLES", "80"))
# For a long exploratory run: write every bad answer to this file and go on, instead of
# stopping at the first (which CI does).
FINDINGS = os.environ.get("FOYER_FUZZ_FINDINGS")
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NODE_TYPES = sorted(
    t.name
    for t in foyer_schema().get_implementations(foyer_schema().type_map["Node"]).objects  # type: ignore[arg-type]
)
# Ids mostly of rows that may exist (this organisation's or another's), some of none.
_IDS = st.one_of(
    st.builds(to_global_id, st.sampled_from(NODE_TYPES), st.integers(1, 3000)),
    st.builds(to_global_id, st.sampled_from(NODE_TYPES), st.integers(-(2**70), 2**70)),
    st.text(max_size=30),
)
CUSTOM_SCALARS = {
    name: strategy.map(lambda value: StringValueNode(value=value))
    for name, strategy in {
        "ID": _IDS,
        # Mostly text a person could type, so operations get past the guard against control
        # characters (schema/text_guard.py) into the resolvers; sometimes anything at all.
        "String": st.one_of(
            st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=40),
            st.text(max_size=10),
        ),
        "Date": st.dates().map(str),
        "DateTime": st.datetimes(timezones=st.sampled_from([UTC, None])).map(
            lambda moment: moment.isoformat()
        ),
    }.items()
}
OPERATIONS = st.one_of(
    queries(foyer_schema(), custom_scalars=CUSTOM_SCALARS),
    mutations(foyer_schema(), custom_scalars=CUSTOM_SCALARS),
)


def unexpected(status: int, content_type: str, body: Any) -> str | None:
    """What is wrong with an answer, or None when it is one a client can read."""
    if status >= 500:
        return f"HTTP {status}"
    if not content_type.startswith("application/json") or not isinstance(body, dict):
        return f"not a JSON object ({content_type})"
    for error in body.get("errors") or []:
        if (error.get("extensions") or {}).get("code") == "INTERNAL":
            return f"INTERNAL: {error.get('message')}"
    return None


@pytest.fixture(params=["every role", "no credentials", "sales only"])
async def caller(request: pytest.FixtureRequest, api: Api) -> tuple[Api, str]:
    if request.param == "sales only":
        key = await api.key_with(Role.SALES)
    else:
        key = api.key if request.param == "every role" else ""
    return await seeded(api), key


@FUZZ
@given(document=OPERATIONS)
async def test_no_generated_operation_gets_an_answer_a_client_cannot_read(
    caller: tuple[Api, str], document: str
) -> None:
    api, key = caller
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = await api.client.post("/graphql", json={"query": document}, headers=headers)
    try:
        body = response.json()
    except ValueError:
        body = None
    problem = unexpected(response.status_code, response.headers.get("content-type", ""), body)
    if problem is None and (held := await checked_out_after(api, 10)):
        problem = f"{held} database connections still checked out after the answer"
    report = f"{problem}\nquery: {document}\nanswer: {response.text[:2000]}"
    if problem is not None and FINDINGS:
        with Path(FINDINGS).open("a", encoding="utf-8") as findings:  # noqa: ASYNC230 (a test's log)
            findings.write(f"{report}\n----\n")
        return
    assert problem is None, report
