"""Relationship types and relationships between customers, over HTTP."""

from __future__ import annotations

from typing import Any

from domain.roles import Role
from tests.conftest import Api
from tests.e2e.test_customers import create_individual

CREATE_TYPE = """
mutation($name: String!, $onBehalf: Boolean! = false) {
  createRelationshipType(input: {name: $name, actsOnBehalf: $onBehalf}) {
    relationshipType { id name actsOnBehalf }
    errors { code message field }
  }
}"""

RELATIONSHIP_FIELDS = """id startsOn endsOn ended type { name }
  fromCustomer { displayName } toCustomer { displayName }"""

ADD = f"""
mutation($input: AddRelationshipInput!) {{
  addRelationship(input: $input) {{
    relationship {{ {RELATIONSHIP_FIELDS} }}
    errors {{ code message field }}
  }}
}}"""

END = f"""
mutation($input: EndRelationshipInput!) {{
  endRelationship(input: $input) {{
    relationship {{ {RELATIONSHIP_FIELDS} }}
    errors {{ code message field }}
  }}
}}"""

RECORD = """
query($id: ID!, $ended: Boolean! = false) {
  customer(id: $id) {
    relationships(includeEnded: $ended) { id ended type { name }
      fromCustomer { displayName } toCustomer { displayName } }
    timeline { edges { node { type summary } } }
  }
}"""

TYPES = "{ relationshipTypes { id name actsOnBehalf } }"


async def create_type(api: Api, name: str, on_behalf: bool = False) -> dict[str, Any]:
    data = await api.data(CREATE_TYPE, {"name": name, "onBehalf": on_behalf})
    payload = data["createRelationshipType"]
    assert payload["errors"] == [], payload["errors"]
    return payload["relationshipType"]  # type: ignore[no-any-return]


async def add(api: Api, **fields: Any) -> dict[str, Any]:
    """The whole payload of `addRelationship`."""
    data = await api.data(ADD, {"input": fields})
    return data["addRelationship"]  # type: ignore[no-any-return]


async def related(api: Api, type_name: str = "Spouse") -> tuple[str, str, str, str]:
    """Ada is `type_name` of Charles: the type id, both customer ids and the relationship id."""
    kind = await create_type(api, type_name)
    ada = await create_individual(api, firstName="Ada", lastName="Lovelace")
    charles = await create_individual(api, firstName="Charles", lastName="Babbage")
    payload = await add(
        api, typeId=kind["id"], fromCustomerId=ada["id"], toCustomerId=charles["id"]
    )
    assert payload["errors"] == [], payload["errors"]
    return kind["id"], ada["id"], charles["id"], payload["relationship"]["id"]


async def record(api: Api, customer_id: str, include_ended: bool = False) -> dict[str, Any]:
    data = await api.data(RECORD, {"id": customer_id, "ended": include_ended})
    return data["customer"]  # type: ignore[no-any-return]


def timeline_types(customer: dict[str, Any]) -> list[str]:
    return [edge["node"]["type"] for edge in customer["timeline"]["edges"]]


async def test_only_settings_admins_define_relationship_types(api: Api) -> None:
    sales_only = await api.key_with(Role.SALES)
    refused = await api.call(CREATE_TYPE, {"name": "Spouse"}, key=sales_only)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "SETTINGS_ADMIN" in refused["errors"][0]["message"]
    assert (await api.data(TYPES))["relationshipTypes"] == []
    admin = await api.key_with(Role.SETTINGS_ADMIN)
    data = await api.data(CREATE_TYPE, {"name": "Employee", "onBehalf": True}, key=admin)
    assert data["createRelationshipType"]["errors"] == []
    assert data["createRelationshipType"]["relationshipType"]["actsOnBehalf"] is True


async def test_relationship_types_are_listed_by_name_for_their_organisation_only(
    api: Api, other_api: Api
) -> None:
    await create_type(api, "Trustee")
    await create_type(api, "Employee", on_behalf=True)
    await create_type(other_api, "Patron")
    listed = (await api.data(TYPES))["relationshipTypes"]
    assert [(t["name"], t["actsOnBehalf"]) for t in listed] == [
        ("Employee", True),
        ("Trustee", False),
    ]


async def test_a_duplicate_relationship_type_name_is_a_conflict(api: Api, other_api: Api) -> None:
    await create_type(api, "Spouse")
    data = await api.data(CREATE_TYPE, {"name": "  Spouse "})
    payload = data["createRelationshipType"]
    assert payload["relationshipType"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CONFLICT", ["name"])]
    assert [t["name"] for t in (await api.data(TYPES))["relationshipTypes"]] == ["Spouse"]
    await create_type(other_api, "Spouse")  # another organisation's names are its own


async def test_a_blank_or_overlong_relationship_type_name_is_invalid(api: Api) -> None:
    for name in ("   ", "x" * 10_000):
        data = await api.data(CREATE_TYPE, {"name": name})
        payload = data["createRelationshipType"]
        assert payload["relationshipType"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", ["name"])]
    assert (await api.data(TYPES))["relationshipTypes"] == []


async def test_a_relationship_shows_on_both_records_and_timelines(api: Api) -> None:
    _, ada, charles, relationship = await related(api)
    for customer_id, summary in (
        (ada, "Spouse of Charles Babbage."),
        (charles, "Ada Lovelace added as Spouse."),
    ):
        customer = await record(api, customer_id)
        assert customer["relationships"] == [
            {
                "id": relationship,
                "ended": False,
                "type": {"name": "Spouse"},
                "fromCustomer": {"displayName": "Ada Lovelace"},
                "toCustomer": {"displayName": "Charles Babbage"},
            }
        ]
        newest = customer["timeline"]["edges"][0]["node"]
        assert newest == {"type": "RELATIONSHIP_ADDED", "summary": summary}


async def test_a_customer_cannot_be_related_to_themselves(api: Api) -> None:
    kind = await create_type(api, "Spouse")
    ada = await create_individual(api, firstName="Ada", lastName="Lovelace")
    payload = await add(api, typeId=kind["id"], fromCustomerId=ada["id"], toCustomerId=ada["id"])
    assert payload["relationship"] is None
    assert [e["code"] for e in payload["errors"]] == ["CONFLICT"]
    customer = await record(api, ada["id"], include_ended=True)
    assert customer["relationships"] == []
    assert timeline_types(customer) == ["CUSTOMER_CREATED"]


async def test_a_relationship_cannot_end_before_it_starts(api: Api) -> None:
    kind = await create_type(api, "Employee")
    ada = await create_individual(api, firstName="Ada", lastName="Lovelace")
    charles = await create_individual(api, firstName="Charles", lastName="Babbage")
    payload = await add(
        api,
        typeId=kind["id"],
        fromCustomerId=ada["id"],
        toCustomerId=charles["id"],
        startsOn="2024-05-01",
        endsOn="2024-04-30",
    )
    assert payload["relationship"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", ["endsOn"])]
    for customer_id in (ada["id"], charles["id"]):
        customer = await record(api, customer_id, include_ended=True)
        assert customer["relationships"] == []
        assert timeline_types(customer) == ["CUSTOMER_CREATED"]


async def test_unknown_or_foreign_ids_are_not_found_on_their_field(
    api: Api, other_api: Api
) -> None:
    kind = await create_type(api, "Spouse")
    ada = await create_individual(api, firstName="Ada", lastName="Lovelace")
    charles = await create_individual(api, firstName="Charles", lastName="Babbage")
    foreign_type = await create_type(other_api, "Spouse")
    stranger = await create_individual(other_api, firstName="Stranger", lastName="Elsewhere")
    mine = {"typeId": kind["id"], "fromCustomerId": ada["id"], "toCustomerId": charles["id"]}
    for field, foreign in (
        ("typeId", foreign_type["id"]),
        ("fromCustomerId", stranger["id"]),
        ("toCustomerId", stranger["id"]),
    ):
        for wrong in (foreign, "nonsense", kind["id"] if field != "typeId" else ada["id"]):
            payload = await add(api, **{**mine, field: wrong})
            assert payload["relationship"] is None
            assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", [field])]
    for customer_id in (ada["id"], charles["id"]):
        customer = await record(api, customer_id, include_ended=True)
        assert customer["relationships"] == []
        assert timeline_types(customer) == ["CUSTOMER_CREATED"]
    assert (await record(other_api, stranger["id"]))["relationships"] == []


async def test_a_second_current_relationship_of_the_same_type_is_a_conflict(api: Api) -> None:
    kind, ada, charles, _ = await related(api)
    payload = await add(api, typeId=kind, fromCustomerId=ada, toCustomerId=charles)
    assert payload["relationship"] is None
    assert [e["code"] for e in payload["errors"]] == ["CONFLICT"]
    assert len((await record(api, ada))["relationships"]) == 1
    assert timeline_types(await record(api, charles)) == ["RELATIONSHIP_ADDED", "CUSTOMER_CREATED"]


async def test_an_ended_relationship_is_hidden_unless_asked_for(api: Api) -> None:
    _, ada, charles, relationship = await related(api)
    data = await api.data(END, {"input": {"relationshipId": relationship, "endsOn": "2025-01-31"}})
    ended = data["endRelationship"]
    assert ended["errors"] == []
    assert ended["relationship"]["ended"] is True
    assert ended["relationship"]["endsOn"] == "2025-01-31"
    for customer_id, summary in (
        (ada, "No longer Spouse of Charles Babbage."),
        (charles, "Ada Lovelace no longer Spouse."),
    ):
        assert (await record(api, customer_id))["relationships"] == []
        customer = await record(api, customer_id, include_ended=True)
        assert [(r["id"], r["ended"]) for r in customer["relationships"]] == [(relationship, True)]
        assert customer["timeline"]["edges"][0]["node"] == {
            "type": "RELATIONSHIP_ENDED",
            "summary": summary,
        }


async def test_ending_a_relationship_twice_is_a_conflict(api: Api) -> None:
    _, ada, _, relationship = await related(api)
    first = await api.data(END, {"input": {"relationshipId": relationship}})
    assert first["endRelationship"]["errors"] == []
    again = await api.data(END, {"input": {"relationshipId": relationship}})
    assert again["endRelationship"]["relationship"] is None
    assert [(e["code"], e["field"]) for e in again["endRelationship"]["errors"]] == [
        ("CONFLICT", ["relationshipId"])
    ]
    assert timeline_types(await record(api, ada)).count("RELATIONSHIP_ENDED") == 1


async def test_an_ended_relationship_can_be_recorded_again(api: Api) -> None:
    kind, ada, charles, relationship = await related(api)
    await api.data(END, {"input": {"relationshipId": relationship}})
    payload = await add(api, typeId=kind, fromCustomerId=ada, toCustomerId=charles)
    assert payload["errors"] == []
    assert len((await record(api, ada, include_ended=True))["relationships"]) == 2


async def test_another_organisation_cannot_end_a_relationship(api: Api, other_api: Api) -> None:
    _, ada, _, relationship = await related(api)
    data = await other_api.data(END, {"input": {"relationshipId": relationship}})
    assert [(e["code"], e["field"]) for e in data["endRelationship"]["errors"]] == [
        ("NOT_FOUND", ["relationshipId"])
    ]
    assert [r["ended"] for r in (await record(api, ada))["relationships"]] == [False]


async def test_relationships_and_their_types_are_nodes_of_their_organisation(
    api: Api, other_api: Api
) -> None:
    kind, _, _, relationship = await related(api)
    query = """query($id: ID!) { node(id: $id) { __typename id
      ... on Relationship { ended type { name } fromCustomer { displayName } }
      ... on RelationshipType { name actsOnBehalf } } }"""
    found = (await api.data(query, {"id": relationship}))["node"]
    assert found == {
        "__typename": "Relationship",
        "id": relationship,
        "ended": False,
        "type": {"name": "Spouse"},
        "fromCustomer": {"displayName": "Ada Lovelace"},
    }
    found_type = (await api.data(query, {"id": kind}))["node"]
    assert found_type == {
        "__typename": "RelationshipType",
        "id": kind,
        "name": "Spouse",
        "actsOnBehalf": False,
    }
    for global_id in (relationship, kind):
        assert (await other_api.data(query, {"id": global_id}))["node"] is None
