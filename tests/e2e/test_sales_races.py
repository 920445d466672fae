"""Sales mutations sent many times at once: a return, a reservation and a membership are
each taken once, and every other request is a CONFLICT that writes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Api
from tests.e2e.sales_fixtures import ORDER_FIELDS, catalogue, person, record, ticket
from tests.e2e.test_returns_reservations_visits import (
    customer_sales,
    membership,
    purchase,
    reserve,
    return_items,
)


def one_taken(results: list[dict[str, Any]]) -> bool:
    """Exactly one request succeeded; every other was refused as a CONFLICT."""
    codes = sorted(tuple(e["code"] for e in r["errors"]) for r in results)
    return codes == [()] + [("CONFLICT",)] * (len(results) - 1)


async def test_a_ticket_returned_ten_times_at_once_is_given_as_a_donation_once(
    api: Api,
) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Hasty")
    order = (await record(api, owner, [ticket(cat)]))["order"]
    item = [order["items"][0]["id"]]

    results = await asyncio.gather(
        *(return_items(api, order["id"], item, donateToFundId=cat.fund) for _ in range(10))
    )

    assert one_taken(results)
    after = await api.data(f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", order)
    assert after["order"]["total"] == order["total"]
    assert [i["kind"] for i in after["order"]["items"]] == ["TICKET", "DONATION"]


async def test_a_reservation_bought_ten_times_at_once_makes_one_order(api: Api) -> None:
    cat = await catalogue(api)
    customer = await person(api, "Eager")
    held = (await reserve(api, cat, customer))["reservation"]

    results = await asyncio.gather(*(purchase(api, held["id"]) for _ in range(10)))

    assert one_taken(results)
    orders = (await customer_sales(api, customer))["orders"]["edges"]
    assert len(orders) == 1


async def test_a_membership_bought_ten_times_at_once_is_held_once(api: Api) -> None:
    cat = await catalogue(api)
    member = await person(api, "Keen")

    results = await asyncio.gather(*(record(api, member, [membership(cat)]) for _ in range(10)))

    assert one_taken(results)
    held = await customer_sales(api, member)
    assert [m["status"] for m in held["memberships"]] == ["CURRENT"]
    assert len(held["orders"]["edges"]) == 1
