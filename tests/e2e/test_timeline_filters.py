"""`customer.timeline` filters by opportunity, by type and by when entries occurred, newest
first a keyset page at a time, in a stable order when entries share a moment; bad filters
are typed errors."""

from __future__ import annotations

from typing import Any

from domain.roles import Role
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import (
    LINK_ITEM,
    LINK_PLEDGE,
    LINK_RESERVATION,
    changing,
    days,
    donation,
    fundraising,
    mutate,
    ok,
    open_opportunity,
    pay,
    pledge,
    reservation,
)
from tests.e2e.sales_fixtures import person, record, ticket
from tests.e2e.test_pledges_and_more import SAVE_ACTIVITY

PAGE = """query($id: ID!, $first: Int, $after: String, $types: [TimelineEntryType!],
  $opportunity: ID, $from: DateTime, $to: DateTime) { customer(id: $id) {
  timeline(first: $first, after: $after, types: $types, opportunityId: $opportunity,
           from: $from, to: $to) {
    edges { node { type occurredAt summary subject { ... on Node { id } } } }
    pageInfo { hasNextPage endCursor } } } }"""


async def listed(api: Api, customer: str, key: str | None = None, **filters: Any) -> list[Any]:
    """Every entry that matches, read three at a time, as (type, subject id)."""
    found, after = [], None
    while True:
        variables = {"id": customer, "first": 3, "after": after, **filters}
        page = (await api.data(PAGE, variables, key=key))["customer"]["timeline"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def about(entries: list[Any]) -> list[tuple[str, str]]:
    return [(e["type"], (e["subject"] or {}).get("id")) for e in entries]


async def test_the_opportunity_filter_lists_what_counts_towards_it_linked_then_or_later(
    api: Api,
) -> None:
    plan = await fundraising(api)
    donor, fund, opportunity = plan.donor, plan.catalogue.fund, plan.opportunity
    other = await open_opportunity(api, donor, plan.campaigns.top, plan.owner, plan.stages[0])
    ok(await changing(api, opportunity, stageId=plan.stages[1]))
    towards = ok(await pledge(api, donor, fund, 2000, opportunityId=opportunity))["pledge"]
    ok(await pay(api, towards["instalments"][0]["id"], 500))
    activity = {"customerId": donor, "type": "MEETING", "subject": "Tour", "dueOn": days(2)}
    activity |= {"ownerId": plan.owner, "opportunityId": opportunity}
    ok(await mutate(api, SAVE_ACTIVITY, {"input": activity}))
    # Recorded first, linked afterwards: their entries follow them.
    later = ok(await pledge(api, donor, fund, 3000))["pledge"]
    ok(await pay(api, later["instalments"][0]["id"], 700))
    gift = await donation(api, donor, fund, 400)
    held = await reservation(api, plan.catalogue, donor, 2500, 0)
    ok(await mutate(api, LINK_PLEDGE, {"pledge": later["id"], "opportunity": opportunity}))
    ok(await mutate(api, LINK_ITEM, {"item": gift, "opportunity": opportunity}))
    ok(await mutate(api, LINK_RESERVATION, {"reservation": held, "opportunity": opportunity}))
    # Neither this opportunity's nor counting towards it.
    ok(await pledge(api, donor, fund, 900, opportunityId=other["id"]))
    assert (await record(api, donor, [ticket(plan.catalogue)]))["errors"] == []

    entries = await listed(api, donor, opportunity=opportunity)

    assert sorted(e["type"] for e in entries) == sorted(
        [
            "OPPORTUNITY_OPENED",
            "OPPORTUNITY_STAGE_CHANGED",
            "PLEDGE",
            "INSTALMENT",
            "DONATION",
            "ACTIVITY",
            "PLEDGE",
            "INSTALMENT",
            "DONATION",
            "DONATION",
            "RESERVATION",
        ]
    )
    subjects = {subject for _, subject in about(entries)}
    assert {opportunity, towards["id"], later["id"]} <= subjects
    everything = await listed(api, donor)
    assert len(everything) > len(entries)
    assert entries == [e for e in everything if e in entries]
    only_pledges = await listed(api, donor, opportunity=opportunity, types=["PLEDGE"])
    assert about(only_pledges) == [("PLEDGE", later["id"]), ("PLEDGE", towards["id"])]


async def test_the_date_range_keeps_entries_from_its_start_up_to_before_its_end(
    api: Api,
) -> None:
    customer = await person(api, "Ranger")
    cat_free = [{"kind": "MERCHANDISE", "price": 500}]
    for moment in (
        "2025-01-10T12:00:00+00:00",
        "2025-06-01T09:00:00+00:00",
        "2025-12-01T00:00:00+00:00",
    ):
        assert (await record(api, customer, cat_free, orderedAt=moment))["errors"] == []

    entries = await listed(
        api, customer, **{"from": "2025-06-01T09:00:00+00:00", "to": "2025-12-01T00:00:00+00:00"}
    )
    assert [e["occurredAt"] for e in entries] == ["2025-06-01T09:00:00+00:00"]
    since = await listed(api, customer, **{"from": "2025-06-01T00:00:00+00:00"})
    assert [e["type"] for e in since] == ["CUSTOMER_CREATED", "MERCHANDISE", "MERCHANDISE"]


async def test_entries_that_share_a_moment_keep_one_order_across_pages(api: Api) -> None:
    customer = await person(api, "Tied")
    same = "2025-03-03T19:30:00+00:00"
    references = []
    for _ in range(7):
        recorded = await record(
            api, customer, [{"kind": "MERCHANDISE", "price": 100}], orderedAt=same
        )
        references.append(recorded["order"]["reference"])

    entries = [e for e in await listed(api, customer) if e["type"] == "MERCHANDISE"]
    # Read three at a time: nothing repeated or lost at a page boundary inside the tie, and
    # the last recorded first.
    assert [e["summary"].split("order ")[1].rstrip(".") for e in entries] == references[::-1]
    assert {e["occurredAt"] for e in entries} == {same}


async def refused(api: Api, customer: str, key: str | None = None, **filters: Any) -> str:
    result = await api.call(PAGE, {"id": customer, **filters}, key=key)
    [error] = result["errors"]
    return error["extensions"]["code"]  # type: ignore[no-any-return]


async def test_bad_filters_are_typed_errors(api: Api, other_api: Api) -> None:
    plan = await fundraising(api)
    theirs = await fundraising(other_api)
    someone_else = await person(api, "Else")
    elses = await open_opportunity(
        api, someone_else, plan.campaigns.top, plan.owner, plan.stages[0]
    )
    backwards = {"from": "2025-02-01T00:00:00+00:00", "to": "2025-01-01T00:00:00+00:00"}
    box_office = await api.key_with(Role.SALES)

    assert await refused(api, plan.donor, **backwards) == "BAD_USER_INPUT"
    assert await refused(api, plan.donor, opportunity="not an id") == "NOT_FOUND"
    assert await refused(api, plan.donor, opportunity=plan.donor) == "NOT_FOUND"
    assert await refused(api, plan.donor, opportunity=theirs.opportunity) == "NOT_FOUND"
    assert await refused(api, plan.donor, opportunity=elses["id"]) == "CONFLICT"
    assert (
        await refused(api, plan.donor, box_office, opportunity=plan.opportunity)
        == "PERMISSION_DENIED"
    )
