"""Global ids that name no row of ours, however they are malformed, are not found: never an
unexpected error, in any field or mutation that takes an id, nor in the download route."""

from __future__ import annotations

import base64

import pytest

from resolvers.global_ids import LARGEST_ROW_ID, parse_global_id, to_global_id
from tests.conftest import Api
from tests.e2e.schema_calls import aliased_calls, foyer_schema, root_fields, takes

BEYOND_64_BITS = 99999999999999999999999


def _encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def node_type_names() -> list[str]:
    schema = foyer_schema()
    return sorted(t.name for t in schema.get_implementations(schema.type_map["Node"]).objects)  # type: ignore[arg-type]


def in_batches(ids: list[str], size: int = 20) -> list[list[str]]:
    """Within the alias limit of one request, however many node types there are."""
    return [ids[n : n + size] for n in range(0, len(ids), size)]


def hostile_ids() -> list[str]:
    """An id beyond 64 bits for every type, and malformed ids of other kinds."""
    return [
        *(to_global_id(name, BEYOND_64_BITS) for name in node_type_names()),
        _encoded("Job:-1"),
        _encoded("Order:0"),
        _encoded("Individual:forty-two"),
        "!!not base64!!",
    ]


@pytest.mark.parametrize(
    "text",
    [
        f"Job:{LARGEST_ROW_ID + 1}",
        f"Job:{BEYOND_64_BITS}",
        "Job:-1",
        "Job:0",
        "Job:+7",
        "Job: 7",
        "Job:7_0",
        "Job:\u0667",  # an Arabic-Indic seven: int() would accept it
        "Job:" + "9" * 5000,  # int() refuses this many digits with its own error
        "Job",
        ":7",
    ],
)
def test_an_id_whose_number_cannot_be_a_row_names_nothing(text: str) -> None:
    assert parse_global_id(_encoded(text)) is None


@pytest.mark.parametrize("garbage", ["", "!!!", "é", "\ud800", "A" * 100_000, "Sm9i"])
def test_a_malformed_id_names_nothing(garbage: str) -> None:
    assert parse_global_id(garbage) is None


def test_the_largest_row_id_is_still_an_id() -> None:
    assert parse_global_id(to_global_id("Job", LARGEST_ROW_ID)) == ("Job", LARGEST_ROW_ID)


ID_TAKING_FIELDS = [
    root for root in root_fields() if any(takes("ID", a.type) for a in root.field.args.values())
]


def test_the_schema_has_the_id_taking_fields_this_test_walks() -> None:
    names = {root.name for root in ID_TAKING_FIELDS}
    assert {"node", "job", "customer", "order", "recordOrder", "payInstalment"} <= names


@pytest.mark.parametrize("root", ID_TAKING_FIELDS, ids=lambda root: root.name)
async def test_every_field_taking_an_id_answers_a_hostile_id_without_an_unexpected_error(
    api: Api, root: object
) -> None:
    for ids in in_batches(hostile_ids()):
        document, variables = aliased_calls(root, "ID", ids)  # type: ignore[arg-type]
        result = await api.call(document, variables)
        codes = [(e.get("extensions") or {}).get("code") for e in result.get("errors", [])]
        assert "INTERNAL" not in codes, result["errors"]
        assert all(code is not None for code in codes), result["errors"]


@pytest.mark.parametrize("field", ["node", "job", "customer", "order"])
async def test_reading_by_an_id_beyond_64_bits_is_null(api: Api, field: str) -> None:
    root = next(root for root in root_fields() if root.name == field)
    for ids in in_batches(hostile_ids()):
        document, variables = aliased_calls(root, "ID", ids)
        result = await api.data(document, variables)
        assert set(result.values()) == {None}


async def test_downloading_a_job_beyond_64_bits_is_not_found(api: Api) -> None:
    for job_id in hostile_ids():
        response = await api.client.get(
            f"/downloads/jobs/{job_id}", headers={"Authorization": f"Bearer {api.key}"}
        )
        assert response.status_code == 404, (job_id, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
