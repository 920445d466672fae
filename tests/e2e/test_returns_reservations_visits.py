"""Returns, reservations, visits and memberships over HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from domain.sales.memberships import add_months
from infra.db import sales_tables as s
from resolvers.global_ids import parse_global_id
from tests.conftest import Api
from tests.e2e.sales_fixtures import (
    ORDER_FIELDS,
    Catalogue,
    catalogue,
    person,
    record,
    save,
    ticket,
)
from tests.e2e.test_orders import TIMELINE

ERRORS = "errors { code message field }"
RETURN_ITEMS = f"""mutation($input: ReturnItemsInput!) {{
  returnItems(input: $input) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
RESERVATION = "reservation { id status amount { amount } order { id } }"
RESERVE = f"""mutation($input: ReserveTicketsInput!) {{
  reserveTickets(input: $input) {{ {RESERVATION} {ERRORS} }} }}"""
PURCHASE = f"""mutation($input: PurchaseReservationInput!) {{
  purchaseReservation(input: $input) {{ {RESERVATION} order {{ id total {{ amount }}
  items {{ kind }} }} {ERRORS} }} }}"""
RELEASE = f"""mutation($id: ID!) {{ releaseReservation(reservationId: $id) {{
  {RESERVATION} {ERRORS} }} }}"""
RECORD_VISIT = f"""mutation($input: RecordVisitInput!) {{
  recordVisit(input: $input) {{ visit {{ id instance {{ event {{ name }} }} }} {ERRORS} }} }}"""
RESERVATION_STATUS = "query($id: ID!) { node(id: $id) { ... on Reservation { status } } }"
CUSTOMER_SALES = """query($id: ID!) { customer(id: $id) {
  orders { edges { node { id } } }
  memberships(includeLapsed: true) { status startsOn endsOn scheme { name } }
  visits { edges { node { id instance { venue event { name } } } } } } }"""


def pk(global_id: str) -> int:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def return_items(api: Api, order_id: str, item_ids: list[str], **extra: Any) -> Any:
    variables = {"input": {"orderId": order_id, "itemIds": item_ids, **extra}}
    return (await api.data(RETURN_ITEMS, variables))["returnItems"]


async def reserve(api: Api, cat: Catalogue, customer: str) -> Any:
    held = {"instanceId": cat.instance, "priceBand": "A", "price": 2500, "commission": 150}
    expires_at = datetime.now(UTC) + timedelta(minutes=15)
    variables = {
        "input": {"customerId": customer, "tickets": [held], "expiresAt": expires_at.isoformat()}
    }
    return (await api.data(RESERVE, variables))["reserveTickets"]


async def purchase(api: Api, reservation_id: str) -> Any:
    variables = {"input": {"reservationId": reservation_id, "channel": "WEB"}}
    return (await api.data(PURCHASE, variables))["purchaseReservation"]


async def release(api: Api, reservation_id: str) -> Any:
    return (await api.data(RELEASE, {"id": reservation_id}))["releaseReservation"]


async def record_visit(api: Api, customer: str, instance: str) -> Any:
    variables = {"input": {"customerId": customer, "instanceId": instance}}
    return (await api.data(RECORD_VISIT, variables))["recordVisit"]


async def timeline(api: Api, customer: str, entry_type: str) -> list[dict[str, Any]]:
    """The customer's timeline entries of one type, newest first."""
    entries = (await api.data(TIMELINE, {"id": customer}))["customer"]["timeline"]["edges"]
    return [edge["node"] for edge in entries if edge["node"]["type"] == entry_type]


async def customer_sales(api: Api, customer: str) -> dict[str, Any]:
    return (await api.data(CUSTOMER_SALES, {"id": customer}))["customer"]  # type: ignore[no-any-return]


def membership(cat: Catalogue, **extra: Any) -> dict[str, Any]:
    return {"kind": "MEMBERSHIP", "price": 5000, "schemeId": cat.scheme, **extra}


def expire(api: Api, reservation_id: str) -> None:
    """Let the reservation's time run out: its expiry moves into the past."""
    past = datetime.now(UTC) - timedelta(minutes=1)
    with api.runtime.sync_engine.begin() as db:
        db.execute(
            update(s.reservation)
            .where(s.reservation.c.id == pk(reservation_id))
            .values(expires_at=past)
        )


async def test_a_returned_ticket_no_longer_counts_and_the_return_is_on_record(api: Api) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Rhoda")
    merchandise = {"kind": "MERCHANDISE", "price": 800, "description": "Programme"}
    order = (await record(api, owner, [ticket(cat), merchandise]))["order"]

    result = await return_items(api, order["id"], [order["items"][0]["id"]])

    assert result["errors"] == []
    changed = result["order"]
    assert changed["total"]["amount"] == 800
    assert [(i["kind"], i["returned"]) for i in changed["items"]] == [
        ("TICKET", True),
        ("MERCHANDISE", False),
    ]
    assert len(changed["history"]) == 2
    # The order's history and the timeline write money the same way, and count in words.
    assert changed["history"][1]["what"] == "Returned 1 item (GBP 26.50)."
    assert [e["summary"] for e in await timeline(api, owner, "ITEMS_RETURNED")] == [
        f"Returned items worth GBP 26.50 from order {order['reference']}."
    ]


async def test_a_refund_given_to_a_fund_becomes_a_donation_and_keeps_the_total(
    api: Api,
) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Greta")
    order = (await record(api, owner, [ticket(cat), ticket(cat)]))["order"]

    result = await return_items(
        api, order["id"], [order["items"][1]["id"]], donateToFundId=cat.fund
    )

    assert result["errors"] == []
    changed = result["order"]
    assert changed["total"] == order["total"]
    donation = changed["items"][2]
    assert (donation["kind"], donation["amount"], donation["fund"]) == (
        "DONATION",
        {"amount": 2650},
        {"code": "ANNUAL"},
    )
    assert changed["history"][-1]["what"].endswith("converted to a donation.")
    [entry] = await timeline(api, owner, "ITEMS_RETURNED")
    assert "GBP 26.50 given as a donation" in entry["summary"]


async def test_returning_a_donation_or_a_membership_is_a_conflict_and_changes_nothing(
    api: Api,
) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Dora")
    kept = [{"kind": "DONATION", "price": 1000, "fundId": cat.fund}, membership(cat)]
    order = (await record(api, owner, kept))["order"]

    for item in order["items"]:
        result = await return_items(api, order["id"], [item["id"]])
        assert result["order"] is None
        assert [(e["code"], e["field"]) for e in result["errors"]] == [("CONFLICT", ["itemIds"])]
    nothing = await return_items(api, order["id"], [])
    assert [(e["code"], e["field"]) for e in nothing["errors"]] == [("VALIDATION", ["itemIds"])]
    after = await api.data(f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", order)
    assert after["order"] == order


async def test_a_reservation_is_bought_once_and_becomes_an_order(api: Api) -> None:
    cat = await catalogue(api)
    customer = await person(api, "Rosa")
    held = (await reserve(api, cat, customer))["reservation"]
    assert (held["status"], held["amount"]) == ("HELD", {"amount": 2650})

    bought = await purchase(api, held["id"])
    again = await purchase(api, held["id"])

    assert bought["errors"] == []
    assert bought["order"]["total"] == {"amount": 2650}
    assert bought["order"]["items"] == [{"kind": "TICKET"}]
    assert bought["reservation"]["status"] == "PURCHASED"
    assert bought["reservation"]["order"] == {"id": bought["order"]["id"]}
    assert [(e["code"], e["message"]) for e in again["errors"]] == [
        ("CONFLICT", "The reservation is already purchased.")
    ]
    orders = (await customer_sales(api, customer))["orders"]["edges"]
    assert [edge["node"]["id"] for edge in orders] == [bought["order"]["id"]]


async def test_an_expired_reservation_cannot_be_bought_and_says_it_released_its_tickets(
    api: Api,
) -> None:
    cat = await catalogue(api)
    customer = await person(api, "Lately")
    held = (await reserve(api, cat, customer))["reservation"]
    expire(api, held["id"])

    late = await purchase(api, held["id"])

    [error] = late["errors"]
    assert error["code"] == "CONFLICT" and late["order"] is None
    assert "expired" in error["message"] and "released" in error["message"]
    status = await api.data(RESERVATION_STATUS, {"id": held["id"]})
    assert status == {"node": {"status": "EXPIRED"}}
    assert (await customer_sales(api, customer))["orders"]["edges"] == []


async def test_a_released_reservation_cannot_be_bought(api: Api) -> None:
    cat = await catalogue(api)
    customer = await person(api, "Undecided")
    held = (await reserve(api, cat, customer))["reservation"]

    released = await release(api, held["id"])
    late = await purchase(api, held["id"])

    assert released["errors"] == [] and released["reservation"]["status"] == "RELEASED"
    assert [e["code"] for e in late["errors"]] == ["CONFLICT"]
    summaries = [e["summary"] for e in await timeline(api, customer, "RESERVATION")]
    assert summaries[0] == "Reservation released."
    assert summaries[1].startswith("1 tickets reserved until")


async def test_a_visit_shows_on_the_customer_and_their_timeline(api: Api) -> None:
    cat = await catalogue(api)
    visitor = await person(api, "Vic")

    result = await record_visit(api, visitor, cat.instance)

    assert result["errors"] == []
    assert result["visit"]["instance"] == {"event": {"name": "Tristan & Yseult"}}
    visits = (await customer_sales(api, visitor))["visits"]["edges"]
    assert [edge["node"] for edge in visits] == [
        {
            "id": result["visit"]["id"],
            "instance": {"venue": "Main House", "event": {"name": "Tristan & Yseult"}},
        }
    ]
    [entry] = await timeline(api, visitor, "VISIT")
    assert entry["summary"] == "Checked in at Tristan & Yseult."


async def test_a_membership_is_current_and_cannot_be_bought_again_before_renewal(
    api: Api,
) -> None:
    cat = await catalogue(api)
    member = await person(api, "Mem")
    first = await record(api, member, [membership(cat)])
    today = datetime.now(UTC).date()

    again = await record(api, member, [membership(cat)])

    assert first["errors"] == []
    [error] = again["errors"]
    assert (error["code"], again["order"]) == ("CONFLICT", None)
    assert "renewal opens on" in error["message"]
    held = await customer_sales(api, member)
    assert held["memberships"] == [
        {
            "status": "CURRENT",
            "startsOn": today.isoformat(),
            "endsOn": (add_months(today, 12) - timedelta(days=1)).isoformat(),
            "scheme": {"name": "Friends"},
        }
    ]
    assert len(held["orders"]["edges"]) == 1
    assert len(await timeline(api, member, "MEMBERSHIP")) == 1


def shift_memberships(api: Api, member: str, days: int) -> None:
    """Move every term of `member` by `days`, as if they had been bought then."""
    m = s.membership.c
    with api.runtime.sync_engine.begin() as db:
        for row in db.execute(select(s.membership).where(m.customer_id == pk(member))):
            moved = {"starts_on": row.starts_on, "ends_on": row.ends_on}
            db.execute(
                update(s.membership)
                .where(m.id == row.id)
                .values({k: v + timedelta(days=days) for k, v in moved.items()})
            )


async def test_a_renewed_membership_hands_over_to_the_next_term_without_a_second_current(
    api: Api,
) -> None:
    cat = await catalogue(api)
    member = await person(api, "Renata")
    await record(api, member, [membership(cat)])
    shift_memberships(api, member, days=10 - 365)  # ends in 10 days: inside the window
    renewal = await record(api, member, [membership(cat)])
    assert renewal["errors"] == []

    shift_memberships(api, member, days=-15)  # the old term ended 5 days ago: in its grace

    held = (await customer_sales(api, member))["memberships"]
    assert [m["status"] for m in held] == ["CURRENT", "LAPSED"]
    assert date.fromisoformat(held[0]["startsOn"]) == (
        date.fromisoformat(held[1]["endsOn"]) + timedelta(days=1)
    )


async def test_auto_renewal_on_a_scheme_that_does_not_allow_it_is_invalid(api: Api) -> None:
    cat = await catalogue(api)
    member = await person(api, "Auto")
    scheme = await save(
        api,
        "saveMembershipScheme",
        "MembershipSchemeInput",
        "membershipScheme",
        {"name": "Patrons", "price": 25000, "lengthMonths": 12, "autoRenewAllowed": False},
    )

    result = await record(api, member, [membership(cat, schemeId=scheme, autoRenew=True)])

    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("VALIDATION", ["items", "0", "autoRenew"])
    ]
    held = await customer_sales(api, member)
    assert held["memberships"] == [] and held["orders"]["edges"] == []
