"""Segments through the API: saving, reading, evaluating, freezing and exporting, with the
roles and sharing rule applied on every path, every id checked to be the organisation's, and
bad criteria refused with typed errors naming their path."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from domain.roles import Role
from infra.composition import Runtime
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.e2e.test_returns_reservations_visits import pk
from tests.integration.segment_world import World, build_world
from workers.dependencies import WorkerDependencies
from workers.segment_export import export_segment

SAVE = """
mutation($input: SaveSegmentInput!) {
  saveSegment(input: $input) {
    segment { id name shared owner criteria count }
    errors { code message field }
  }
}"""
SEGMENT = """
query($id: ID!, $by: BreakdownBy!) {
  segment(id: $id) {
    name count
    customers(first: 3) {
      edges { node { ... on Individual { firstName } ... on Organisation { name } } }
      pageInfo { hasNextPage endCursor }
    }
    breakdown(by: $by) { key label customers spent { amount currency } }
  }
}"""
COUNT = "query($id: ID!) { segment(id: $id) { count } }"
LIST = "query { segments(first: 50) { edges { node { id name shared } } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Segment { name } } }"
PREVIEW = """
query($criteria: SegmentCriterionInput!) {
  previewSegment(criteria: $criteria, first: 2) {
    count customers { edges { node { id } } pageInfo { hasNextPage } }
  }
}"""
FREEZE = """
mutation($id: ID!) {
  freezeSegment(segmentId: $id) {
    customerList { id size name segment { id } } errors { code field }
  }
}"""
EXPORT = """
mutation($id: ID!, $format: ExportFormat!) {
  exportSegment(segmentId: $id, format: $format) { job { id status } errors { code field } }
}"""
JOB = "query($id: ID!) { job(id: $id) { status error downloadUrl } }"
SET_BANDS = """
mutation($r: [Int!]!, $f: [Int!]!, $m: [Int!]!) {
  setRfmBands(recencyDays: $r, frequencyOrders: $f, monetary: $m) {
    bands { recencyDays frequencyOrders monetary { amount } } errors { code field }
  }
}"""
MEASURES = """
query($year: Int!) { insights { measures(year: $year) {
  year { year donorRetention { part whole } averageGift { amount currency } gifts emailOptIn }
  yearBefore { year donorRetention { part whole } gifts }
} } }"""

VIP = {"tag": {"tag": "vip"}}


def gid(type_name: str, world: World, name: str) -> str:
    return to_global_id(type_name, world.ids[name])


async def save(api: Api, criteria: dict[str, Any], key: str | None = None, **more: Any) -> Any:
    variables = {"input": {"name": "Segment", "criteria": criteria, **more}}
    return (await api.data(SAVE, variables, key))["saveSegment"]


async def refused_to_save(
    api: Api, criteria: dict[str, Any], key: str | None = None, **more: Any
) -> list[tuple[str, Any]]:
    """The access refusals of a save: top-level errors with their code and the argument
    that asked for too much, nothing in the payload (README: "Where an error comes")."""
    variables = {"input": {"name": "Segment", "criteria": criteria, **more}}
    answer = await api.call(SAVE, variables, key)
    assert answer["data"] is None, answer
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in answer["errors"]]


async def saved(api: Api, criteria: dict[str, Any], key: str | None = None, **more: Any) -> str:
    payload = await save(api, criteria, key, **more)
    assert payload["errors"] == [], payload["errors"]
    return payload["segment"]["id"]  # type: ignore[no-any-return]


async def test_a_saved_segment_counts_lists_and_breaks_down_its_members(
    api: Api, runtime: Runtime
) -> None:
    world = build_world(runtime.sync_engine, api.slug)
    criteria = {
        "all": [
            {"consent": {"state": "GRANTED", "kind": "EMAIL"}},
            {
                "booking": {
                    "partnerCompanyId": gid("PartnerCompany", world, "P"),
                    "performed": {"withinLastDays": 365},
                }
            },
            {"donation": {"total": {"min": 10001}}},
        ]
    }
    segment = await saved(api, criteria)
    found = (await api.data(SEGMENT, {"id": segment, "by": "MONETARY_BAND"}))["segment"]
    assert found["count"] == 1
    assert [e["node"]["firstName"] for e in found["customers"]["edges"]] == ["ann"]
    assert found["breakdown"] == [
        {"key": "3", "label": "3", "customers": 1, "spent": {"amount": 20000, "currency": "GBP"}}
    ]
    everyone = await saved(api, {"not": VIP})
    page = (await api.data(SEGMENT, {"id": everyone, "by": "CUSTOMER_KIND"}))["segment"]
    assert page["count"] == 4
    assert page["customers"]["pageInfo"]["hasNextPage"] is True
    assert sum(b["customers"] for b in page["breakdown"]) == 4


async def test_preview_evaluates_without_saving(api: Api, runtime: Runtime) -> None:
    build_world(runtime.sync_engine, api.slug)
    preview = await api.data(
        PREVIEW, {"criteria": {"any": [VIP, {"kind": {"kind": "ORGANISATION"}}]}}
    )
    assert preview["previewSegment"]["count"] == 3
    assert len(preview["previewSegment"]["customers"]["edges"]) == 2
    assert preview["previewSegment"]["customers"]["pageInfo"]["hasNextPage"] is True
    assert (await api.data(LIST))["segments"]["edges"] == []


async def test_bad_criteria_are_typed_errors_naming_their_path_and_save_nothing(
    api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    bad = {"all": [VIP, {"booking": {"orders": {"min": 3, "max": 1}}}]}
    payload = await save(api, bad)
    assert payload["segment"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", ["criteria", "all", "1", "booking", "orders", "max"])
    ]
    lapsing = {"membership": {"state": "LAPSING"}}
    assert (await save(api, lapsing))["errors"][0]["field"] == [
        "criteria",
        "membership",
        "withinDays",
    ]
    assert (await save(api, {"any": []}))["errors"][0]["field"] == ["criteria", "any"]
    assert (await save(api, VIP, name=" "))["errors"][0]["field"] == ["name"]
    deep: dict[str, Any] = VIP
    for _ in range(12):
        deep = {"not": deep}
    assert (await save(api, deep))["errors"][0]["code"] == "VALIDATION"
    refused = await api.call(PREVIEW, {"criteria": bad})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "criteria.all.1.booking.orders.max" in refused["errors"][0]["message"]
    two = await api.call(
        PREVIEW, {"criteria": {"tag": {"tag": "a"}, "kind": {"kind": "INDIVIDUAL"}}}
    )
    assert "errors" in two
    assert (await api.data(LIST))["segments"]["edges"] == []


async def test_every_id_in_criteria_must_be_the_organisations(
    api: Api, other_api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    theirs = build_world(runtime.sync_engine, other_api.slug)
    for criterion, path in (
        ({"donation": {"fundId": gid("Fund", theirs, "F1")}}, ["donation", "fundId"]),
        ({"booking": {"eventId": gid("Event", theirs, "E1")}}, ["booking", "eventId"]),
        (
            {
                "consent": {
                    "state": "GRANTED",
                    "preferenceId": gid("ContactPreference", theirs, "EMAIL1"),
                }
            },
            ["consent", "preferenceId"],
        ),
        (
            {"membership": {"state": "CURRENT", "schemeId": gid("MembershipScheme", theirs, "S1")}},
            ["membership", "schemeId"],
        ),
        (
            {"opportunity": {"stageId": gid("OpportunityStage", theirs, "ST1")}},
            ["opportunity", "stageId"],
        ),
        (
            {"invitation": {"instanceId": gid("EventInstance", theirs, "I1")}},
            ["invitation", "instanceId"],
        ),
        (
            {"household": {"householdId": gid("Household", theirs, "H1")}},
            ["household", "householdId"],
        ),
        ({"donation": {"fundId": gid("Event", theirs, "E1")}}, ["donation", "fundId"]),
    ):
        payload = await save(api, {"all": [VIP, criterion]})
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("NOT_FOUND", ["criteria", "all", "1", *path])
        ], criterion
    segment = await saved(other_api, VIP)
    assert (await api.data(COUNT, {"id": segment}))["segment"] is None
    assert (await api.data(NODE, {"id": segment}))["node"] is None
    assert (await api.data(FREEZE, {"id": segment}))["freezeSegment"]["errors"][0]["code"] == (
        "NOT_FOUND"
    )
    exported = (await api.data(EXPORT, {"id": segment, "format": "CSV"}))["exportSegment"]
    assert exported["errors"][0]["code"] == "NOT_FOUND"
    changed = await save(api, VIP, segmentId=segment)
    assert changed["errors"][0]["code"] == "NOT_FOUND"


async def test_only_the_owner_sees_a_segment_until_an_insights_admin_shares_it(
    api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    mine, colleague = await api.key_with(Role.INSIGHTS), await api.key_with(Role.INSIGHTS)
    admin = await api.key_with(Role.INSIGHTS_ADMIN)
    segment = await saved(api, VIP, mine)
    assert (await api.data(COUNT, {"id": segment}, mine))["segment"]["count"] == 2
    assert (await api.data(COUNT, {"id": segment}, colleague))["segment"] is None
    assert (await api.data(NODE, {"id": segment}, colleague))["node"] is None
    assert (await api.data(LIST, key=colleague))["segments"]["edges"] == []
    refused = await api.data(EXPORT, {"id": segment, "format": "CSV"}, colleague)
    assert refused["exportSegment"]["errors"][0]["code"] == "NOT_FOUND"
    assert (await api.data(FREEZE, {"id": segment}, colleague))["freezeSegment"]["errors"][0][
        "code"
    ] == "NOT_FOUND"
    sharing = await refused_to_save(api, VIP, mine, segmentId=segment, shared=True)
    assert sharing == [("PERMISSION_DENIED", ["shared"])]
    assert (await saved(api, VIP, admin, segmentId=segment, shared=True)) == segment
    assert (await api.data(COUNT, {"id": segment}, colleague))["segment"]["count"] == 2
    listed = (await api.data(LIST, key=colleague))["segments"]["edges"]
    assert [e["node"]["id"] for e in listed] == [segment]
    [(code, _)] = await refused_to_save(api, VIP, colleague, segmentId=segment)
    assert code == "PERMISSION_DENIED"
    sales = await api.key_with(Role.SALES)
    denied = await api.call(LIST, key=sales)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    by_id = await api.call(COUNT, {"id": segment}, sales)
    assert by_id["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert by_id["data"] == {"segment": None}


CRITERIA = """
query($id: ID!) {
  segment(id: $id) { name criteria criteriaTree { opportunity { open } } }
}"""


async def test_criteria_over_fundraising_need_its_role_on_every_path(
    api: Api, runtime: Runtime
) -> None:
    world = build_world(runtime.sync_engine, api.slug)
    insights = await api.key_with(Role.INSIGHTS)
    fundraiser = await api.key_with(Role.INSIGHTS_ADMIN, Role.OPPORTUNITIES)
    open_opportunity = {"opportunity": {"open": True}}
    refused = await refused_to_save(api, open_opportunity, insights)
    assert refused == [("PERMISSION_DENIED", ["criteria"])]
    preview = await api.call(PREVIEW, {"criteria": open_opportunity}, insights)
    assert preview["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    shared = await saved(api, open_opportunity, fundraiser, shared=True)
    assert (await api.data(COUNT, {"id": shared}, fundraiser))["segment"]["count"] == 1
    counted = await api.call(COUNT, {"id": shared}, insights)
    assert counted["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    exported = await api.call(EXPORT, {"id": shared, "format": "CSV"}, insights)
    assert exported["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert exported["data"] is None
    # The criteria themselves name what they select: read with the members.
    criteria = await api.call(CRITERIA, {"id": shared}, insights)
    assert {e["extensions"]["code"] for e in criteria["errors"]} == {"PERMISSION_DENIED"}
    assert sorted(e["path"][-1] for e in criteria["errors"]) == ["criteria", "criteriaTree"]
    unread = {"name": "Segment", "criteria": None, "criteriaTree": None}
    assert criteria["data"]["segment"] == unread
    assert (await api.data(CRITERIA, {"id": shared}, fundraiser))["segment"]["criteriaTree"]
    protected = {"attribute": {"key": "health", "protected": True}}
    assert (await refused_to_save(api, protected, insights))[0][0] == "PERMISSION_DENIED"
    campaign = {"donation": {"campaignId": gid("Campaign", world, "C1")}}
    assert (await refused_to_save(api, campaign, insights))[0][0] == "PERMISSION_DENIED"
    preview = await api.call(PREVIEW, {"criteria": campaign}, insights)
    assert preview["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    inactive = {"status": {"status": "INACTIVE"}}
    assert (await refused_to_save(api, inactive, insights))[0][0] == "PERMISSION_DENIED"


async def test_a_frozen_list_keeps_the_members_of_its_moment(api: Api, runtime: Runtime) -> None:
    world = build_world(runtime.sync_engine, api.slug)
    segment = await saved(api, VIP)
    frozen = (await api.data(FREEZE, {"id": segment}))["freezeSegment"]
    assert frozen["errors"] == []
    assert frozen["customerList"]["size"] == 2
    assert frozen["customerList"]["segment"] == {"id": segment}
    from sqlalchemy import insert

    from infra.db import tables as t

    with runtime.sync_engine.begin() as db:
        db.execute(
            insert(t.customer_tag).values(
                tenant_id=world.tenant_id, customer_id=world.ids["hal"], position=0, tag="vip"
            )
        )
    assert (await api.data(COUNT, {"id": segment}))["segment"]["count"] == 3
    again = await api.data(
        "query($id: ID!) { node(id: $id) { ... on CustomerList { size } } }",
        {"id": frozen["customerList"]["id"]},
    )
    assert again["node"] == {"size": 2}


async def _exported(api: Api, runtime: Runtime, segment: str, file_format: str) -> bytes:
    payload = (await api.data(EXPORT, {"id": segment, "format": file_format}))["exportSegment"]
    assert payload["errors"] == []
    export_segment(
        WorkerDependencies(runtime.sync_engine, runtime.files, runtime.mail),
        pk(payload["job"]["id"]),
    )
    job = (await api.data(JOB, {"id": payload["job"]["id"]}))["job"]
    assert job["status"] == "SUCCEEDED", job
    path = job["downloadUrl"].split("foyer.test", 1)[1]
    response = await api.client.get(path, headers={"Authorization": f"Bearer {api.key}"})
    assert response.status_code == 200
    colleague = await api.key_with(*Role)
    other = await api.client.get(path, headers={"Authorization": f"Bearer {colleague}"})
    assert other.status_code == 404
    assert (await api.data(JOB, {"id": payload["job"]["id"]}, colleague))["job"] is None
    return response.content


async def test_the_csv_export_is_plain_and_formula_safe(api: Api, runtime: Runtime) -> None:
    world = build_world(runtime.sync_engine, api.slug)
    from sqlalchemy import update

    from infra.db import tables as t

    with runtime.sync_engine.begin() as db:
        db.execute(
            update(t.customer)
            .where(t.customer.c.id == world.ids["ann"])
            .values(first_name='=HYPERLINK("http://evil.example")')
        )
    segment = await saved(api, VIP)
    rows = list(csv.reader(io.StringIO((await _exported(api, runtime, segment, "CSV")).decode())))
    assert rows[0][0] == "Reference"
    assert sorted(r[3] for r in rows[1:]) == ['\'=HYPERLINK("http://evil.example")', "bob"]


async def test_the_xlsx_export_opens_on_a_summary_with_native_charts(
    api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    segment = await saved(api, {"not": {"kind": {"kind": "ORGANISATION"}}})
    workbook = load_workbook(io.BytesIO(await _exported(api, runtime, segment, "XLSX")))
    assert workbook.sheetnames == ["Summary", "Customers"]
    summary = workbook["Summary"]
    assert summary["A1"].value == "Members" and summary["B1"].value == 5
    assert len(summary._charts) == 9  # eight breakdowns and the measures
    labels = [row[0].value for row in summary.iter_rows()]
    assert "Monetary band" in labels and "Audience measures" in labels
    monetary = labels.index("Monetary band") + 1
    counts = [summary.cell(row=monetary + i + 1, column=2).value for i in range(4)]
    assert sum(counts) == 5
    customers = workbook["Customers"]
    assert customers.max_row == 6


async def test_rfm_bands_are_the_organisations_to_set(api: Api, runtime: Runtime) -> None:
    build_world(runtime.sync_engine, api.slug)
    insights = await api.key_with(Role.INSIGHTS)
    variables = {"r": [7, 30, 60, 120], "f": [2, 4, 6, 8], "m": [1000, 2000, 3000, 4000]}
    denied = await api.call(SET_BANDS, variables, insights)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    bad = (await api.data(SET_BANDS, {**variables, "f": [2, 2, 3, 4]}))["setRfmBands"]
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [
        ("VALIDATION", ["bands", "frequencyOrders"])
    ]
    changed = (await api.data(SET_BANDS, variables))["setRfmBands"]
    assert changed["bands"]["frequencyOrders"] == [2, 4, 6, 8]
    segment = await saved(api, {"rfm": {"monetary": [5]}})
    # With these edges every customer who spent 40.00 or more is in band 5.
    assert (await api.data(COUNT, {"id": segment}))["segment"]["count"] == 5


async def test_audience_measures_set_a_year_beside_the_year_before(
    api: Api, runtime: Runtime
) -> None:
    from tests.integration.segment_world import TODAY

    build_world(runtime.sync_engine, api.slug)
    found = (await api.data(MEASURES, {"year": TODAY.year}))["insights"]["measures"]
    assert found["year"]["year"] == TODAY.year and found["yearBefore"]["year"] == TODAY.year - 1
    assert found["year"]["emailOptIn"] + 0 >= 2
    assert found["year"]["gifts"] + found["yearBefore"]["gifts"] >= 5
