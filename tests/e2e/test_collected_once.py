"""An operation's selections are collected once and shared by the requests running it
(schema/collected.py), except where a directive or a variable can change them: the
answers are the same as when each request collected its own."""

from __future__ import annotations

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from graphql.execution.collect_fields import FragmentDetails

from schema.collected import collected_for, collected_kept
from tests.conftest import Api
from tests.e2e.test_statement_counts import generate

PAGE = """query($first: Int!) { customers(first: $first) { edges { node {
  ...Who emails { address } ... on Individual { firstName } } } } }
fragment Who on Customer { id reference }"""
SKIPPING = """query($emails: Boolean!) { customers(first: 3) { edges { node {
  reference emails @include(if: $emails) { address } } } } }"""


def operation_and_fragments(
    text: str,
) -> tuple[OperationDefinitionNode, dict[str, FragmentDetails]]:
    definitions = parse(text).definitions
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: FragmentDetails(d)
        for d in definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    return operations[0], fragments


def test_an_operation_is_collected_once_unless_a_directive_can_change_it() -> None:
    operation, fragments = operation_and_fragments(PAGE)
    shared = collected_for(operation, fragments)
    assert shared is not None
    assert collected_for(operation, fragments) is shared
    for text in (SKIPPING, PAGE.replace("...Who", "...Who @skip(if: false)")):
        operation, fragments = operation_and_fragments(text)
        assert collected_for(operation, fragments) is None


async def test_requests_sharing_a_collection_answer_each_as_its_own(api: Api) -> None:
    generate(api, 12)
    small = await api.data(PAGE, {"first": 2})
    large = await api.data(PAGE, {"first": 10})
    assert large["customers"]["edges"][:2] == small["customers"]["edges"]
    nodes = [e["node"] for e in large["customers"]["edges"]]
    assert len(nodes) == 10 and all(set(n) >= {"id", "reference", "emails"} for n in nodes)
    assert (await api.data(PAGE, {"first": 10})) == large


async def test_a_variable_directive_is_read_on_every_request(api: Api) -> None:
    generate(api, 5)
    with_emails = await api.data(SKIPPING, {"emails": True})
    without = await api.data(SKIPPING, {"emails": False})
    assert all("emails" in e["node"] for e in with_emails["customers"]["edges"])
    assert all("emails" not in e["node"] for e in without["customers"]["edges"])
    assert (await api.data(SKIPPING, {"emails": True})) == with_emails


async def test_what_is_kept_for_an_operation_does_not_grow_with_its_requests(api: Api) -> None:
    generate(api, 3)
    await api.data(PAGE, {"first": 3})
    shared = next(
        entry
        for operation, entry in collected_kept()
        if entry is not None and "Who" in str(operation.loc.source.body if operation.loc else "")
    )
    sizes = (len(shared.subfields), len(shared.plans), len(shared.object_plans))
    for _ in range(5):
        await api.data(PAGE, {"first": 3})
    assert (len(shared.subfields), len(shared.plans), len(shared.object_plans)) == sizes
