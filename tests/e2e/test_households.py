"""Households: Individuals living together, one of them the primary householder."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.e2e.test_customers import create_individual

HOUSEHOLD_FIELDS = """id name primaryHouseholder { displayName } members { displayName }"""

CREATE = f"""
mutation($input: CreateHouseholdInput!) {{
  createHousehold(input: $input) {{
    household {{ {HOUSEHOLD_FIELDS} }}
    errors {{ code message field }}
  }}
}}"""


def member_mutation(name: str) -> str:
    """`addHouseholdMember`, `removeHouseholdMember` or `setPrimaryHouseholder`."""
    return f"""
mutation($household: ID!, $customer: ID!) {{
  {name}(input: {{householdId: $household, customerId: $customer}}) {{
    household {{ {HOUSEHOLD_FIELDS} }}
    errors {{ code message field }}
  }}
}}"""


ADD_MEMBER = member_mutation("addHouseholdMember")
REMOVE_MEMBER = member_mutation("removeHouseholdMember")
SET_PRIMARY = member_mutation("setPrimaryHouseholder")

PERSON = f"""
query($id: ID!) {{
  customer(id: $id) {{
    ... on Individual {{ household {{ {HOUSEHOLD_FIELDS} }} }}
    timeline {{ edges {{ node {{ type summary }} }} }}
  }}
}}"""


async def person(api: Api, first_name: str, last_name: str = "Curie") -> str:
    return (await create_individual(api, firstName=first_name, lastName=last_name))["id"]  # type: ignore[no-any-return]


async def create_household(api: Api, primary: str, *members: str, **fields: Any) -> dict[str, Any]:
    """The whole payload of `createHousehold`."""
    variables = {"input": {"primaryHouseholderId": primary, "memberIds": list(members), **fields}}
    return (await api.data(CREATE, variables))["createHousehold"]  # type: ignore[no-any-return]


async def household_of(api: Api, primary: str, *members: str) -> dict[str, Any]:
    payload = await create_household(api, primary, *members)
    assert payload["errors"] == [], payload["errors"]
    return payload["household"]  # type: ignore[no-any-return]


async def change(api: Api, mutation: str, household: str, customer: str) -> dict[str, Any]:
    data = await api.data(mutation, {"household": household, "customer": customer})
    return next(iter(data.values()))  # type: ignore[no-any-return]


async def record(api: Api, customer_id: str) -> dict[str, Any]:
    return (await api.data(PERSON, {"id": customer_id}))["customer"]  # type: ignore[no-any-return]


def timeline(customer: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["node"]["type"], e["node"]["summary"]) for e in customer["timeline"]["edges"]]


def names(people: list[dict[str, str]]) -> list[str]:
    return sorted(p["displayName"] for p in people)


def problems(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_creating_a_household_makes_the_primary_a_member_and_records_it(api: Api) -> None:
    marie = await person(api, "Marie")
    pierre = await person(api, "Pierre")
    household = await household_of(api, marie, pierre)
    assert household["name"] == "Curie household"
    assert household["primaryHouseholder"] == {"displayName": "Marie Curie"}
    assert names(household["members"]) == ["Marie Curie", "Pierre Curie"]
    for member in (marie, pierre):
        customer = await record(api, member)
        assert customer["household"] == household
        assert timeline(customer)[0] == ("HOUSEHOLD_JOINED", "Joined household Curie household.")


async def test_a_household_may_be_given_its_own_name(api: Api) -> None:
    marie = await person(api, "Marie")
    payload = await create_household(api, marie, name="  The Curies ")
    assert payload["household"]["name"] == "The Curies"
    overlong = await create_household(api, await person(api, "Ève"), name="x" * 10_000)
    assert overlong["household"] is None
    assert problems(overlong) == [("VALIDATION", ["name"])]


async def test_a_second_household_for_the_same_person_is_a_conflict(api: Api) -> None:
    marie = await person(api, "Marie")
    first = await household_of(api, marie)
    irene = await person(api, "Irène", "Joliot-Curie")
    for primary, members, field in (
        (marie, (), "primaryHouseholderId"),
        (irene, (marie,), "memberIds"),
    ):
        payload = await create_household(api, primary, *members)
        assert payload["household"] is None
        assert problems(payload) == [("CONFLICT", [field])]
    assert (await record(api, marie))["household"] == first
    irene_now = await record(api, irene)
    assert irene_now["household"] is None
    assert [kind for kind, _ in timeline(irene_now)] == ["CUSTOMER_CREATED"]


async def test_an_organisation_cannot_be_a_household_member(api: Api) -> None:
    marie = await person(api, "Marie")
    data = await api.data(
        """mutation { createOrganisation(input: {name: "Radium Institute"}) {
        organisation { id } errors { code } } }"""
    )
    institute = data["createOrganisation"]["organisation"]["id"]
    as_primary = await create_household(api, institute)
    assert problems(as_primary) == [("NOT_FOUND", ["primaryHouseholderId"])]
    as_member = await create_household(api, marie, institute)
    assert problems(as_member) == [("NOT_FOUND", ["memberIds"])]
    household = await household_of(api, marie)
    joined = await change(api, ADD_MEMBER, household["id"], institute)
    assert problems(joined) == [("NOT_FOUND", ["customerId"])]
    assert (await record(api, marie))["household"] == household


async def test_adding_a_member_puts_them_in_the_household(api: Api) -> None:
    marie = await person(api, "Marie")
    household = await household_of(api, marie)
    eve = await person(api, "Ève")
    payload = await change(api, ADD_MEMBER, household["id"], eve)
    assert payload["errors"] == []
    assert names(payload["household"]["members"]) == ["Marie Curie", "Ève Curie"]
    eve_now = await record(api, eve)
    assert eve_now["household"]["id"] == household["id"]
    assert timeline(eve_now)[0][0] == "HOUSEHOLD_JOINED"
    again = await change(api, ADD_MEMBER, household["id"], eve)
    assert problems(again) == [("CONFLICT", ["customerId"])]


async def test_the_primary_householder_leaves_last(api: Api) -> None:
    marie = await person(api, "Marie")
    pierre = await person(api, "Pierre")
    household = await household_of(api, marie, pierre)
    refused = await change(api, REMOVE_MEMBER, household["id"], marie)
    assert refused["household"] is None
    assert problems(refused) == [("CONFLICT", ["customerId"])]
    assert (await record(api, marie))["household"] == household
    left = await change(api, REMOVE_MEMBER, household["id"], pierre)
    assert left["errors"] == []
    assert names(left["household"]["members"]) == ["Marie Curie"]
    pierre_now = await record(api, pierre)
    assert pierre_now["household"] is None
    assert timeline(pierre_now)[0] == ("HOUSEHOLD_LEFT", "Left household Curie household.")


async def test_the_last_member_leaving_removes_the_household(api: Api) -> None:
    marie = await person(api, "Marie")
    household = await household_of(api, marie)
    left = await change(api, REMOVE_MEMBER, household["id"], marie)
    assert left == {"household": None, "errors": []}
    marie_now = await record(api, marie)
    assert marie_now["household"] is None
    assert timeline(marie_now)[0][0] == "HOUSEHOLD_LEFT"
    node = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": household["id"]})
    assert node["node"] is None
    assert (await household_of(api, marie))["members"] == [{"displayName": "Marie Curie"}]


async def test_the_primary_householder_can_be_handed_over(api: Api) -> None:
    marie = await person(api, "Marie")
    pierre = await person(api, "Pierre")
    household = await household_of(api, marie, pierre)
    payload = await change(api, SET_PRIMARY, household["id"], pierre)
    assert payload["errors"] == []
    assert payload["household"]["primaryHouseholder"] == {"displayName": "Pierre Curie"}
    assert timeline(await record(api, pierre))[0] == (
        "PRIMARY_HOUSEHOLDER_CHANGED",
        "Now primary householder of Curie household.",
    )
    left = await change(api, REMOVE_MEMBER, household["id"], marie)
    assert left["errors"] == []
    assert (await record(api, pierre))["household"]["members"] == [{"displayName": "Pierre Curie"}]


async def test_only_a_member_can_become_primary_householder(api: Api) -> None:
    marie = await person(api, "Marie")
    household = await household_of(api, marie)
    outsider = await person(api, "Paul", "Langevin")
    payload = await change(api, SET_PRIMARY, household["id"], outsider)
    assert payload["household"] is None
    assert problems(payload) == [("CONFLICT", ["customerId"])]
    assert (await record(api, marie))["household"]["primaryHouseholder"] == {
        "displayName": "Marie Curie"
    }
    assert [kind for kind, _ in timeline(await record(api, outsider))] == ["CUSTOMER_CREATED"]


async def test_another_organisations_household_looks_missing(api: Api, other_api: Api) -> None:
    marie = await person(api, "Marie")
    household = await household_of(api, marie)
    stranger = await person(other_api, "Stranger")
    for mutation in (ADD_MEMBER, REMOVE_MEMBER, SET_PRIMARY):
        payload = await change(other_api, mutation, household["id"], stranger)
        assert problems(payload) == [("NOT_FOUND", ["householdId"])], mutation
        unknown = await change(other_api, mutation, "nonsense", stranger)
        assert problems(unknown) == problems(payload)
    node = await other_api.data("query($id: ID!) { node(id: $id) { id } }", {"id": household["id"]})
    assert node["node"] is None
    assert (await record(api, marie))["household"] == household
    assert (await record(other_api, stranger))["household"] is None
    foreign_member = await change(api, ADD_MEMBER, household["id"], stranger)
    assert problems(foreign_member) == [("NOT_FOUND", ["customerId"])]
