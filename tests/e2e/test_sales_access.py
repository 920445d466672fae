"""Who may sell and set up sales, what another organisation's ids resolve to, how the sales
lists filter, and what the catalogue refuses."""

from __future__ import annotations

from typing import Any

from domain.roles import Role
from tests.conftest import Api
from tests.e2e.sales_fixtures import RECORD_ORDER, catalogue, person, record, save, ticket
from tests.e2e.test_returns_reservations_visits import (
    PURCHASE,
    RECORD_VISIT,
    RELEASE,
    RESERVE,
    RETURN_ITEMS,
    purchase,
    record_visit,
    release,
    reserve,
    return_items,
)

EVENING = "2027-03-01T19:30:00+00:00"
INSTANCES = """query($from: DateTime, $before: DateTime, $company: ID) {
  eventInstances(startsFrom: $from, startsBefore: $before, partnerCompanyId: $company) {
    edges { node { startsAt event { name } } } } }"""
ORDERS = """query($id: ID!, $kinds: [ItemKind!], $from: DateTime, $before: DateTime) {
  customer(id: $id) { orders(kinds: $kinds, orderedFrom: $from, orderedBefore: $before) {
    edges { node { orderedAt } } } } }"""
LISTS = "{ funds { code } membershipSchemes { name } partnerCompanies { name } events { name } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"


def saving(mutation: str, input_type: str) -> str:
    return (
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ "
        "errors { code message field } } }"
    )


SAVE_PARTNER = saving("savePartnerCompany", "PartnerCompanyInput")
SAVE_EVENT = saving("saveEvent", "EventInput")
SAVE_INSTANCE = saving("saveEventInstance", "EventInstanceInput")
SAVE_FUND = saving("saveFund", "FundInput")
SAVE_SCHEME = saving("saveMembershipScheme", "MembershipSchemeInput")
SCHEME = {"name": "Patrons", "price": 25000, "lengthMonths": 12}


async def event_id(api: Api) -> str:
    data = await api.data("{ eventInstances { edges { node { event { id } } } } }")
    return data["eventInstances"]["edges"][0]["node"]["event"]["id"]  # type: ignore[no-any-return]


async def problems(api: Api, query: str, values: dict[str, Any]) -> list[tuple[str, Any]]:
    """The (code, field) of each error of a catalogue mutation."""
    payload = next(iter((await api.data(query, {"input": values})).values()))
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def refusal(api: Api, query: str, variables: dict[str, Any], key: str) -> str:
    """The code of the request-level errors of calling `query` with `key`; nothing answers."""
    result = await api.call(query, variables, key=key)
    assert not any((result["data"] or {}).values()), result
    [code] = {error["extensions"]["code"] for error in result["errors"]}
    return code


async def test_the_catalogue_is_changed_only_with_settings_admin(api: Api) -> None:
    cat = await catalogue(api)
    before = await api.data(LISTS)
    sales = await api.key_with(Role.SALES)
    attempts = [
        (SAVE_PARTNER, {"name": "Complicité"}),
        (SAVE_EVENT, {"name": "The Encounter"}),
        (SAVE_INSTANCE, {"eventId": await event_id(api), "startsAt": EVENING}),
        (SAVE_FUND, {"name": "Capital", "code": "CAP"}),
        (SAVE_SCHEME, SCHEME),
        (SAVE_FUND, {"id": cat.fund, "name": "Renamed", "code": "NEW"}),
    ]

    codes = [await refusal(api, query, {"input": values}, sales) for query, values in attempts]

    assert set(codes) == {"PERMISSION_DENIED"}
    assert await api.data(LISTS) == before


async def test_selling_needs_the_sales_role(api: Api) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Watched")
    order = (await record(api, owner, [ticket(cat)]))["order"]
    held = (await reserve(api, cat, owner))["reservation"]
    insights = await api.key_with(Role.INSIGHTS)
    attempts = [
        (RECORD_ORDER, {"ownerId": owner, "channel": "WEB", "items": [ticket(cat)]}),
        (RETURN_ITEMS, {"orderId": order["id"], "itemIds": [order["items"][0]["id"]]}),
        (RESERVE, {"customerId": owner, "tickets": [], "expiresAt": "2099-01-01T00:00:00Z"}),
        (PURCHASE, {"reservationId": held["id"], "channel": "WEB"}),
        (RECORD_VISIT, {"customerId": owner, "instanceId": cat.instance}),
    ]

    codes = [await refusal(api, query, {"input": values}, insights) for query, values in attempts]
    codes.append(await refusal(api, RELEASE, {"id": held["id"]}, insights))

    assert set(codes) == {"PERMISSION_DENIED"}
    assert (await purchase(api, held["id"]))["errors"] == []
    assert (await return_items(api, order["id"], [order["items"][0]["id"]]))["errors"] == []


def not_found(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_another_organisations_ids_are_not_found_by_mutations(
    api: Api, other_api: Api
) -> None:
    mine = await catalogue(api)
    owner = await person(api, "Mine")
    order = (await record(api, owner, [ticket(mine)]))["order"]
    held = (await reserve(api, mine, owner))["reservation"]
    theirs = await catalogue(other_api)
    stranger = await person(other_api, "Theirs")
    their_order = (await record(other_api, stranger, [ticket(theirs)]))["order"]
    their_item = [their_order["items"][0]["id"]]
    lines = [
        (ticket(mine), "instanceId"),
        ({"kind": "DONATION", "price": 500, "fundId": mine.fund}, "fundId"),
        ({"kind": "MEMBERSHIP", "price": 5000, "schemeId": mine.scheme}, "schemeId"),
    ]

    for line, field in lines:
        result = await record(other_api, stranger, [line])
        assert not_found(result) == [("NOT_FOUND", ["items", "0", field])]
    assert not_found(await return_items(other_api, order["id"], [order["items"][0]["id"]])) == [
        ("NOT_FOUND", ["orderId"])
    ]
    given = await return_items(other_api, their_order["id"], their_item, donateToFundId=mine.fund)
    assert not_found(given) == [("NOT_FOUND", ["donateToFundId"])]
    assert not_found(await reserve(other_api, mine, stranger)) == [
        ("NOT_FOUND", ["tickets", "0", "instanceId"])
    ]
    for ending in (purchase, release):
        assert not_found(await ending(other_api, held["id"])) == [("NOT_FOUND", ["reservationId"])]
    assert not_found(await record_visit(other_api, stranger, mine.instance)) == [
        ("NOT_FOUND", ["instanceId"])
    ]
    catalogue_changes = [
        (SAVE_EVENT, {"name": "Borrowed", "partnerCompanyId": mine.partner}, "partnerCompanyId"),
        (SAVE_INSTANCE, {"eventId": await event_id(api), "startsAt": EVENING}, "eventId"),
        (SAVE_FUND, {"id": mine.fund, "name": "Stolen", "code": "STOLEN"}, "id"),
        (SAVE_SCHEME, {**SCHEME, "id": mine.scheme}, "id"),
    ]
    for query, values, field in catalogue_changes:
        assert await problems(other_api, query, values) == [("NOT_FOUND", [field])]
    assert (await purchase(api, held["id"]))["errors"] == []


async def test_another_organisations_ids_read_as_nothing(api: Api, other_api: Api) -> None:
    mine = await catalogue(api)
    owner = await person(api, "Private")
    order = (await record(api, owner, [ticket(mine)]))["order"]
    held = (await reserve(api, mine, owner))["reservation"]
    visit = (await record_visit(api, owner, mine.instance))["visit"]
    ids = [order["id"], order["items"][0]["id"], held["id"], visit["id"], mine.instance]
    ids += [mine.fund, mine.scheme, mine.partner, await event_id(api)]
    await catalogue(other_api)

    seen = [(await other_api.data(NODE, {"id": global_id}))["node"] for global_id in ids]
    their_order = await other_api.data("query($id: ID!) { order(id: $id) { id } }", order)
    their_lists = await other_api.data(LISTS)
    their_instances = await other_api.data(INSTANCES, {"company": mine.partner})

    assert seen == [None] * len(ids)
    assert their_order == {"order": None}
    assert their_lists["funds"] == [{"code": "ANNUAL"}]  # their own, not ours
    assert their_instances["eventInstances"]["edges"] == []
    assert [(await api.data(NODE, {"id": i}))["node"] for i in ids] == [{"id": i} for i in ids]


async def test_sales_queries_need_credentials(api: Api) -> None:
    await catalogue(api)
    queries = [LISTS, INSTANCES, 'query { order(id: "T3JkZXI6MQ") { id } }']

    codes = {await refusal(api, query, {}, key="") for query in queries}

    assert codes == {"UNAUTHENTICATED"}


async def test_event_instances_filter_by_date_range_and_partner_company(
    api: Api, other_api: Api
) -> None:
    cat = await catalogue(api)
    await catalogue(other_api)
    house = await save(api, "saveEvent", "EventInput", "event", {"name": "Hamlet"})
    for starts_at in (
        "2027-02-28T23:59:59+00:00",
        "2027-03-01T00:00:00+00:00",
        "2027-03-01T14:00:00+00:00",
        "2027-04-01T00:00:00+00:00",
    ):
        values = {"eventId": house, "startsAt": starts_at, "venue": "Studio"}
        await save(api, "saveEventInstance", "EventInstanceInput", "eventInstance", values)

    async def listed(**variables: str) -> list[tuple[str, str]]:
        data = await api.data(INSTANCES, variables)
        edges = data["eventInstances"]["edges"]
        return [(e["node"]["startsAt"][:16], e["node"]["event"]["name"]) for e in edges]

    march = await listed(**{"from": "2027-03-01T00:00:00Z", "before": "2027-04-01T00:00:00Z"})
    assert march == [
        ("2027-03-01T00:00", "Hamlet"),
        ("2027-03-01T14:00", "Hamlet"),
        ("2027-03-01T19:30", "Tristan & Yseult"),
    ]
    assert await listed(company=cat.partner) == [("2027-03-01T19:30", "Tristan & Yseult")]
    assert len(await listed()) == 5


async def test_customer_orders_filter_by_item_kinds_and_date_range(api: Api) -> None:
    cat = await catalogue(api)
    owner = await person(api, "Filter")
    donation = {"kind": "DONATION", "price": 1000, "fundId": cat.fund}
    merchandise = {"kind": "MERCHANDISE", "price": 800}
    for ordered_at, items in (
        ("2026-01-10T10:00:00+00:00", [ticket(cat)]),
        ("2026-02-10T10:00:00+00:00", [donation]),
        ("2026-03-10T10:00:00+00:00", [ticket(cat), merchandise]),
    ):
        assert (await record(api, owner, items, orderedAt=ordered_at))["errors"] == []

    async def months(**variables: Any) -> list[str]:
        data = await api.data(ORDERS, {"id": owner, **variables})
        return [e["node"]["orderedAt"][:7] for e in data["customer"]["orders"]["edges"]]

    assert await months() == ["2026-03", "2026-02", "2026-01"]
    assert await months(kinds=["TICKET"]) == ["2026-03", "2026-01"]
    assert await months(kinds=["MERCHANDISE", "DONATION"]) == ["2026-03", "2026-02"]
    assert await months(**{"from": "2026-02-10T10:00:00Z", "before": "2026-03-10T10:00:00Z"}) == [
        "2026-02"
    ]
    assert await months(kinds=["MEMBERSHIP"]) == []


async def test_the_catalogue_refuses_blank_long_and_impossible_entries(api: Api) -> None:
    await catalogue(api)
    before = await api.data(LISTS)
    event, long = await event_id(api), "x" * 10_000
    cases = [
        (SAVE_PARTNER, {"name": "   "}, [("VALIDATION", ["name"])]),
        (SAVE_PARTNER, {"name": long}, [("VALIDATION", ["name"])]),
        (SAVE_EVENT, {"name": ""}, [("VALIDATION", ["name"])]),
        (SAVE_EVENT, {"name": long}, [("VALIDATION", ["name"])]),
        (
            SAVE_FUND,
            {"name": " ", "code": ""},
            [("VALIDATION", ["name"]), ("VALIDATION", ["code"])],
        ),
        (SAVE_FUND, {"name": "Another", "code": " annual "}, [("CONFLICT", ["code"])]),
        (SAVE_FUND, {"name": long, "code": "LONG"}, [("VALIDATION", ["name"])]),
        (SAVE_SCHEME, {**SCHEME, "lengthMonths": 0}, [("VALIDATION", ["lengthMonths"])]),
        (SAVE_SCHEME, {**SCHEME, "price": -1}, [("VALIDATION", ["price"])]),
        (SAVE_SCHEME, {**SCHEME, "gracePeriodDays": -1}, [("VALIDATION", ["gracePeriodDays"])]),
        (SAVE_SCHEME, {**SCHEME, "name": long}, [("VALIDATION", ["name"])]),
        (
            SAVE_INSTANCE,
            {"eventId": event, "startsAt": EVENING, "venue": long},
            [("VALIDATION", ["venue"])],
        ),
    ]

    for query, values, expected in cases:
        assert await problems(api, query, values) == expected, values

    assert await api.data(LISTS) == before
    instances = await api.data(INSTANCES)
    assert len(instances["eventInstances"]["edges"]) == 1
