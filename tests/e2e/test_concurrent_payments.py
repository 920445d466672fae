"""Payments of one pledge at the same moment are taken one after the other: five payments of
a whole instalment sent at once make one donation and four CONFLICTs, never an overpaid
pledge (a hostile probe found five donations and an outstanding of -1,500)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Api
from tests.e2e.fundraising_fixtures import CANCEL_PLEDGE, codes, mutate, ok, pay, pledge
from tests.e2e.sales_fixtures import catalogue, person

ORDERS = "query($id: ID!) { customer(id: $id) { orders(first: 20) { edges { node { id } } } } }"


async def test_five_payments_of_one_instalment_at_once_pay_it_once(api: Api) -> None:
    cat = await catalogue(api)
    donor = await person(api, "Dora")
    made = ok(await pledge(api, donor, cat.fund, 1000, instalments=2))["pledge"]
    first = made["instalments"][0]["id"]

    answers = await asyncio.gather(*(pay(api, first, 500) for _ in range(5)))

    paid = [a for a in answers if ok_or_none(a)]
    refused = [codes(a) for a in answers if not ok_or_none(a)]
    assert len(paid) == 1
    assert refused == [[("CONFLICT", ["amount"])]] * 4
    after = paid[0]["pledge"]
    assert (after["given"]["amount"], after["outstanding"]["amount"]) == (500, 500)
    orders = await api.data(ORDERS, {"id": donor})
    assert len(orders["customer"]["orders"]["edges"]) == 1


async def test_a_cancel_and_a_payment_at_once_leave_a_consistent_pledge(api: Api) -> None:
    cat = await catalogue(api)
    donor = await person(api, "Dora")
    made = ok(await pledge(api, donor, cat.fund, 1000, instalments=1))["pledge"]

    paying, cancelling = await asyncio.gather(
        pay(api, made["instalments"][0]["id"], 1000),
        mutate(api, CANCEL_PLEDGE, {"id": made["id"]}),
    )

    # Whichever went first, the other saw it: paid in full cannot be cancelled, and a
    # cancelled pledge takes no money.
    assert sorted([bool(ok_or_none(paying)), bool(ok_or_none(cancelling))]) == [False, True]
    orders = await api.data(ORDERS, {"id": donor})
    assert len(orders["customer"]["orders"]["edges"]) == (1 if ok_or_none(paying) else 0)


def ok_or_none(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The payload when it succeeded, None when it carried errors."""
    return None if payload["errors"] else payload
