"""Erasing a customer: the person is gone from every row that is theirs, every figure of
every opportunity and campaign stays as it was, the ledger keeps its entries unlinked, and
the erased addresses are kept only as hashes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from domain.consent.erasure import email_hash
from infra.db import consent_tables as c
from infra.db import tables as t
from infra.db.tables import all_tables
from tests.conftest import Api
from tests.e2e.consent_fixtures import answer, email_preference
from tests.e2e.fundraising_fixtures import (
    LINK_ITEM,
    donation,
    fundraising,
    mutate,
    ok,
    open_opportunity,
    pay,
    pledge,
)
from tests.e2e.sales_fixtures import record, ticket
from tests.e2e.test_customers import create_individual, search
from tests.e2e.test_relationships import add, create_type
from tests.e2e.test_returns_reservations_visits import pk
from tests.integration.jobs import tenant_id

ERASE = """
mutation($id: ID!, $reason: String!, $confirm: String!) {
  eraseCustomer(customerId: $id, reason: $reason, confirmReference: $confirm) {
    customer { displayName active emails { address } }
    errors { code message field }
  }
}"""
PROGRESS = """query($id: ID!) { node(id: $id) { ... on Campaign { progress {
  target { amount } asked { amount } received { amount } pledged { amount }
  reserved { amount } } } } }"""
FIGURES = """query($id: ID!) { node(id: $id) { ... on Opportunity {
  target { amount } asked { amount } received { amount } pledged { amount }
  reserved { amount } } } }"""
PERSONAL = (
    "Augusta",
    "Lovelace",
    "ada@lovelace.example",
    "ada",
    "020 7946 0000",
    "12 St James's Square",
    "SW1Y 4JH",
    "analyst",
    "Difference engine fan",
)


async def erasable(api: Api) -> tuple[dict[str, Any], Any]:
    """Ada, with every kind of detail, an opportunity named after her with a donation and a
    pledge paid in part, an order with an attribute about her, consent answers and a
    spouse whose timeline names her."""
    setup = await fundraising(api)
    ada = await create_individual(
        api,
        title="Lady",
        firstName="Augusta",
        lastName="Lovelace",
        emails=[{"address": "ada@lovelace.example"}],
        phones=[{"number": "020 7946 0000"}],
        addresses=[{"line1": "12 St James's Square", "postcode": "SW1Y 4JH", "primary": True}],
        tags=["analyst"],
        attributes=[{"key": "Interest", "value": "Difference engine fan"}],
    )
    spouse = await create_individual(api, firstName="William", lastName="King")
    kind = await create_type(api, "Spouse")
    assert (await add(api, typeId=kind["id"], fromCustomerId=ada["id"], toCustomerId=spouse["id"]))[
        "errors"
    ] == []
    opportunity = await open_opportunity(
        api,
        ada["id"],
        setup.campaigns.leaf,
        setup.owner,
        setup.stages[1],
        name="Augusta Lovelace major gift",
        target=500_000,
        asked=250_000,
    )
    gift = await donation(api, ada["id"], setup.catalogue.fund, 10_000)
    ok(await mutate(api, LINK_ITEM, {"item": gift, "opportunity": opportunity["id"]}))
    pledged = ok(
        await pledge(
            api, ada["id"], setup.catalogue.fund, 60_000, 3, opportunityId=opportunity["id"]
        )
    )
    ok(await pay(api, pledged["pledge"]["instalments"][0]["id"], 20_000))
    order = await record(
        api,
        ada["id"],
        [ticket(setup.catalogue)],
        attributes=[{"key": "Note", "value": "Seat for Augusta Lovelace near the aisle"}],
    )
    assert order["errors"] == []
    email = await email_preference(api)
    await answer(api, ada["id"], (email, True))
    return ada, (setup, opportunity["id"])


async def numbers(api: Api, setup: Any, opportunity: str) -> list[Any]:
    campaigns = [setup.campaigns.top, setup.campaigns.sub, setup.campaigns.leaf]
    found = [(await api.data(PROGRESS, {"id": c}))["node"] for c in campaigns]
    return [*found, (await api.data(FIGURES, {"id": opportunity}))["node"]]


def rows_of(api: Api, customer_pk: int) -> list[str]:
    """Every value in every row of the customer's, as text: rows naming them by a
    `customer_id`, `owner_id` or `from/to_customer_id`, their own row, and their orders'."""
    tenant = tenant_id(api.runtime.sync_engine, api.slug)
    texts = []
    with api.runtime.sync_engine.connect() as db:
        order_ids = [
            r.id
            for r in db.execute(
                select(t.metadata.tables["customer_order"].c.id).where(
                    t.metadata.tables["customer_order"].c.owner_id == customer_pk
                )
            )
        ]
        for table in all_tables().sorted_tables:
            if "tenant_id" not in table.c and table.name != "tenant":
                continue
            conditions = [
                table.c[name] == customer_pk
                for name in ("customer_id", "owner_id", "from_customer_id", "to_customer_id")
                if name in table.c
            ]
            if table.name == "customer":
                conditions.append(table.c.id == customer_pk)
            if "order_id" in table.c and order_ids:
                conditions.append(table.c.order_id.in_(order_ids))
            for condition in conditions:
                for row in db.execute(select(table).where(table.c.tenant_id == tenant, condition)):
                    texts.extend(str(v) for v in row)
    return texts


async def test_erasure_leaves_no_personal_string_and_every_figure_unchanged(api: Api) -> None:
    ada, (setup, opportunity) = await erasable(api)
    before = await numbers(api, setup, opportunity)
    assert any("Lovelace" in text for text in rows_of(api, pk(ada["id"])))

    erased = (
        await api.data(
            ERASE, {"id": ada["id"], "reason": "Asked to be forgotten", "confirm": ada["reference"]}
        )
    )["eraseCustomer"]

    assert erased["errors"] == []
    assert erased["customer"] == {"displayName": "Erased customer", "active": False, "emails": []}
    assert await numbers(api, setup, opportunity) == before
    leftovers = [
        text
        for text in rows_of(api, pk(ada["id"]))
        for word in PERSONAL
        if word.lower() in text.lower()
    ]
    assert leftovers == []
    assert await search(api, "Lovelace", inactive=True) == []
    tenant = tenant_id(api.runtime.sync_engine, api.slug)
    with api.runtime.sync_engine.connect() as db:
        ledger = db.execute(
            select(c.consent_entry).where(c.consent_entry.c.tenant_id == tenant)
        ).all()
        suppressed = (
            db.execute(
                select(c.email_suppression.c.address_hash).where(
                    c.email_suppression.c.tenant_id == tenant
                )
            )
            .scalars()
            .all()
        )
        logged = db.execute(
            select(c.customer_erasure).where(c.customer_erasure.c.tenant_id == tenant)
        ).one()
        notices = db.execute(
            select(t.outbox_message.c.task).where(
                t.outbox_message.c.tenant_id == tenant, t.outbox_message.c.task == "customer.erased"
            )
        ).all()
    assert [(e.customer_id, e.state) for e in ledger] == [(None, "GRANTED")]
    assert suppressed == [email_hash(tenant, "Ada@Lovelace.example")]
    assert (logged.reason, logged.customer_id) == ("Asked to be forgotten", pk(ada["id"]))
    assert len(notices) == 1
    spouse_timeline = await api.data(
        "query($q: String) { customers(search: $q) { edges { node { "
        "timeline { edges { node { summary } } } } } } }",
        {"q": "King"},
    )
    summaries = [
        e["node"]["summary"]
        for c in spouse_timeline["customers"]["edges"]
        for e in c["node"]["timeline"]["edges"]
    ]
    assert summaries and not any("Lovelace" in s or "Augusta" in s for s in summaries)


async def test_erasure_needs_the_reference_a_reason_and_ones_own_customer(
    api: Api, other_api: Api
) -> None:
    ada = await create_individual(api, firstName="Augusta", lastName="Lovelace")
    variables = {"id": ada["id"], "reason": "Asked", "confirm": "C-0"}
    wrong = (await api.data(ERASE, variables))["eraseCustomer"]
    assert wrong["errors"][0]["field"] == ["confirmReference"]
    blank = (await api.data(ERASE, variables | {"reason": " ", "confirm": ada["reference"]}))[
        "eraseCustomer"
    ]
    assert blank["errors"][0]["field"] == ["reason"]
    foreign = (await other_api.data(ERASE, variables | {"confirm": ada["reference"]}))[
        "eraseCustomer"
    ]
    assert foreign["errors"][0]["code"] == "NOT_FOUND"
    assert await search(api, "Lovelace") != []
    from domain.roles import Role

    sales = await api.key_with(Role.SALES)
    refused = await api.call(ERASE, variables | {"confirm": ada["reference"]}, key=sales)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    done = (await api.data(ERASE, variables | {"confirm": ada["reference"]}))["eraseCustomer"]
    assert done["errors"] == []
    again = (await api.data(ERASE, variables | {"confirm": ada["reference"]}))["eraseCustomer"]
    assert again["errors"][0]["code"] == "CONFLICT"
