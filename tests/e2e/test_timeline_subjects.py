"""Every timeline entry names what it is about as a typed `subject`, read through the
request's dataloaders: a client opens it without parsing `details`, and a page of subjects
costs the same statements whatever its size."""

from __future__ import annotations

from typing import Any

from resolvers.global_ids import parse_global_id
from tests.conftest import Api, StatementCounter
from tests.e2e.fundraising_fixtures import (
    PURCHASE,
    Fundraising,
    days,
    fundraising,
    mutate,
    ok,
    pay,
    pledge,
    reservation,
)
from tests.e2e.sales_fixtures import record, ticket
from tests.e2e.test_pledges_and_more import SAVE_ACTIVITY
from tests.e2e.test_timeline_links import scripted_history

SUBJECTS = """query($id: ID!, $first: Int) { customer(id: $id) { id timeline(first: $first) {
  edges { node { type details { key value }
    subject { __typename ... on Node { id } ... on Order { reference }
              ... on Pledge { amount { amount } } ... on Activity { subject } } } } } } }"""
VISIT = """mutation($i: RecordVisitInput!) { recordVisit(input: $i) { errors { code } } }"""

SUBJECT_OF = {
    "CUSTOMER_CREATED": "Individual",
    "OPPORTUNITY_OPENED": "Opportunity",
    "OPPORTUNITY_STAGE_CHANGED": "Opportunity",
    "PLEDGE": "Pledge",
    "INSTALMENT": "Instalment",
    "DONATION": "Order",
    "LEGACY": "Legacy",
    "ACTIVITY": "Activity",
    "INVITATION": "Invitation",
    "RESERVATION": "Reservation",
    "TICKETS": "Order",
    "MERCHANDISE": "Order",
    "ITEMS_RETURNED": "Order",
    "VISIT": "Visit",
    "RELATIONSHIP_ADDED": "Relationship",
    "HOUSEHOLD_JOINED": "Household",
}
# The detail naming the same object as the subject, where an entry has one.
SAME_AS_DETAIL = {
    "Opportunity": "opportunityId",
    "Pledge": "pledgeId",
    "Order": "orderId",
    "Legacy": "legacyId",
    "Activity": "activityId",
    "Invitation": "invitationId",
    "Reservation": "reservationId",
    "Relationship": "relationshipId",
    "Household": "householdId",
}


async def entries(api: Api, customer: str, first: int = 100) -> tuple[str, list[dict[str, Any]]]:
    found = (await api.data(SUBJECTS, {"id": customer, "first": first}))["customer"]
    return found["id"], [edge["node"] for edge in found["timeline"]["edges"]]


async def test_every_timeline_entry_names_its_subject_as_the_object_it_is_about(
    api: Api,
) -> None:
    customers = await scripted_history(api)

    seen: dict[str, str] = {}
    for customer in customers:
        customer_id, found = await entries(api, customer)
        for entry in found:
            subject = entry["subject"]
            assert subject is not None, entry
            seen[entry["type"]] = subject["__typename"]
            details = {d["key"]: d["value"] for d in entry["details"]}
            if subject["__typename"] == "Individual":
                assert subject["id"] == customer_id
            if subject["__typename"] in SAME_AS_DETAIL:
                assert subject["id"] == details[SAME_AS_DETAIL[subject["__typename"]]]
            if subject["__typename"] == "Instalment":
                assert parse_global_id(subject["id"]) is not None
    assert seen == SUBJECT_OF


async def a_busy_year(api: Api, rounds: int, plan: Fundraising | None = None) -> str:
    """A donor with `rounds` of an order, a pledge paid in part, a reservation bought, a
    visit and an activity: each round the same kinds of subject."""
    plan = plan or await fundraising(api)
    cat = plan.catalogue
    for n in range(rounds):
        assert (await record(api, plan.donor, [ticket(cat)]))["errors"] == []
        promised = ok(await pledge(api, plan.donor, cat.fund, 1000 + n, instalments=2))
        ok(await pay(api, promised["pledge"]["instalments"][0]["id"], 100))
        held = await reservation(api, cat, plan.donor, 2500, 0)
        ok(await mutate(api, PURCHASE, {"id": held}))
        ok(await mutate(api, VISIT, {"i": {"customerId": plan.donor, "instanceId": cat.instance}}))
        activity = {"customerId": plan.donor, "type": "CALL", "subject": f"Call {n}"}
        activity |= {"dueOn": days(3), "ownerId": plan.owner}
        ok(await mutate(api, SAVE_ACTIVITY, {"input": activity}))
    return plan.donor


async def test_a_page_of_subjects_costs_the_same_statements_whatever_its_size(
    api: Api, statements: StatementCounter
) -> None:
    donor = await a_busy_year(api, 6)

    costs, pages = [], []
    for first in (20, 40):
        statements.count = 0
        _, page = await entries(api, donor, first)
        costs.append(statements.count)
        pages.append(page)
    assert [len(p) for p in pages] == [20, 40]
    assert pages[0] == pages[1][:20]
    kinds = {entry["subject"]["__typename"] for entry in pages[0]}
    assert kinds == {"Order", "Pledge", "Instalment", "Reservation", "Visit", "Activity"}
    # The caller, the customer, the page, the organisation's currency, and a batch or two
    # per kind of subject (a reservation's tickets, an instalment's payments): fewer than
    # one per entry, and the same for twice the entries.
    assert costs[0] == costs[1] < len(pages[0])
