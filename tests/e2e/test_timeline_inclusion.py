"""Whose timeline shows an order: its owner's, and the timelines of whoever is soft-credited
on it, facilitated it, or is the organisation it was booked for; never another member of
the owner's household, whose record keeps only their own orders."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.e2e.sales_fixtures import catalogue, person, record, ticket
from tests.e2e.test_households import household_of

ORDERS = """query($id: ID!) { customer(id: $id) { timeline(types: [TICKETS, ITEMS_RETURNED]) {
  edges { node { type summary details { key value } subject { ... on Order { id } } } } } } }"""
RETURN = """mutation($i: ReturnItemsInput!) { returnItems(input: $i) { errors { code } } }"""
ORGANISATION = """mutation { createOrganisation(input: {name: "Harbour Bank"})
  { organisation { id } } }"""


async def orders_on(api: Api, customer: str) -> list[tuple[str, str, str]]:
    edges = (await api.data(ORDERS, {"id": customer}))["customer"]["timeline"]["edges"]
    return [
        (
            e["node"]["type"],
            e["node"]["subject"]["id"],
            {d["key"]: d["value"] for d in e["node"]["details"]}["role"],
        )
        for e in edges
    ]


@pytest.mark.parametrize(
    ("involvement", "role"),
    [
        ("softCreditIds", "SOFT_CREDIT"),
        ("facilitatorId", "FACILITATOR"),
        ("bookedForId", "BOOKED_FOR"),
    ],
)
async def test_an_order_is_on_the_timeline_of_each_customer_involved_in_it(
    api: Api, involvement: str, role: str
) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Owner")
    involved = (
        (await api.data(ORGANISATION))["createOrganisation"]["organisation"]["id"]
        if role == "BOOKED_FOR"
        else await person(api, "Involved")
    )
    link: Any = [involved] if involvement == "softCreditIds" else involved
    recorded = await record(api, owner, [ticket(cat), ticket(cat)], **{involvement: link})
    assert recorded["errors"] == []
    order = recorded["order"]
    returned = {"orderId": order["id"], "itemIds": [order["items"][0]["id"]]}
    assert (await api.data(RETURN, {"i": returned}))["returnItems"]["errors"] == []

    assert await orders_on(api, owner) == [
        ("ITEMS_RETURNED", order["id"], "OWNER"),
        ("TICKETS", order["id"], "OWNER"),
    ]
    assert await orders_on(api, involved) == [
        ("ITEMS_RETURNED", order["id"], role),
        ("TICKETS", order["id"], role),
    ]


async def test_household_members_orders_stay_off_each_others_timelines(api: Api) -> None:
    cat = await catalogue(api)
    primary, member, stranger = [await person(api, n) for n in ("Primary", "Member", "Other")]
    await household_of(api, primary, member)
    theirs = (await record(api, member, [ticket(cat)]))["order"]
    mine = (await record(api, primary, [ticket(cat)]))["order"]

    assert await orders_on(api, primary) == [("TICKETS", mine["id"], "OWNER")]
    assert await orders_on(api, member) == [("TICKETS", theirs["id"], "OWNER")]
    assert await orders_on(api, stranger) == []
