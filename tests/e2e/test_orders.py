"""Recording and reading orders over HTTP."""

from __future__ import annotations

import asyncio

from domain.roles import Role
from tests.conftest import Api
from tests.e2e.sales_fixtures import RECORD_ORDER, catalogue, person, record, ticket

TIMELINE = """query($id: ID!) { customer(id: $id) { timeline { edges { node { type summary
  details { key value } } } } } }"""


async def test_an_order_is_recorded_with_its_items_and_a_total_from_them(api: Api) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Olive")

    result = await record(
        api,
        owner,
        [
            ticket(cat),
            ticket(cat),
            {"kind": "DONATION", "price": 1000, "fundId": cat.fund},
            {"kind": "MERCHANDISE", "price": 800, "description": "Programme"},
        ],
        attributes=[{"key": "source", "value": "spring brochure"}],
        total=7100,
    )

    assert result["errors"] == [] and result["created"] is True
    order = result["order"]
    assert order["total"] == {"amount": 7100, "currency": "GBP", "formatted": "GBP 71.00"}
    assert [i["kind"] for i in order["items"]] == ["TICKET", "TICKET", "DONATION", "MERCHANDISE"]
    assert order["items"][0]["instance"]["event"]["name"] == "Tristan & Yseult"
    assert order["items"][2]["fund"] == {"code": "ANNUAL"}
    assert order["attributes"] == [{"key": "source", "value": "spring brochure"}]
    assert order["history"][0]["what"].startswith("Recorded through box_office")


async def test_totals_beyond_graphqls_int_are_answered_whole(api: Api) -> None:
    """GraphQL's Int stops at 2,147,483,647 (GBP 21.4 million in pence); an order of three
    gifts of that much was written and then answered with an error, so its client thought
    it had failed (found by a hostile probe). Money amounts are MinorUnits."""
    cat = await catalogue(api)
    owner = await person(api, "Olive")
    largest = 2_147_483_647
    gift = {"kind": "DONATION", "price": largest, "fundId": cat.fund}

    result = await record(api, owner, [gift, gift, gift])
    orders = await api.data(
        "query($id: ID!) { customer(id: $id) { orders(first: 5) { edges { node {"
        " total { amount formatted } } } } } }",
        {"id": owner},
    )

    assert result["errors"] == [] and result["created"] is True
    assert result["order"]["total"]["amount"] == 3 * largest
    [edge] = orders["customer"]["orders"]["edges"]
    assert edge["node"]["total"] == {"amount": 3 * largest, "formatted": "GBP 64,424,509.41"}


async def test_soft_credits_facilitator_and_organisation_see_the_order_but_not_the_household(
    api: Api,
) -> None:
    cat = await catalogue(api)
    owner, helper, credited = [await person(api, n) for n in ("Owen", "Hal", "Cleo")]
    partner = await person(api, "Partner")
    household = await api.data(
        """mutation($a: ID!, $b: ID!) { createHousehold(input:
        {primaryHouseholderId: $a, memberIds: [$b]}) { errors { code } } }""",
        {"a": owner, "b": partner},
    )
    assert household["createHousehold"]["errors"] == []
    company = (
        await api.data("""mutation { createOrganisation(input: {name: "Harbour Bank"})
        { organisation { id } } }""")
    )["createOrganisation"]["organisation"]["id"]

    result = await record(
        api,
        owner,
        [ticket(cat)],
        facilitatorId=helper,
        bookedForId=company,
        softCreditIds=[credited],
    )
    assert result["errors"] == []

    for customer, role in (
        (owner, "OWNER"),
        (helper, "FACILITATOR"),
        (company, "BOOKED_FOR"),
        (credited, "SOFT_CREDIT"),
    ):
        entries = (await api.data(TIMELINE, {"id": customer}))["customer"]["timeline"]["edges"]
        tickets = [e["node"] for e in entries if e["node"]["type"] == "TICKETS"]
        assert len(tickets) == 1, role
        assert {"key": "role", "value": role} in tickets[0]["details"]
    partner_entries = (await api.data(TIMELINE, {"id": partner}))["customer"]["timeline"]
    assert all(e["node"]["type"] != "TICKETS" for e in partner_entries["edges"])
    orders = await api.data(
        """query($id: ID!) { customer(id: $id) {
        mine: orders { edges { node { reference } } }
        credited: orders(involvement: [SOFT_CREDIT]) { edges { node { reference } } } } }""",
        {"id": credited},
    )
    assert orders["customer"]["mine"]["edges"] == []
    assert len(orders["customer"]["credited"]["edges"]) == 1


async def test_the_same_external_reference_twenty_times_at_once_makes_one_order(api: Api) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Racer")
    box_office = await api.key_with(Role.SALES)

    async def send() -> dict[str, object]:
        data = await api.data(
            RECORD_ORDER,
            {
                "input": {
                    "ownerId": owner,
                    "channel": "INTEGRATION",
                    "items": [ticket(cat)],
                    "externalReference": "BO-2027-0001",
                }
            },
            key=box_office,
        )
        return data["recordOrder"]  # type: ignore[no-any-return]

    results = await asyncio.gather(*(send() for _ in range(20)))

    assert all(r["errors"] == [] for r in results)
    assert len({r["order"]["id"] for r in results}) == 1  # type: ignore[index]
    assert sum(r["created"] is True for r in results) == 1
    orders = await api.data(
        "query($id: ID!) { customer(id: $id) { orders { edges { node { id } } } } }", {"id": owner}
    )
    assert len(orders["customer"]["orders"]["edges"]) == 1


async def test_a_reused_reference_with_other_content_is_a_conflict_that_writes_nothing(
    api: Api,
) -> None:
    cat = await catalogue(api)
    owner, other = await person(api, "Reuse"), await person(api, "Mistake")
    first = await record(api, owner, [ticket(cat)], externalReference="BO-7")
    changed = [
        {"items": [ticket(cat, price=3000)]},
        {"items": [ticket(cat), ticket(cat)]},
        {"ownerId": other},
        {"channel": "WEB"},
    ]

    for change in changed:
        sent = {"ownerId": owner, "channel": "BOX_OFFICE", "items": [ticket(cat)], **change}
        data = await api.data(RECORD_ORDER, {"input": {**sent, "externalReference": "BO-7"}})
        payload = data["recordOrder"]
        assert payload["order"] is None, change
        [error] = payload["errors"]
        assert error["code"] == "CONFLICT" and error["field"] == ["externalReference"]
        assert "'BO-7'" in error["message"] and first["order"]["reference"] in error["message"]
    again = await record(api, owner, [ticket(cat)], externalReference="BO-7")

    assert again["created"] is False and again["order"]["id"] == first["order"]["id"]
    for customer in (owner, other):
        orders = await api.data(
            "query($id: ID!) { customer(id: $id) { orders { edges { node { id } } } } }",
            {"id": customer},
        )
        assert len(orders["customer"]["orders"]["edges"]) == (customer == owner)


async def test_twenty_requests_under_one_reference_with_mixed_content_make_one_order(
    api: Api,
) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Mixed")
    prices = [2500 if n % 2 else 4000 for n in range(20)]

    results = await asyncio.gather(
        *(record(api, owner, [ticket(cat, price=p)], externalReference="BO-8") for p in prices)
    )

    [made] = [r for r in results if r["created"]]
    winner = made["order"]["items"][0]["price"]["amount"]
    for price, result in zip(prices, results, strict=True):
        if price == winner:
            assert result["errors"] == [] and result["order"]["id"] == made["order"]["id"]
        else:
            assert [e["code"] for e in result["errors"]] == ["CONFLICT"]
    orders = await api.data(
        "query($id: ID!) { customer(id: $id) { orders { edges { node { id } } } } }", {"id": owner}
    )
    assert len(orders["customer"]["orders"]["edges"]) == 1


async def test_an_order_synced_late_sits_on_the_timeline_where_it_was_bought(api: Api) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Late")
    await record(api, owner, [ticket(cat)])
    bought = "2026-01-10T14:00:00+00:00"
    await record(api, owner, [ticket(cat)], orderedAt=bought)

    data = await api.data(
        """query($id: ID!) { customer(id: $id) { timeline(types: [TICKETS]) { edges { node {
          occurredAt recordedAt } } } } }""",
        {"id": owner},
    )

    newest, late = [e["node"] for e in data["customer"]["timeline"]["edges"]]
    assert late["occurredAt"] == bought
    assert late["recordedAt"] > newest["occurredAt"] > late["occurredAt"]
    assert newest["recordedAt"] >= newest["occurredAt"]


async def test_bad_orders_are_typed_errors_and_write_nothing(api: Api, other_api: Api) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Careful")
    stranger = await person(other_api, "Stranger")
    cases = {
        "negative": ([{**ticket(cat), "price": -100}], {}, ["items", "0", "price"]),
        "inconsistent": ([ticket(cat)], {"total": 1}, ["total"]),
        "currency": ([ticket(cat)], {"currency": "EUR"}, ["currency"]),
        "no fund": ([{"kind": "DONATION", "price": 500}], {}, ["items", "0", "fundId"]),
        "unknown instance": (
            [{**ticket(cat), "instanceId": "nonsense"}],
            {},
            ["items", "0", "instanceId"],
        ),
        "empty": ([], {}, ["items"]),
    }
    for name, (items, extra, field) in cases.items():
        result = await record(api, owner, items, **extra)
        assert result["order"] is None, name
        assert field in [e["field"] for e in result["errors"]], (name, result["errors"])
    other = await record(api, stranger, [ticket(cat)])
    assert other["errors"] == [
        {"code": "NOT_FOUND", "message": "Customer not found.", "field": ["ownerId"]}
    ]
    orders = await api.data(
        "query($id: ID!) { customer(id: $id) { orders { edges { node { id } } } } }", {"id": owner}
    )
    assert orders["customer"]["orders"]["edges"] == []
