"""`customer(id)` and `customers(first:)` read the customers and the lists their selection
asks for in one statement; what they answer is what the dataloaders (which `node(id)` still
uses) answer."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api, StatementCounter
from tests.e2e.test_statement_counts import generate

PEOPLE = "id displayName reference active createdAt ... on Individual { firstName lastName }"
# Every field of the planned lists, and some that are not planned (read by the loaders).
FIELDS = {
    "reference": "reference",
    "displayName": "displayName",
    "emails": "emails { address label primary }",
    "phones": "phones { number label primary }",
    "addresses": "addresses { line1 line2 city region postcode country primary }",
    "primaryAddress": "primaryAddress { line1 postcode }",
    "tags": "tags",
    "attributes": "attributes { key value }",
    "relationships": f"""relationships {{ id startsOn endsOn ended type {{ id name actsOnBehalf }}
        fromCustomer {{ {PEOPLE} }} toCustomer {{ {PEOPLE} }} }}""",
    "endedToo": "endedToo: relationships(includeEnded: true) { id ended }",
    "household": "... on Individual { household { name } }",
    "individual": "... on Individual { title firstName lastName dateOfDeath }",
}
REFERENCE = "query($id: ID!) { node(id: $id) { ... on Customer { reference } } }"
# Every list of 50 customers costs under the limit (MAX_COST); the related customer the
# selections are tried on is found among them, so it is on their pages too.
PAGE = 50
WITH_LISTS = f"""{{ customers(first: {PAGE}) {{ edges {{ node {{ id
  relationships(includeEnded: true) {{ id }} emails {{ address }} phones {{ number }}
  addresses {{ line1 }} tags attributes {{ key }} }} }} }} }}"""


async def related_customer(api: Api) -> str:
    """The customer with the longest lists (so that their order shows) among those with
    relationships."""
    generate(api, 60)
    nodes = [e["node"] for e in (await api.data(WITH_LISTS))["customers"]["edges"]]
    related = [n for n in nodes if n["relationships"]]
    lists = ("emails", "phones", "addresses", "tags", "attributes", "relationships")
    best = max(related, key=lambda n: sum(len(n[name]) > 1 for name in lists))
    assert sum(len(best[name]) > 1 for name in lists) >= 2, best
    return best["id"]  # type: ignore[no-any-return]


def both_ways(fields: list[str], page: int = PAGE) -> tuple[str, str, str, str]:
    """Planned by id, planned in a page, planned in a searched page, and through the
    dataloaders."""
    selection = "id " + " ".join(FIELDS[f] for f in fields)
    return (
        f"query($id: ID!) {{ customer(id: $id) {{ {selection} }} }}",
        f"{{ customers(first: {page}) {{ edges {{ node {{ {selection} }} }} }} }}",
        f"""query($search: String!) {{ customers(search: $search, first: {page}) {{
            edges {{ node {{ {selection} }} }} }} }}""",
        f"query($id: ID!) {{ node(id: $id) {{ ... on Customer {{ {selection} }} }} }}",
    )


async def test_customer_by_id_with_emails_addresses_and_relationships_is_one_statement(
    api: Api, statements: StatementCounter
) -> None:
    customer = await related_customer(api)
    planned, _, _, _ = both_ways(["emails", "addresses", "relationships"])
    await api.data("{ viewer { name } }")  # the caller is known
    statements.count = 0

    found = (await api.data(planned, {"id": customer}))["customer"]

    assert found["relationships"] and found["emails"] is not None
    assert statements.count == 1


async def test_a_page_of_100_customers_with_emails_and_addresses_is_one_statement(
    api: Api, statements: StatementCounter
) -> None:
    generate(api, 120)
    _, listing, _, _ = both_ways(["reference", "displayName", "emails", "addresses"], 100)
    await api.data("{ viewer { name } }")  # the caller is known
    statements.count = 0

    page = [e["node"] for e in (await api.data(listing))["customers"]["edges"]]

    assert len(page) == 100
    assert any(c["emails"] for c in page) and any(c["addresses"] for c in page)
    assert statements.count == 1


def selections(fields: dict[str, str], examples: int) -> Any:
    """Hypothesis over subsets of `fields` (by name), for a test taking `fields`: the
    selections a planned read must answer as the dataloaders do."""
    chosen = settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    return lambda test: chosen(
        given(fields=st.lists(st.sampled_from(sorted(fields)), min_size=1, unique=True))(test)
    )


@selections(FIELDS, 25)
async def test_the_planned_customer_is_what_the_dataloaders_answer(
    api: Api, fields: list[str]
) -> None:
    if not hasattr(api, "related"):
        api.related = await related_customer(api)  # type: ignore[attr-defined]
        known = await api.data(REFERENCE, {"id": api.related})  # type: ignore[attr-defined]
        api.related_reference = known["node"]["reference"]  # type: ignore[attr-defined]
    by_id, in_page, in_search, loaded = both_ways(fields)
    variables: dict[str, Any] = {"id": api.related}  # type: ignore[attr-defined]
    reference = {"search": api.related_reference}  # type: ignore[attr-defined]

    from_plan = (await api.data(by_id, variables))["customer"]
    page = [e["node"] for e in (await api.data(in_page))["customers"]["edges"]]
    found = [e["node"] for e in (await api.data(in_search, reference))["customers"]["edges"]]
    from_loaders = (await api.data(loaded, variables))["node"]

    assert from_plan == from_loaders
    assert [c for c in page if c["id"] == api.related] == [from_loaders]  # type: ignore[attr-defined]
    assert [c for c in found if c["id"] == api.related] == [from_loaders]  # type: ignore[attr-defined]
