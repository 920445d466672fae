"""Keeping segments and lists: a saved segment's criteria read back typed and sent back as
they are; renaming and deleting segments and lists by their owner or an INSIGHTS_ADMIN,
refused while a mailing to them is under way, past runs keeping their history; a list's
members and the lists one sees. Every id of another organisation is NOT_FOUND and changes
nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from domain.roles import Role
from infra.clock import utc_now
from infra.composition import Runtime
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.e2e.consent_fixtures import email_preference
from tests.e2e.test_mailing_api import create, mailing_input
from tests.e2e.test_segments import FREEZE, VIP, gid, saved
from tests.integration.mailing_fixtures import CANCEL, SEND
from tests.integration.segment_world import build_world

MONEY = "{ amount currency }"
LEAVES = f"""
  consent {{ state preferenceId kind }}
  booking {{ eventId partnerCompanyId anyPartner
    performed {{ since until withinLastDays }} orders {{ min max }} tickets {{ min max }}
    spend {{ min {MONEY} max {MONEY} }} }}
  donation {{ fundId campaignId given {{ since until withinLastDays }}
    total {{ min {MONEY} max {MONEY} }} gift {{ min {MONEY} max {MONEY} }} }}
  membership {{ state schemeId withinDays }}
  tag {{ tag }}
  attribute {{ key value protected }}
  opportunity {{ stageId ownerId campaignId open }}
  invitation {{ instanceId reply }}
  household {{ inHousehold householdId primary }}
  kind {{ kind }}
  rfm {{ recency frequency monetary }}
  status {{ status }}
"""
# Three levels of all / any / not, as deep as these trees go; fragments keep it short.
TREE = f"""
fragment Leaves on SegmentCriterion {{ {LEAVES} }}
fragment Level1 on SegmentCriterion {{ ...Leaves all {{ ...Leaves }} any {{ ...Leaves }}
  not {{ ...Leaves }} }}
fragment Level2 on SegmentCriterion {{ ...Leaves all {{ ...Level1 }} any {{ ...Level1 }}
  not {{ ...Level1 }} }}
query($id: ID!) {{ segment(id: $id) {{ criteriaTree {{ ...Leaves all {{ ...Level2 }}
  any {{ ...Level2 }} not {{ ...Level2 }} }} }} }}
"""
SAVE_AGAIN = """
mutation($input: SaveSegmentInput!) { saveSegment(input: $input) {
  segment { id criteria } errors { code field } } }"""
RENAME = """mutation($id: ID!, $name: String!) { renameSegment(segmentId: $id, name: $name) {
  segment { id name criteria updatedAt } errors { code field } } }"""
DELETE = """mutation($id: ID!) { deleteSegment(segmentId: $id) {
  deletedSegmentId errors { code field } } }"""
RENAME_LIST = """mutation($id: ID!, $name: String!) {
  renameCustomerList(listId: $id, name: $name) {
    customerList { id name size } errors { code field } } }"""
DELETE_LIST = """mutation($id: ID!) { deleteCustomerList(listId: $id) {
  deletedCustomerListId errors { code field } } }"""
SEGMENT = "query($id: ID!) { segment(id: $id) { name count } }"
LIST = """query($id: ID!, $after: String) { customerList(id: $id) {
  name size shared segment { id }
  customers(first: 1, after: $after) {
    edges { node { ... on Individual { firstName } } } pageInfo { hasNextPage endCursor } } } }"""
SIZE = "query($id: ID!) { customerList(id: $id) { size shared } }"
LISTS = "{ customerLists(first: 50) { edges { node { id name shared } } } }"
RUNS = "query($id: ID!) { mailing(id: $id) { runs { status segmentId listId } } }"


def without_nulls(value: Any) -> Any:
    """An output node as input: nulls dropped, each Money as its amount."""
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"amount", "currency"}:
        return value["amount"]
    return {k: without_nulls(v) for k, v in value.items() if v is not None}


async def freeze(api: Api, segment: str, key: str | None = None) -> str:
    frozen = (await api.data(FREEZE, {"id": segment}, key))["freezeSegment"]
    assert frozen["errors"] == [], frozen["errors"]
    return frozen["customerList"]["id"]  # type: ignore[no-any-return]


def errors(payload: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_saved_criteria_read_back_typed_and_save_again_unchanged(
    api: Api, runtime: Runtime
) -> None:
    world = build_world(runtime.sync_engine, api.slug)
    criteria = {
        "all": [
            {
                "consent": {
                    "state": "GRANTED",
                    "preferenceId": gid("ContactPreference", world, "EMAIL1"),
                }
            },
            {
                "any": [
                    {
                        "booking": {
                            "partnerCompanyId": gid("PartnerCompany", world, "P"),
                            "anyPartner": False,
                            "performed": {"withinLastDays": 365},
                            "tickets": {"min": 2},
                            "spend": {"min": 1000, "max": 50000},
                        }
                    },
                    {"donation": {"fundId": gid("Fund", world, "F1"), "total": {"min": 10001}}},
                ]
            },
            {
                "not": {
                    "household": {"inHousehold": True, "householdId": gid("Household", world, "H1")}
                }
            },
            {"rfm": {"recency": [5, 4], "frequency": [], "monetary": [1]}},
        ]
    }
    segment = await saved(api, criteria)

    tree = (await api.data(TREE, {"id": segment}))["segment"]["criteriaTree"]

    [consent, either, neither, rfm] = tree["all"]
    assert consent["consent"] == {
        "state": "GRANTED",
        "preferenceId": gid("ContactPreference", world, "EMAIL1"),
        "kind": None,
    }
    assert consent["booking"] is None and consent["all"] is None
    booking = either["any"][0]["booking"]
    assert booking["partnerCompanyId"] == gid("PartnerCompany", world, "P")
    assert booking["spend"] == {
        "min": {"amount": 1000, "currency": "GBP"},
        "max": {"amount": 50000, "currency": "GBP"},
    }
    assert booking["tickets"] == {"min": 2, "max": None}
    assert booking["performed"] == {"since": None, "until": None, "withinLastDays": 365}
    assert either["any"][1]["donation"]["total"]["min"] == {"amount": 10001, "currency": "GBP"}
    assert neither["not"]["household"]["householdId"] == gid("Household", world, "H1")
    assert rfm["rfm"] == {"recency": [4, 5], "frequency": [], "monetary": [1]}

    sent_back = without_nulls(tree)
    again = (
        await api.data(
            SAVE_AGAIN, {"input": {"segmentId": segment, "name": "Again", "criteria": sent_back}}
        )
    )["saveSegment"]
    assert again["errors"] == []
    assert (await api.data(TREE, {"id": segment}))["segment"]["criteriaTree"] == tree


async def test_every_kind_of_criterion_reads_back_as_it_was_sent(
    api: Api, runtime: Runtime
) -> None:
    world = build_world(runtime.sync_engine, api.slug)
    leaves = [
        {"consent": {"state": "WITHDRAWN", "kind": "EMAIL"}},
        {
            "booking": {
                "eventId": gid("Event", world, "E1"),
                "anyPartner": False,
                "orders": {"max": 3},
            }
        },
        {
            "booking": {
                "anyPartner": True,
                "performed": {"since": "2026-01-01", "until": "2026-06-30"},
            }
        },
        {"donation": {"campaignId": gid("Campaign", world, "C1"), "gift": {"max": 500}}},
        {
            "membership": {
                "state": "LAPSING",
                "schemeId": gid("MembershipScheme", world, "S1"),
                "withinDays": 30,
            }
        },
        {"tag": {"tag": "vip"}},
        {"attribute": {"key": "health", "value": "asthma", "protected": True}},
        {
            "opportunity": {
                "stageId": gid("OpportunityStage", world, "ST1"),
                "ownerId": gid("StaffUser", world, "U1"),
                "campaignId": gid("Campaign", world, "C2"),
                "open": False,
            }
        },
        {"invitation": {"instanceId": gid("EventInstance", world, "I1"), "reply": "ACCEPTED"}},
        {"household": {"inHousehold": False}},
        {"kind": {"kind": "ORGANISATION"}},
        {"rfm": {"recency": [], "frequency": [2, 3], "monetary": []}},
        {"status": {"status": "DECEASED"}},
    ]
    segment = await saved(api, {"any": leaves})

    tree = (await api.data(TREE, {"id": segment}))["segment"]["criteriaTree"]

    assert without_nulls(tree) == {"any": leaves}


async def test_a_segment_is_renamed_by_its_owner_or_an_insights_admin_only(
    api: Api, other_api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    mine, colleague = await api.key_with(Role.INSIGHTS), await api.key_with(Role.INSIGHTS)
    admin = await api.key_with(Role.INSIGHTS_ADMIN)
    segment = await saved(api, VIP, mine)
    before = (await api.data(RENAME, {"id": segment, "name": "x"}, mine))["renameSegment"]

    renamed = (await api.data(RENAME, {"id": segment, "name": "  VIPs "}, mine))["renameSegment"]

    assert renamed["errors"] == []
    assert renamed["segment"]["name"] == "VIPs"
    assert renamed["segment"]["criteria"] == before["segment"]["criteria"]
    blank = (await api.data(RENAME, {"id": segment, "name": " "}, mine))["renameSegment"]
    assert errors(blank) == [("VALIDATION", ["name"])]
    assert (await api.data(SEGMENT, {"id": segment}, mine))["segment"]["name"] == "VIPs"
    # Unshared, a colleague's segment is not there for them at all.
    unseen = (await api.data(RENAME, {"id": segment, "name": "Mine"}, colleague))["renameSegment"]
    assert errors(unseen) == [("NOT_FOUND", ["segmentId"])]
    await saved(api, VIP, admin, segmentId=segment, shared=True, name="VIPs")
    refused = await api.call(RENAME, {"id": segment, "name": "Mine"}, colleague)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    by_admin = (await api.data(RENAME, {"id": segment, "name": "Best"}, admin))["renameSegment"]
    assert by_admin["segment"]["name"] == "Best"
    theirs = await other_api.data(RENAME, {"id": segment, "name": "Theirs"})
    assert errors(theirs["renameSegment"]) == [("NOT_FOUND", ["segmentId"])]
    not_a_segment = await api.data(RENAME, {"id": to_global_id("Fund", 1), "name": "x"})
    assert errors(not_a_segment["renameSegment"]) == [("NOT_FOUND", ["segmentId"])]
    assert (await api.data(SEGMENT, {"id": segment}))["segment"]["name"] == "Best"


async def test_deleting_a_segment_waits_for_its_mailing_and_keeps_lists_and_history(
    api: Api, other_api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    colleague, admin = await api.key_with(Role.INSIGHTS), await api.key_with(Role.INSIGHTS_ADMIN)
    segment = await saved(api, VIP, admin, shared=True)
    frozen = await freeze(api, segment, colleague)
    mailing = (await create(api, mailing_input(await email_preference(api))))["mailing"]["id"]
    later = (utc_now() + timedelta(days=3)).isoformat()
    sent = (await api.data(SEND, {"m": mailing, "s": segment, "at": later}))["sendMailing"]
    assert sent["errors"] == [] and sent["run"]["status"] == "SCHEDULED"

    refused = await api.call(DELETE, {"id": segment}, colleague)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert errors((await other_api.data(DELETE, {"id": segment}))["deleteSegment"]) == [
        ("NOT_FOUND", ["segmentId"])
    ]
    busy = (await api.data(DELETE, {"id": segment}, admin))["deleteSegment"]
    assert busy["deletedSegmentId"] is None
    assert errors(busy) == [("CONFLICT", ["segmentId"])]
    assert (await api.data(SEGMENT, {"id": segment}))["segment"]["count"] == 2

    assert (await api.data(CANCEL, {"m": mailing}))["cancelMailing"]["errors"] == []
    deleted = (await api.data(DELETE, {"id": segment}, admin))["deleteSegment"]

    assert deleted == {"deletedSegmentId": segment, "errors": []}
    assert (await api.data(SEGMENT, {"id": segment}))["segment"] is None
    kept = (await api.data(LIST, {"id": frozen}, colleague))["customerList"]
    assert kept["segment"] is None and kept["shared"] is True and kept["size"] == 2
    runs = (await api.data(RUNS, {"id": mailing}))["mailing"]["runs"]
    assert runs == [{"status": "CANCELLED", "segmentId": segment, "listId": None}]
    again = (await api.data(DELETE, {"id": segment}, admin))["deleteSegment"]
    assert errors(again) == [("NOT_FOUND", ["segmentId"])]


async def test_a_segment_mailed_and_deleted_at_once_is_either_mailed_or_gone(
    api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    later = (utc_now() + timedelta(days=3)).isoformat()
    for _ in range(5):
        preference = await email_preference(api)
        mailing = (await create(api, mailing_input(preference)))["mailing"]["id"]
        segment = await saved(api, VIP)

        sent, deleted = await asyncio.gather(
            api.data(SEND, {"m": mailing, "s": segment, "at": later}),
            api.data(DELETE, {"id": segment}),
        )

        outcome = (errors(sent["sendMailing"]), errors(deleted["deleteSegment"]))
        assert outcome in (
            ([], [("CONFLICT", ["segmentId"])]),
            ([("NOT_FOUND", ["segmentId"])], []),
        ), outcome
        runs = (await api.data(RUNS, {"id": mailing}))["mailing"]["runs"]
        assert (runs != []) == (outcome[0] == [])


async def test_deleting_a_list_waits_for_its_mailing_and_is_for_its_owner_or_an_admin(
    api: Api, other_api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    build_world(runtime.sync_engine, other_api.slug)
    mine, colleague = await api.key_with(Role.INSIGHTS), await api.key_with(Role.INSIGHTS)
    admin = await api.key_with(Role.INSIGHTS_ADMIN)
    shared = await saved(api, VIP, admin, shared=True)
    frozen = await freeze(api, shared, mine)
    mailing = (await create(api, mailing_input(await email_preference(api))))["mailing"]["id"]
    later = (utc_now() + timedelta(days=3)).isoformat()
    assert (await api.data(SEND, {"m": mailing, "l": frozen, "at": later}))["sendMailing"][
        "errors"
    ] == []
    theirs = await freeze(other_api, await saved(other_api, VIP))

    assert errors((await api.data(DELETE_LIST, {"id": theirs}))["deleteCustomerList"]) == [
        ("NOT_FOUND", ["listId"])
    ]
    assert errors(
        (await api.data(RENAME_LIST, {"id": theirs, "name": "Ours"}))["renameCustomerList"]
    ) == [("NOT_FOUND", ["listId"])]
    assert (await other_api.data(LIST, {"id": theirs}))["customerList"]["name"] != "Ours"
    refused = await api.call(DELETE_LIST, {"id": frozen}, colleague)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    busy = (await api.data(DELETE_LIST, {"id": frozen}, mine))["deleteCustomerList"]
    assert errors(busy) == [("CONFLICT", ["listId"])]
    renamed = await api.data(RENAME_LIST, {"id": frozen, "name": "Autumn VIPs"}, admin)
    assert renamed["renameCustomerList"]["customerList"]["name"] == "Autumn VIPs"
    blank = await api.data(RENAME_LIST, {"id": frozen, "name": ""}, mine)
    assert errors(blank["renameCustomerList"]) == [("VALIDATION", ["name"])]

    assert (await api.data(CANCEL, {"m": mailing}))["cancelMailing"]["errors"] == []
    deleted = (await api.data(DELETE_LIST, {"id": frozen}, mine))["deleteCustomerList"]

    assert deleted == {"deletedCustomerListId": frozen, "errors": []}
    assert (await api.data(LIST, {"id": frozen}))["customerList"] is None
    runs = (await api.data(RUNS, {"id": mailing}))["mailing"]["runs"]
    assert runs == [{"status": "CANCELLED", "segmentId": None, "listId": frozen}]
    assert (await other_api.data(LIST, {"id": theirs}))["customerList"]["size"] == 2


async def test_a_lists_members_page_through_with_the_roles_its_criteria_took(
    api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    insights = await api.key_with(Role.INSIGHTS)
    fundraiser = await api.key_with(Role.INSIGHTS_ADMIN, Role.OPPORTUNITIES)
    frozen = await freeze(api, await saved(api, VIP, insights), insights)

    first = (await api.data(LIST, {"id": frozen}, insights))["customerList"]
    after = first["customers"]["pageInfo"]["endCursor"]
    second = (await api.data(LIST, {"id": frozen, "after": after}, insights))["customerList"]

    names = [e["node"]["firstName"] for c in (first, second) for e in c["customers"]["edges"]]
    assert names == ["ann", "bob"]
    assert first["customers"]["pageInfo"]["hasNextPage"] is True
    assert second["customers"]["pageInfo"]["hasNextPage"] is False
    over_fundraising = await saved(api, {"opportunity": {"open": True}}, fundraiser, shared=True)
    theirs = await freeze(api, over_fundraising, fundraiser)
    # The list stays as its segment's criteria made it, whatever the segment says now.
    await saved(api, VIP, fundraiser, segmentId=over_fundraising, shared=True)
    # How many it holds is told with its members, as a segment's count is.
    seen = await api.call(SIZE, {"id": theirs}, insights)
    assert seen["data"]["customerList"] == {"size": None, "shared": True}
    assert seen["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert seen["errors"][0]["path"] == ["customerList", "size"]
    assert (await api.data(SIZE, {"id": theirs}, fundraiser))["customerList"]["size"] == 1
    refused = await api.call(LIST, {"id": theirs}, insights)
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"PERMISSION_DENIED"}
    assert ["customerList", "customers"] in [e["path"] for e in refused["errors"]]
    members = (await api.data(LIST, {"id": theirs}, fundraiser))["customerList"]["customers"]
    assert len(members["edges"]) == 1
    # Mailing the list reads its members too: the same roles, or nothing is sent.
    mailing = (await create(api, mailing_input(await email_preference(api))))["mailing"]["id"]
    mailed = await api.call(SEND, {"m": mailing, "l": theirs}, insights)
    assert mailed["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert mailed["errors"][0]["extensions"]["field"] == ["listId"]
    assert (await api.data(RUNS, {"id": mailing}))["mailing"]["runs"] == []


async def test_customer_lists_are_those_one_froze_and_the_shared_ones(
    api: Api, other_api: Api, runtime: Runtime
) -> None:
    build_world(runtime.sync_engine, api.slug)
    build_world(runtime.sync_engine, other_api.slug)
    mine, colleague = await api.key_with(Role.INSIGHTS), await api.key_with(Role.INSIGHTS)
    admin = await api.key_with(Role.INSIGHTS_ADMIN)
    private = await freeze(api, await saved(api, VIP, mine), mine)
    segment = await saved(api, {"not": VIP}, admin, shared=True)
    shared = await freeze(api, segment, admin)
    await freeze(other_api, await saved(other_api, VIP))

    def ids(found: dict[str, Any]) -> list[str]:
        return [e["node"]["id"] for e in found["customerLists"]["edges"]]

    assert ids(await api.data(LISTS, key=mine)) == [shared, private]
    assert ids(await api.data(LISTS, key=colleague)) == [shared]
    assert ids(await api.data(LISTS, key=admin)) == [shared, private]
    # Unsharing the segment unshares its lists; a colleague no longer sees them.
    await saved(api, {"not": VIP}, admin, segmentId=segment, shared=False)
    assert ids(await api.data(LISTS, key=colleague)) == []
    assert (await api.data(LIST, {"id": shared}, colleague))["customerList"] is None
    sales = await api.key_with(Role.SALES)
    denied = await api.call(LISTS, key=sales)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
