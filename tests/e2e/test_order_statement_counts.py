"""A page of a customer's orders, with their items, events, funds, soft credits and
attributes, costs a constant number of SQL statements whatever its size: the items come
with the page, everything else hanging off an order goes through a per-request
dataloader."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.conftest import Api, StatementCounter
from tests.e2e.sales_fixtures import catalogue, person, record, save, ticket
from tests.e2e.test_statement_counts import generate

PAGE = """
query($id: ID!, $first: Int!) {
  customer(id: $id) { orders(first: $first) { edges { node {
    reference total { amount }
    items { kind amount { amount } instance { event { name } } fund { code } }
    softCredited { displayName }
    attributes { key }
  } } } }
}"""

# Whatever the page size:
EXPECTED_STATEMENTS = (
    0  # the caller: remembered since the first request (its check rides with the BEGIN)
    + 1  # the customer
    + 1  # the page of orders, with their items
    + 2  # their soft credits and attributes
    + 1  # the soft-credited customers
    + 3  # the items' event instances, their events, and the donations' funds
)


async def soft_credits(api: Api, count: int) -> list[str]:
    generate(api, count)
    data = await api.data(
        "query($n: Int!) { customers(first: $n) { edges { node { id } } } }", {"n": count}
    )
    return [edge["node"]["id"] for edge in data["customers"]["edges"]]


async def customer_with_orders(api: Api, count: int) -> str:
    """A customer with `count` orders, each with a ticket, a donation and merchandise, two
    soft credits and an attribute. Every order has its own event, instance, fund and
    credited customers, so that a look-up made once per row would show in the count."""
    base = await catalogue(api)
    credited = await soft_credits(api, 2 * count)
    owner = await person(api, "Regular")
    for n in range(count):
        event = await save(api, "saveEvent", "EventInput", "event", {"name": f"Play {n}"})
        instance = await save(
            api,
            "saveEventInstance",
            "EventInstanceInput",
            "eventInstance",
            {"eventId": event, "startsAt": f"2027-03-01T19:{n:02d}:00+00:00"},
        )
        fund = await save(api, "saveFund", "FundInput", "fund", {"name": f"F{n}", "code": f"F{n}"})
        items = [
            ticket(replace(base, instance=instance)),
            {"kind": "DONATION", "price": 1000, "fundId": fund},
            {"kind": "MERCHANDISE", "price": 800, "description": "Programme"},
        ]
        result = await record(
            api,
            owner,
            items,
            softCreditIds=credited[2 * n : 2 * n + 2],
            attributes=[{"key": "source", "value": f"brochure {n}"}],
        )
        assert result["errors"] == []
    return owner


async def page(
    api: Api, statements: StatementCounter, owner: str, first: int
) -> tuple[int, list[dict[str, Any]]]:
    """The statements a page costs, and its orders."""
    statements.count = 0
    data = await api.data(PAGE, {"id": owner, "first": first})
    return statements.count, [edge["node"] for edge in data["customer"]["orders"]["edges"]]


async def test_a_page_of_orders_costs_the_same_statements_whatever_its_size(
    api: Api, statements: StatementCounter
) -> None:
    owner = await customer_with_orders(api, 50)

    large_cost, large = await page(api, statements, owner, 50)
    small_cost, small = await page(api, statements, owner, 5)

    assert (len(large), len(small)) == (50, 5)
    assert small == large[:5]
    for order in large:
        assert [item["kind"] for item in order["items"]] == ["TICKET", "DONATION", "MERCHANDISE"]
        assert order["items"][0]["instance"]["event"]["name"].startswith("Play ")
        assert order["items"][1]["fund"]["code"].startswith("F")
        assert len(order["softCredited"]) == 2 and order["attributes"] == [{"key": "source"}]
        assert order["total"] == {"amount": 2650 + 1000 + 800}
    assert len({order["items"][0]["instance"]["event"]["name"] for order in large}) == 50
    assert large_cost == small_cost == EXPECTED_STATEMENTS
