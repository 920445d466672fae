"""`customer.orders` reads each order's items with the page when the selection asks for
them (items or total); what it answers is what the dataloaders (which `node(id)` of an
order still uses) answer, returns, pages and every other field included."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, StatementCounter
from tests.e2e.test_order_statement_counts import customer_with_orders
from tests.e2e.test_planned_customer import selections

# Every field of an order, planned (items, total) or not.
FIELDS = {
    "reference": "reference",
    "orderedAt": "orderedAt",
    "channel": "channel",
    "total": "total { amount currency }",
    "items": """items { id kind price { amount currency } commission { amount }
        amount { amount } description priceBand returned fund { code } }""",
    "itemEvents": "items { instance { event { name } } }",
    "attributes": "attributes { key value }",
    "owner": "owner { displayName }",
}
ORDERS = """query($id: ID!, $first: Int!, $after: String) {
  customer(id: $id) { orders(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { cursor node { id %s } } } } }"""
BY_ID = "query($id: ID!) { node(id: $id) { ... on Order { id %s } } }"


async def returned_one(api: Api, owner: str) -> None:
    """The newest order's ticket returned, so its total differs from its items' sum."""
    data = await api.data(ORDERS % "items { id kind }", {"id": owner, "first": 1})
    order = data["customer"]["orders"]["edges"][0]["node"]
    ticket = next(i["id"] for i in order["items"] if i["kind"] == "TICKET")
    answer = await api.data(
        """mutation($input: ReturnItemsInput!) { returnItems(input: $input) {
            errors { message } } }""",
        {"input": {"orderId": order["id"], "itemIds": [ticket]}},
    )
    assert answer["returnItems"]["errors"] == []


async def test_a_customer_with_20_orders_and_their_items_is_two_statements(
    api: Api, statements: StatementCounter
) -> None:
    owner = await customer_with_orders(api, 25)
    query = ORDERS % "reference items { kind price { amount } returned } total { amount }"
    await api.data("{ viewer { name } }")  # the caller is known
    statements.count = 0

    found = await api.data(query, {"id": owner, "first": 20})

    orders = [e["node"] for e in found["customer"]["orders"]["edges"]]
    assert len(orders) == 20 and all(len(o["items"]) == 3 for o in orders)
    assert statements.count == 2  # the customer, and the page of orders with their items


@selections(FIELDS, 20)
async def test_the_planned_orders_are_what_the_dataloaders_answer(
    api: Api, fields: list[str]
) -> None:
    if not hasattr(api, "owner"):
        api.owner = await customer_with_orders(api, 7)  # type: ignore[attr-defined]
        await returned_one(api, api.owner)  # type: ignore[attr-defined]
    selection = " ".join(FIELDS[f] for f in fields)
    owner: Any = api.owner  # type: ignore[attr-defined]

    first = await api.data(ORDERS % selection, {"id": owner, "first": 4})
    connection = first["customer"]["orders"]
    after = connection["pageInfo"]["endCursor"]
    rest = await api.data(ORDERS % selection, {"id": owner, "first": 4, "after": after})
    planned = [e["node"] for e in connection["edges"]]
    planned += [e["node"] for e in rest["customer"]["orders"]["edges"]]

    loaded = [(await api.data(BY_ID % selection, {"id": o["id"]}))["node"] for o in planned]
    assert len(planned) == 7 and connection["pageInfo"]["hasNextPage"]
    assert planned == loaded
