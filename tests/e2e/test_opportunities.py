"""Campaigns, stages and opportunities with their five figures, over HTTP."""

from __future__ import annotations

from typing import Any

from domain.roles import Role
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import (
    CANCEL_PLEDGE,
    CHANGE,
    ERRORS,
    LINK_ITEM,
    LINK_PLEDGE,
    LINK_RESERVATION,
    PURCHASE,
    campaign,
    changing,
    codes,
    donation,
    figures,
    fundraising,
    mutate,
    ok,
    open_opportunity,
    opening,
    pay,
    pledge,
    refusal,
    reservation,
    save_campaign,
    staff_user,
    stage,
    timeline,
)
from tests.e2e.sales_fixtures import person

DELETE_STAGE = f"""mutation($id: ID!) {{ deleteOpportunityStage(stageId: $id)
  {{ deleted {ERRORS} }} }}"""
RETIRE_STAGE = f"""mutation($id: ID!) {{ retireOpportunityStage(stageId: $id)
  {{ stage {{ retired }} {ERRORS} }} }}"""
HISTORY = """query($id: ID!) { node(id: $id) { ... on Opportunity { stage { name }
  stageHistory { actor occurredAt fromStage { name } toStage { name } } } } }"""
STAGES = "{ opportunityStages { name retired } }"
PROGRESS = """query($id: ID!) { node(id: $id) { ... on Campaign { progress {
  target { amount } asked { amount } received { amount } pledged { amount }
  reserved { amount } } } } }"""
DASHBOARD = """query($owner: ID, $stage: ID, $campaign: ID, $open: Boolean) {
  opportunities(ownerId: $owner, stageId: $stage, campaignId: $campaign, open: $open) {
  edges { node { name } } } }"""


async def test_campaigns_nest_three_levels_deep_and_a_fourth_level_is_a_conflict(
    api: Api,
) -> None:
    top = await campaign(api, "Annual Appeal")
    sub = await campaign(api, "Spring", top)
    leaf = await campaign(api, "Gala", sub)

    fourth = await save_campaign(api, "Raffle", leaf)

    assert codes(fourth) == [("CONFLICT", ["parentId"])]
    assert fourth["campaign"] is None
    children = await api.data("query($id: ID) { campaigns(parentId: $id) { name } }", {"id": leaf})
    assert children == {"campaigns": []}


async def test_an_unused_stage_is_deleted_and_a_used_one_can_only_be_retired(api: Api) -> None:
    plan = await fundraising(api)
    unused = await stage(api, "Lapsed", 9)

    deleted = await mutate(api, DELETE_STAGE, {"id": unused})
    refused = await mutate(api, DELETE_STAGE, {"id": plan.stages[0]})
    retired = await mutate(api, RETIRE_STAGE, {"id": plan.stages[0]})

    assert ok(deleted)["deleted"] is True
    assert codes(refused) == [("CONFLICT", ["stageId"])] and refused["deleted"] is False
    assert ok(retired)["stage"] == {"retired": True}
    assert (await api.data(STAGES))["opportunityStages"] == [
        {"name": "Prospect", "retired": True},
        {"name": "Ask", "retired": False},
        {"name": "Won", "retired": False},
    ]
    too_late = await opening(api, plan.donor, plan.campaigns.top, plan.owner, plan.stages[0])
    assert codes(too_late) == [("CONFLICT", ["stageId"])]


async def test_moving_an_opportunity_is_recorded_with_who_and_shown_on_the_timeline(
    api: Api,
) -> None:
    plan = await fundraising(api)

    moved = await changing(api, plan.opportunity, stageId=plan.stages[1])

    assert ok(moved)["opportunity"]["stage"]["name"] == "Ask"
    node = (await api.data(HISTORY, {"id": plan.opportunity}))["node"]
    [step] = node["stageHistory"]
    assert (step["fromStage"]["name"], step["toStage"]["name"]) == ("Prospect", "Ask")
    assert step["actor"].startswith("test (all roles)") and step["occurredAt"]
    entries = await timeline(api, plan.donor, "OPPORTUNITY_OPENED", "OPPORTUNITY_STAGE_CHANGED")
    assert [e["summary"] for e in entries] == [
        "Opportunity 'Major gift' moved from Prospect to Ask.",
        "Opportunity 'Major gift' opened at Prospect.",
    ]


async def test_a_closed_opportunity_keeps_its_stage_and_cannot_be_moved(api: Api) -> None:
    plan = await fundraising(api)
    won = ok(await changing(api, plan.opportunity, stageId=plan.stages[2], open=False))

    moved = await changing(api, plan.opportunity, stageId=plan.stages[0])
    kept_closed = await changing(api, plan.opportunity, stageId=plan.stages[0], open=False)

    assert (won["opportunity"]["open"], won["opportunity"]["stage"]["name"]) == (False, "Won")
    assert codes(moved) == codes(kept_closed) == [("CONFLICT", ["stageId"])]
    node = (await api.data(HISTORY, {"id": plan.opportunity}))["node"]
    assert node["stage"] == {"name": "Won"} and len(node["stageHistory"]) == 1


async def test_a_linked_donation_counts_as_received(api: Api) -> None:
    plan = await fundraising(api)
    item = await donation(api, plan.donor, plan.catalogue.fund, 12_500)

    linked = await mutate(api, LINK_ITEM, {"item": item, "opportunity": plan.opportunity})

    assert ok(linked)["opportunity"]["received"] == {"amount": 12_500}
    after = await figures(api, plan.opportunity)
    assert after == dict.fromkeys(("target", "asked", "pledged", "reserved"), 0) | {
        "received": 12_500
    }


async def test_paying_a_linked_pledge_moves_exactly_each_payment_from_pledged_to_received(
    api: Api,
) -> None:
    plan = await fundraising(api)
    made = ok(await pledge(api, plan.donor, plan.catalogue.fund, 30_000, instalments=3))["pledge"]
    ok(await mutate(api, LINK_PLEDGE, {"pledge": made["id"], "opportunity": plan.opportunity}))
    first = made["instalments"][0]["id"]
    before = await figures(api, plan.opportunity)

    ok(await pay(api, first, 4_000))
    partly = await figures(api, plan.opportunity)
    ok(await pay(api, first, 6_000))
    fully = await figures(api, plan.opportunity)

    assert (before["pledged"], before["received"]) == (30_000, 0)
    assert (partly["pledged"], partly["received"]) == (26_000, 4_000)
    assert (fully["pledged"], fully["received"]) == (20_000, 10_000)


async def test_buying_a_linked_reservation_moves_price_and_commission_to_received(
    api: Api,
) -> None:
    plan = await fundraising(api)
    held = await reservation(api, plan.catalogue, plan.donor, price=4_000, commission=250)
    linked = await mutate(
        api, LINK_RESERVATION, {"reservation": held, "opportunity": plan.opportunity}
    )

    bought = await mutate(api, PURCHASE, {"id": held})

    assert ok(linked)["opportunity"]["reserved"] == {"amount": 4_250}
    assert ok(bought)["order"]["id"]
    after = await figures(api, plan.opportunity)
    assert (after["reserved"], after["received"]) == (0, 4_250)


async def test_cancelling_a_pledge_clears_pledged_and_keeps_what_was_received(api: Api) -> None:
    plan = await fundraising(api)
    linked = {"opportunityId": plan.opportunity}
    made = ok(await pledge(api, plan.donor, plan.catalogue.fund, 9_000, 3, **linked))["pledge"]
    ok(await pay(api, made["instalments"][0]["id"], 3_000))

    cancelled = await mutate(api, CANCEL_PLEDGE, {"id": made["id"]})

    assert ok(cancelled)["pledge"]["status"] == "CANCELLED"
    after = await figures(api, plan.opportunity)
    assert (after["pledged"], after["received"]) == (0, 3_000)


async def test_campaign_progress_sums_its_opportunities_and_its_sub_campaigns(api: Api) -> None:
    plan = await fundraising(api)  # its opportunity is on the leaf campaign
    other = await person(api, "Otto")
    on_top = await open_opportunity(
        api, other, plan.campaigns.top, plan.owner, plan.stages[0], target=5_000, asked=2_000
    )
    sibling = await campaign(api, "Elsewhere")
    elsewhere = await open_opportunity(api, other, sibling, plan.owner, plan.stages[0])
    for customer, opportunity, amount in (
        (plan.donor, plan.opportunity, 700),
        (other, on_top["id"], 300),
        (other, elsewhere["id"], 50),
    ):
        item = await donation(api, customer, plan.catalogue.fund, amount)
        ok(await mutate(api, LINK_ITEM, {"item": item, "opportunity": opportunity}))
    ok(await pledge(api, other, plan.catalogue.fund, 1_000, opportunityId=on_top["id"]))

    top = (await api.data(PROGRESS, {"id": plan.campaigns.top}))["node"]["progress"]
    sub = (await api.data(PROGRESS, {"id": plan.campaigns.sub}))["node"]["progress"]

    # target, asked, received, pledged, reserved
    assert [money["amount"] for money in top.values()] == [5_000, 2_000, 1_000, 1_000, 0]
    assert (sub["received"]["amount"], sub["pledged"]["amount"]) == (700, 0)


async def test_the_dashboard_filters_by_owner_stage_campaign_and_open(api: Api) -> None:
    plan = await fundraising(api)
    colleague, _ = await staff_user(api)
    other = await person(api, "Olga")
    await open_opportunity(
        api, other, plan.campaigns.top, colleague, plan.stages[1], name="Legacy talk"
    )
    closed = await open_opportunity(
        api, other, plan.campaigns.sub, plan.owner, plan.stages[2], name="Done deal"
    )
    ok(await changing(api, closed["id"], open=False))

    async def names(**where: Any) -> list[str]:
        found = (await api.data(DASHBOARD, where))["opportunities"]["edges"]
        return [edge["node"]["name"] for edge in found]

    assert await names() == ["Done deal", "Legacy talk", "Major gift"]
    assert await names(owner=colleague) == ["Legacy talk"]
    assert await names(stage=plan.stages[2]) == ["Done deal"]
    assert await names(campaign=plan.campaigns.leaf) == ["Major gift"]
    assert await names(open=False) == ["Done deal"]
    assert await names(owner=plan.owner, open=True) == ["Major gift"]


async def test_fundraising_is_closed_to_a_key_without_the_opportunities_role(api: Api) -> None:
    plan = await fundraising(api)
    sales = await api.key_with(Role.SALES)
    item = await donation(api, plan.donor, plan.catalogue.fund, 100)
    reads = [
        (DASHBOARD, {}),
        ("{ campaigns { name } }", {}),
        ("{ opportunityStages { name } }", {}),
        ("{ staffUsers { email } }", {}),
        (HISTORY, {"id": plan.opportunity}),
        (PROGRESS, {"id": plan.campaigns.top}),
    ]
    writes = [
        (CHANGE, {"input": {"opportunityId": plan.opportunity, "name": "Renamed"}}),
        (LINK_ITEM, {"item": item, "opportunity": plan.opportunity}),
        (DELETE_STAGE, {"id": plan.stages[2]}),
    ]

    read_codes = [await refusal(api, query, values, sales) for query, values in reads]
    write_codes = [await refusal(api, query, values, sales) for query, values in writes]

    assert set(read_codes) == set(write_codes) == {"PERMISSION_DENIED"}
    assert (await figures(api, plan.opportunity))["received"] == 0


async def test_campaigns_stages_and_reminder_settings_need_opportunities_admin(
    api: Api,
) -> None:
    fundraiser = await api.key_with(Role.OPPORTUNITIES)
    top = await campaign(api, "Annual Appeal")

    attempts = [
        ('mutation { saveCampaign(input: {name: "Mine"}) { errors { code } } }', {}),
        (
            'mutation($id: ID!) { saveCampaign(input: {id: $id, name: "Renamed"}) '
            "{ errors { code } } }",
            {"id": top},
        ),
        (
            'mutation { saveOpportunityStage(input: {name: "New", position: 1}) '
            "{ errors { code } } }",
            {},
        ),
        (
            "mutation { saveReminderSettings(input: {firstDaysBefore: 1, everyDays: 1, "
            "maxReminders: 9}) { errors { code } } }",
            {},
        ),
    ]

    assert {await refusal(api, q, v, fundraiser) for q, v in attempts} == {"PERMISSION_DENIED"}
    assert (await api.data("{ campaigns { name } }"))["campaigns"] == [{"name": "Annual Appeal"}]
    assert (await api.data(DASHBOARD, key=fundraiser))["opportunities"]["edges"] == []


async def test_another_organisations_opportunity_stage_and_campaign_are_not_found(
    api: Api, other_api: Api
) -> None:
    plan = await fundraising(api)
    theirs = await fundraising(other_api)
    item = await donation(api, plan.donor, plan.catalogue.fund, 100)

    moved = await changing(other_api, plan.opportunity, stageId=theirs.stages[1])
    linked = await mutate(other_api, LINK_ITEM, {"item": item, "opportunity": plan.opportunity})
    deleted = await mutate(other_api, DELETE_STAGE, {"id": plan.stages[2]})
    nested = await save_campaign(other_api, "Under theirs", plan.campaigns.top)
    opened = await opening(
        other_api, theirs.donor, plan.campaigns.top, theirs.owner, theirs.stages[0]
    )

    assert codes(moved) == [("NOT_FOUND", ["opportunityId"])]
    assert codes(linked) == [("NOT_FOUND", ["opportunityId"])]
    assert codes(deleted) == [("NOT_FOUND", ["stageId"])]
    assert codes(nested) == [("NOT_FOUND", ["parentId"])]
    assert codes(opened) == [("NOT_FOUND", ["campaignId"])]
    assert (await other_api.data(HISTORY, {"id": plan.opportunity})) == {"node": None}
    assert (await api.data(STAGES))["opportunityStages"][2] == {"name": "Won", "retired": False}


async def test_negative_amounts_and_another_organisations_stage_are_refused(
    api: Api, other_api: Api
) -> None:
    plan = await fundraising(api)
    foreign_stage = await stage(other_api, "Foreign", 0)

    negative = await changing(api, plan.opportunity, target=-1, asked=-5)
    negative_campaign = await save_campaign(api, "Minus", target=-100)
    foreign = await changing(api, plan.opportunity, stageId=foreign_stage)
    opened = await opening(api, plan.donor, plan.campaigns.top, plan.owner, foreign_stage)

    assert sorted(codes(negative)) == [("VALIDATION", ["asked"]), ("VALIDATION", ["target"])]
    assert codes(negative_campaign) == [("VALIDATION", ["target"])]
    assert codes(foreign) == [("NOT_FOUND", ["stageId"])]
    assert codes(opened) == [("NOT_FOUND", ["stageId"])]
    node = (await api.data(HISTORY, {"id": plan.opportunity}))["node"]
    assert node == {"stage": {"name": "Prospect"}, "stageHistory": []}
