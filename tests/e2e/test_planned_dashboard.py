"""The opportunities dashboard reads its page, each one's customer, stage and owner, and the
five figures in one statement; and answers what the dataloaders answer for each."""

from __future__ import annotations

from tests.conftest import Api, StatementCounter
from tests.e2e.fundraising_fixtures import (
    LINK_PLEDGE,
    LINK_RESERVATION,
    donation,
    fundraising,
    mutate,
    ok,
    open_opportunity,
    pay,
    pledge,
    reservation,
)
from tests.e2e.sales_fixtures import person

SELECTION = """id name customer { id displayName } stage { id name } owner { id name }
  target { amount } asked { amount } received { amount } pledged { amount }
  reserved { amount }"""
DASHBOARD = f"{{ opportunities(first: 50) {{ edges {{ node {{ {SELECTION} }} }} }} }}"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Opportunity {{ {SELECTION} }} }} }}"


async def test_the_dashboard_is_one_statement_and_agrees_with_the_dataloaders(
    api: Api, statements: StatementCounter
) -> None:
    plan = await fundraising(api)
    made = ok(await pledge(api, plan.donor, plan.catalogue.fund, 30_000, instalments=3))["pledge"]
    ok(await mutate(api, LINK_PLEDGE, {"pledge": made["id"], "opportunity": plan.opportunity}))
    ok(await pay(api, made["instalments"][0]["id"], 4_000))
    otto = await person(api, "Otto")
    other = await open_opportunity(api, otto, plan.campaigns.leaf, plan.owner, plan.stages[1])
    held = await reservation(api, plan.catalogue, otto, price=4_000, commission=250)
    ok(await mutate(api, LINK_RESERVATION, {"reservation": held, "opportunity": other["id"]}))
    await donation(api, plan.donor, plan.catalogue.fund, 1_000)  # linked to nothing
    statements.count = 0

    edges = (await api.data(DASHBOARD))["opportunities"]["edges"]

    assert statements.count == 1
    planned = [e["node"] for e in edges]
    loaded = [(await api.data(NODE, {"id": o["id"]}))["node"] for o in planned]
    assert planned == loaded
    figures = {o["id"]: (o["received"], o["pledged"], o["reserved"]) for o in planned}
    assert figures == {
        plan.opportunity: ({"amount": 4_000}, {"amount": 26_000}, {"amount": 0}),
        other["id"]: ({"amount": 0}, {"amount": 0}, {"amount": 4_250}),
    }
