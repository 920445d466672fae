"""Creating, changing, finding and deactivating customers over HTTP."""

from __future__ import annotations

from typing import Any

from domain.roles import Role
from tests.conftest import Api

CREATE_INDIVIDUAL = """
mutation($input: CreateIndividualInput!) {
  createIndividual(input: $input) {
    individual { id reference displayName firstName lastName active
      emails { address primary } addresses { line1 postcode primary } tags
      attributes { key value protected } }
    errors { code message field }
  }
}"""

CUSTOMERS = """
query($search: String, $first: Int, $after: String, $inactive: Boolean!, $filter: CustomerFilter) {
  customers(search: $search, first: $first, after: $after, includeInactive: $inactive,
            filter: $filter) {
    edges { cursor node { id reference displayName active } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def create_individual(api: Api, **fields: Any) -> dict[str, Any]:
    data = await api.data(CREATE_INDIVIDUAL, {"input": {"lastName": "Smith", **fields}})
    payload = data["createIndividual"]
    assert payload["errors"] == [], payload["errors"]
    return payload["individual"]  # type: ignore[no-any-return]


async def search(api: Api, text: str | None, **options: Any) -> list[str]:
    variables = {"search": text, "inactive": False, **options}
    data = await api.data(CUSTOMERS, variables)
    return [edge["node"]["displayName"] for edge in data["customers"]["edges"]]


async def test_creating_an_individual_gives_a_reference_and_a_timeline_entry(api: Api) -> None:
    person = await create_individual(
        api,
        firstName="José",
        lastName="García",
        title="Dr",
        emails=[{"address": "jose@example.org"}],
        addresses=[{"line1": "1 High Street", "postcode": "SW1A 1AA"}],
        tags=["patron", "press"],
    )
    assert person["reference"].startswith("C-")
    assert person["displayName"] == "Dr José García"
    assert person["emails"] == [{"address": "jose@example.org", "primary": True}]
    assert person["addresses"][0]["primary"] is True
    data = await api.data(
        "query($id: ID!) { customer(id: $id) { timeline { edges { node { type summary } } } } }",
        {"id": person["id"]},
    )
    entries = data["customer"]["timeline"]["edges"]
    assert [e["node"]["type"] for e in entries] == ["CUSTOMER_CREATED"]


async def test_search_is_prefix_case_and_accent_insensitive(api: Api) -> None:
    await create_individual(api, firstName="José", lastName="García")
    await create_individual(api, firstName="Josephine", lastName="Baker")
    await create_individual(api, firstName="Ann", lastName="Jones")
    assert sorted(await search(api, "jose")) == ["Josephine Baker", "José García"]
    assert await search(api, "GARC") == ["José García"]
    assert await search(api, "josé garcía") == ["José García"]
    assert await search(api, "nobody") == []


async def test_search_finds_email_phone_postcode_and_reference(api: Api) -> None:
    person = await create_individual(
        api,
        firstName="Ada",
        lastName="Lovelace",
        emails=[{"address": "ada@example.org"}],
        phones=[{"number": "020 7946 0000"}],
        addresses=[{"line1": "1 St James's Square", "postcode": "SW1Y 4JU"}],
    )
    await create_individual(api, firstName="Alan", lastName="Turing")
    for query in (
        "ada@example.org",
        "ADA@EXAMPLE",
        "020 7946 0000",
        "02079460000",
        "sw1y 4ju",
        "SW1Y4JU",
        person["reference"],
        person["reference"][2:],
    ):
        assert await search(api, query) == ["Ada Lovelace"], query


async def test_validation_errors_name_every_field_and_write_nothing(api: Api) -> None:
    data = await api.data(
        CREATE_INDIVIDUAL,
        {
            "input": {
                "firstName": "x" * 10_000,
                "lastName": "  ",
                "emails": [{"address": "not-an-email"}],
                "phones": [{"number": "call me"}],
            }
        },
    )
    payload = data["createIndividual"]
    assert payload["individual"] is None
    fields = sorted(tuple(e["field"]) for e in payload["errors"])
    assert fields == [
        ("emails", "0", "address"),
        ("firstName",),
        ("lastName",),
        ("phones", "0", "number"),
    ]
    assert {e["code"] for e in payload["errors"]} == {"VALIDATION"}
    assert await search(api, None) == []


async def test_pages_are_stable_and_capped(api: Api) -> None:
    for i in range(7):
        await create_individual(api, firstName=f"Person{i}", lastName="Page")
    seen: list[str] = []
    after = None
    while True:
        data = await api.data(CUSTOMERS, {"first": 3, "after": after, "inactive": False})
        page = data["customers"]
        seen += [e["node"]["displayName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"Person{i} Page" for i in range(7)]
    too_many = await api.call(CUSTOMERS, {"first": 101, "inactive": False})
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "100" in too_many["errors"][0]["message"]
    bad_cursor = await api.call(CUSTOMERS, {"after": "garbage", "inactive": False})
    assert bad_cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_update_changes_only_what_is_given_and_records_it(api: Api) -> None:
    person = await create_individual(
        api, firstName="Grace", lastName="Hopper", emails=[{"address": "grace@example.org"}]
    )
    data = await api.data(
        """
      mutation($input: UpdateIndividualInput!) {
        updateIndividual(input: $input) {
          individual { firstName lastName emails { address } timeline { edges { node {
            type details { key value } } } } }
          errors { code field }
        }
      }""",
        {"input": {"customerId": person["id"], "lastName": "Murray Hopper"}},
    )
    updated = data["updateIndividual"]["individual"]
    assert updated["firstName"] == "Grace" and updated["lastName"] == "Murray Hopper"
    assert updated["emails"] == [{"address": "grace@example.org"}]
    newest = updated["timeline"]["edges"][0]["node"]
    assert newest["type"] == "DETAILS_CHANGED"
    assert {"key": "fields", "value": "lastName"} in newest["details"]


async def test_inactive_customers_are_hidden_unless_asked_for_by_fundraisers(api: Api) -> None:
    person = await create_individual(api, firstName="Ina", lastName="Active")
    data = await api.data(
        """mutation($id: ID!) { deactivateCustomer(input: {customerId: $id,
        reason: "Moved abroad"}) { customer { active } errors { code } } }""",
        {"id": person["id"]},
    )
    assert data["deactivateCustomer"] == {"customer": {"active": False}, "errors": []}
    assert await search(api, "ina") == []
    assert await search(api, "ina", inactive=True) == ["Ina Active"]
    sales_only = await api.key_with(Role.SALES)
    refused = await api.call(CUSTOMERS, {"search": "ina", "inactive": True}, key=sales_only)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    again = await api.data(
        """mutation($id: ID!) { deactivateCustomer(input: {customerId: $id})
        { customer { active } errors { code } } }""",
        {"id": person["id"]},
    )
    assert again["deactivateCustomer"]["errors"] == [{"code": "CONFLICT"}]


async def test_another_organisations_customer_looks_missing(api: Api, other_api: Api) -> None:
    person = await create_individual(api, firstName="Private", lastName="Person")
    data = await other_api.data(
        "query($id: ID!) { customer(id: $id) { id } node(id: $id) { id } }", {"id": person["id"]}
    )
    assert data == {"customer": None, "node": None}
    assert await search(other_api, "private") == []
    update = await other_api.data(
        """mutation($id: ID!) { updateIndividual(input: {customerId: $id,
        firstName: "Hacked"}) { individual { id } errors { code field } } }""",
        {"id": person["id"]},
    )
    assert update["updateIndividual"]["errors"] == [{"code": "NOT_FOUND", "field": ["customerId"]}]
    unknown = await other_api.data("""mutation { updateIndividual(input: {customerId: "nonsense",
        firstName: "X"}) { errors { code field } } }""")
    assert unknown["updateIndividual"]["errors"] == update["updateIndividual"]["errors"]
    still = await api.data(
        "query($id: ID!) { customer(id: $id) { displayName } }", {"id": person["id"]}
    )
    assert still["customer"]["displayName"] == "Private Person"
