"""A moment without its UTC offset, or one that leaves the years a datetime holds once in UTC,
is refused when the input is read, in every field and mutation that takes a `DateTime`."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.e2e.schema_calls import aliased_calls, root_fields, takes

MOMENT_TAKING_FIELDS = [
    root
    for root in root_fields()
    if any(takes("DateTime", a.type) for a in root.field.args.values())
]
NO_MOMENTS = ["2027-03-01T19:30:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"]


def test_the_schema_has_the_moment_taking_fields_this_test_walks() -> None:
    names = {root.name for root in MOMENT_TAKING_FIELDS}
    assert {"eventInstances", "customers", "saveEventInstance", "recordOrder"} <= names


@pytest.mark.parametrize("root", MOMENT_TAKING_FIELDS, ids=lambda root: root.name)
@pytest.mark.parametrize("moment", NO_MOMENTS)
async def test_every_field_taking_a_moment_refuses_one_it_cannot_place_in_utc(
    api: Api, root: object, moment: str
) -> None:
    document, variables = aliased_calls(root, "DateTime", [moment])  # type: ignore[arg-type]
    result = await api.call(document, variables)
    assert result["data"] is None
    assert result["errors"], result
    for error in result["errors"]:
        assert "UTC" in error["message"], error
        assert (error.get("extensions") or {}).get("code") != "INTERNAL"


async def test_a_moment_with_its_offset_is_read_as_that_moment(api: Api) -> None:
    data = await api.data(
        "query($b: DateTime) { eventInstances(startsBefore: $b) { edges { cursor } } }",
        {"b": "2027-03-01T20:30:00+01:00"},
    )
    assert data == {"eventInstances": {"edges": []}}
