"""Every id a timeline entry gives is a global id that `node` resolves: a client can open
what an entry is about without knowing how Foyer stores it."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.e2e.fundraising_fixtures import (
    PURCHASE,
    Fundraising,
    changing,
    days,
    fundraising,
    mutate,
    ok,
    pay,
    pledge,
    relate,
    reservation,
)
from tests.e2e.sales_fixtures import record, ticket
from tests.e2e.test_customers import create_individual
from tests.e2e.test_households import household_of

ENTRIES = """query($id: ID!) { customer(id: $id) { timeline(first: 100) { edges { node {
  type details { key value } } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
ERRORS = "errors { code message field }"


async def scripted_history(api: Api, plan: Fundraising | None = None) -> list[str]:
    """A donor's year, touching every kind of entry a mutation writes; the customers whose
    timelines it fills."""
    plan = plan or await fundraising(api)
    donor, cat = plan.donor, plan.catalogue
    ok(await changing(api, plan.opportunity, stageId=plan.stages[1]))
    promised = ok(await pledge(api, donor, cat.fund, 9000, instalments=3))["pledge"]
    ok(await pay(api, promised["instalments"][0]["id"], 3000))
    legacy = f"mutation($i: RecordLegacyInput!) {{ recordLegacy(input: $i) {{ {ERRORS} }} }}"
    ok(await mutate(api, legacy, {"i": {"customerId": donor, "expected": 500000}}))
    activity = {"customerId": donor, "type": "CALL", "subject": "Thank you call"}
    activity |= {"dueOn": days(3), "ownerId": plan.owner, "opportunityId": plan.opportunity}
    save_activity = f"mutation($i: ActivityInput!) {{ saveActivity(input: $i) {{ {ERRORS} }} }}"
    ok(await mutate(api, save_activity, {"i": activity}))
    invite = f"mutation($i: InviteInput!) {{ invite(input: $i) {{ {ERRORS} }} }}"
    ok(await mutate(api, invite, {"i": {"customerId": donor, "instanceId": cat.instance}}))
    held = await reservation(api, cat, donor, 2500, 0)
    ok(await mutate(api, PURCHASE, {"id": held}))
    bought = await record(api, donor, [ticket(cat), {"kind": "MERCHANDISE", "price": 500}])
    returned = f"mutation($i: ReturnItemsInput!) {{ returnItems(input: $i) {{ {ERRORS} }} }}"
    ok(
        await mutate(
            api,
            returned,
            {
                "i": {
                    "orderId": bought["order"]["id"],
                    "itemIds": [bought["order"]["items"][0]["id"]],
                }
            },
        )
    )
    visit = f"mutation($i: RecordVisitInput!) {{ recordVisit(input: $i) {{ {ERRORS} }} }}"
    ok(await mutate(api, visit, {"i": {"customerId": donor, "instanceId": cat.instance}}))
    employer = (await create_individual(api, firstName="Partner", lastName="Household"))["id"]
    await relate(api, donor, employer, "Spouse")
    await household_of(api, donor, employer)
    return [donor, employer]


async def test_every_id_on_every_timeline_entry_resolves_through_node(api: Api) -> None:
    customers = await scripted_history(api)

    seen: dict[str, set[str]] = {}
    for customer in customers:
        edges = (await api.data(ENTRIES, {"id": customer}))["customer"]["timeline"]["edges"]
        for entry in (edge["node"] for edge in edges):
            for detail in entry["details"]:
                if not detail["key"].endswith("Id"):
                    continue
                found: dict[str, Any] = (await api.data(NODE, {"id": detail["value"]}))["node"]
                assert found is not None, (entry["type"], detail)
                assert found["id"] == detail["value"]
                seen.setdefault(entry["type"], set()).add(found["__typename"])

    assert seen == {
        "OPPORTUNITY_OPENED": {"Opportunity"},
        "OPPORTUNITY_STAGE_CHANGED": {"Opportunity"},
        "PLEDGE": {"Pledge"},
        "INSTALMENT": {"Pledge"},
        "DONATION": {"Order"},
        "LEGACY": {"Legacy"},
        "ACTIVITY": {"Activity"},
        "INVITATION": {"Invitation", "EventInstance"},
        "RESERVATION": {"Reservation"},
        "TICKETS": {"Order"},
        "MERCHANDISE": {"Order"},
        "ITEMS_RETURNED": {"Order"},
        "VISIT": {"EventInstance"},
        "RELATIONSHIP_ADDED": {"Relationship"},
        "HOUSEHOLD_JOINED": {"Household"},
    }
