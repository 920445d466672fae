"""The timeline shows each entry only to the roles that may read its subject: a fundraising
entry needs what the pledge, legacy or opportunity itself needs, on every page."""

from __future__ import annotations

from typing import Any

from domain.roles import Role
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import REMIND, Fundraising, fundraising, mutate, ok, pledge
from tests.e2e.test_pledges_and_more import RECORD_LEGACY, SAVE_ACTIVITY

PAGE = """query($id: ID!, $first: Int, $after: String, $types: [TimelineEntryType!]) {
  customer(id: $id) { timeline(first: $first, after: $after, types: $types) {
    edges { node { type summary } } pageInfo { hasNextPage endCursor } } } }"""
RENAME = """mutation($id: ID!, $name: String!) { updateIndividual(input: {customerId: $id,
  firstName: $name}) { errors { code } } }"""
FUNDRAISING_TYPES = {
    "OPPORTUNITY_OPENED",
    "OPPORTUNITY_STAGE_CHANGED",
    "PLEDGE",
    "INSTALMENT",
    "LEGACY",
    "ACTIVITY",
    "INVITATION",
    "PLEDGE_REMINDER",
}


async def mixed_timeline(api: Api) -> Fundraising:
    """A donor whose timeline alternates record changes with pledges, a legacy, an activity
    and a reminder, after the opportunity the fixture opens."""
    plan = await fundraising(api)
    for n in range(3):
        ok(await mutate(api, RENAME, {"id": plan.donor, "name": f"Dora {n}"}))
        made = ok(await pledge(api, plan.donor, plan.catalogue.fund, 1_000 + n))["pledge"]
    ok(await mutate(api, REMIND, {"id": made["id"]}))
    legacy = {"customerId": plan.donor, "expected": 50_000, "campaignId": plan.campaigns.top}
    ok(await mutate(api, RECORD_LEGACY, {"input": {**legacy, "stageId": plan.stages[1]}}))
    activity = {"customerId": plan.donor, "subject": "Call about the gala", "dueOn": "2027-01-05"}
    ok(
        await mutate(
            api, SAVE_ACTIVITY, {"input": {**activity, "type": "CALL", "ownerId": plan.owner}}
        )
    )
    ok(await mutate(api, RENAME, {"id": plan.donor, "name": "Dora"}))
    return plan


async def every_page(api: Api, customer: str, key: str, first: int, **more: Any) -> list[Any]:
    """Each page of the customer's timeline read `first` at a time, as a list of types."""
    pages, after = [], None
    while True:
        variables = {"id": customer, "first": first, "after": after, **more}
        timeline = (await api.data(PAGE, variables, key=key))["customer"]["timeline"]
        pages.append([edge["node"]["type"] for edge in timeline["edges"]])
        if not timeline["pageInfo"]["hasNextPage"]:
            return pages
        after = timeline["pageInfo"]["endCursor"]


async def test_a_sales_key_sees_no_fundraising_entry_on_the_timeline(api: Api) -> None:
    plan = await mixed_timeline(api)
    sales = await api.key_with(Role.SALES)

    [seen] = await every_page(api, plan.donor, sales, 100)
    asked = await every_page(api, plan.donor, sales, 100, types=["PLEDGE", "LEGACY"])

    assert seen and not FUNDRAISING_TYPES & set(seen)
    assert seen.count("DETAILS_CHANGED") == 4
    assert asked == [[]]


async def test_a_fundraiser_sees_the_fundraising_entries_as_well(api: Api) -> None:
    plan = await mixed_timeline(api)
    fundraiser = await api.key_with(Role.OPPORTUNITIES)

    [seen] = await every_page(api, plan.donor, fundraiser, 100)

    assert {"OPPORTUNITY_OPENED", "PLEDGE", "LEGACY", "ACTIVITY"} <= set(seen)
    assert seen.count("PLEDGE") == 3 and seen.count("DETAILS_CHANGED") == 4


async def test_pages_of_a_mixed_timeline_are_full_for_a_sales_key(api: Api) -> None:
    plan = await mixed_timeline(api)
    sales = await api.key_with(Role.SALES)
    [everything] = await every_page(api, plan.donor, api.key, 100)

    pages = await every_page(api, plan.donor, sales, 2)

    assert [len(page) for page in pages[:-1]] == [2] * (len(pages) - 1)
    assert [kind for page in pages for kind in page] == [
        kind for kind in everything if kind not in FUNDRAISING_TYPES
    ]
