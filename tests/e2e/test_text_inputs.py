"""User text is cleaned by the domain's text rules, and text no field accepts is refused
before anything runs, in every field and mutation that takes a string."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.e2e.schema_calls import aliased_calls, root_fields, takes
from tests.e2e.test_customers import CREATE_INDIVIDUAL, create_individual, search

STRING_TAKING_FIELDS = [
    root for root in root_fields() if any(takes("String", a.type) for a in root.field.args.values())
]


def codes(result: dict[str, object]) -> list[object]:
    return [(e.get("extensions") or {}).get("code") for e in result.get("errors", [])]  # type: ignore[attr-defined]


def test_the_schema_has_the_string_taking_fields_this_test_walks() -> None:
    names = {root.name for root in STRING_TAKING_FIELDS}
    assert {"customers", "createIndividual", "recordOrder", "saveReminderSettings"} <= names


@pytest.mark.parametrize("root", STRING_TAKING_FIELDS, ids=lambda root: root.name)
async def test_every_field_taking_a_string_refuses_a_nul_before_it_runs(
    api: Api, root: object
) -> None:
    document, variables = aliased_calls(root, "String", ["Smith\x00", "\x1b[31mred", "\x85"])  # type: ignore[arg-type]
    result = await api.call(document, variables)
    assert result["data"] is None
    assert codes(result) == ["BAD_USER_INPUT"], result


async def test_a_nul_in_a_string_literal_of_the_query_is_refused(api: Api) -> None:
    result = await api.call('{ customers(search: "smi\\u0000th") { edges { cursor } } }')
    assert codes(result) == ["BAD_USER_INPUT"]
    assert "U+0000" in result["errors"][0]["message"]  # type: ignore[index]


async def test_nothing_is_written_when_a_name_holds_a_control_character(api: Api) -> None:
    result = await api.call(CREATE_INDIVIDUAL, {"input": {"lastName": "Smith\x07"}})
    assert codes(result) == ["BAD_USER_INPUT"]
    assert await search(api, "smith") == []


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200d", "\ufeff\u2060"])
async def test_a_name_made_only_of_invisible_characters_is_a_validation_error(
    api: Api, name: str
) -> None:
    payload = (await api.data(CREATE_INDIVIDUAL, {"input": {"lastName": name}}))["createIndividual"]
    assert payload["individual"] is None
    assert payload["errors"] == [
        {
            "code": "VALIDATION",
            "message": "Must contain a visible character.",
            "field": ["lastName"],
        }
    ]


async def test_a_tab_inside_a_name_is_a_validation_error_on_that_field(api: Api) -> None:
    payload = (await api.data(CREATE_INDIVIDUAL, {"input": {"lastName": "Smith\tJones"}}))[
        "createIndividual"
    ]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", ["lastName"])]


async def test_names_are_kept_in_nfc_without_invisible_edges(api: Api) -> None:
    created = await create_individual(api, firstName="\u200bJose\u0301\ufeff", lastName="Smith")
    assert created["firstName"] == "Jos\u00e9"
    assert await search(api, "jose\u0301") == ["Jos\u00e9 Smith"]


@pytest.mark.parametrize("term", ["\U0010ffff", "smith\U0010ffff", "\ud7ff", "\u200b", "\t"])
async def test_searching_for_any_visible_text_never_fails(api: Api, term: str) -> None:
    await create_individual(api, lastName="Smith")
    assert await search(api, term) in ([], ["Smith"])
