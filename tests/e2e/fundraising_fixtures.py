"""Setting up fundraising through the API: stages, a campaign tree, an owner, an opportunity,
and the money that moves its figures (donations, pledges, payments, reservations)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.roles import Role
from infra.auth.accounts import create_user
from infra.clock import utc_now
from tests.conftest import Api
from tests.e2e.sales_fixtures import Catalogue, catalogue, person, record
from tests.e2e.test_relationships import add, create_type

ERRORS = "errors { code message field }"
PASSWORD = "a long enough password"
FIGURES = """target { amount } asked { amount } received { amount } pledged { amount }
  reserved { amount }"""
OPPORTUNITY = f"id name open stage {{ id name }} campaign {{ id }} owner {{ id }} {FIGURES}"
PLEDGE = """id status amount { amount } given { amount } outstanding { amount }
  instalments { id amount { amount } dueOn given { amount } status }"""
TIMELINE = """query($id: ID!) { customer(id: $id) { timeline { edges { node { type summary
  details { key value } } } } } }"""


async def mutate(api: Api, mutation: str, variables: dict[str, Any], key: str | None = None) -> Any:
    """The payload of a mutation that must not fail at the GraphQL level."""
    data = await api.data(mutation, variables, key=key)
    return next(iter(data.values()))


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["errors"] == [], payload["errors"]
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


def refusals(result: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    """The top-level errors (code, argument at fault) of a response whose fields are all
    null: how a caller without credentials or a role is refused, by every field alike."""
    assert not any((result["data"] or {}).values()), result["data"]
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in result["errors"]]


SAVE_STAGE = f"""mutation($input: OpportunityStageInput!) {{ saveOpportunityStage(input: $input)
  {{ stage {{ id name position retired }} {ERRORS} }} }}"""
SAVE_CAMPAIGN = f"""mutation($input: CampaignInput!) {{ saveCampaign(input: $input)
  {{ campaign {{ id name parent {{ id }} }} {ERRORS} }} }}"""
OPEN = f"""mutation($input: OpenOpportunityInput!) {{ openOpportunity(input: $input)
  {{ opportunity {{ {OPPORTUNITY} }} {ERRORS} }} }}"""
CHANGE = f"""mutation($input: ChangeOpportunityInput!) {{ changeOpportunity(input: $input)
  {{ opportunity {{ {OPPORTUNITY} }} {ERRORS} }} }}"""
LINK_ITEM = f"""mutation($item: ID!, $opportunity: ID!) {{ linkOrderItemToOpportunity(
  itemId: $item, opportunityId: $opportunity) {{ opportunity {{ {FIGURES} }} {ERRORS} }} }}"""
LINK_RESERVATION = f"""mutation($reservation: ID!, $opportunity: ID!) {{
  linkReservationToOpportunity(reservationId: $reservation, opportunityId: $opportunity)
  {{ opportunity {{ {FIGURES} }} {ERRORS} }} }}"""
LINK_PLEDGE = f"""mutation($pledge: ID!, $opportunity: ID!) {{ linkPledgeToOpportunity(
  pledgeId: $pledge, opportunityId: $opportunity) {{ pledge {{ id }} {ERRORS} }} }}"""
RECORD_PLEDGE = f"""mutation($input: RecordPledgeInput!) {{ recordPledge(input: $input)
  {{ pledge {{ {PLEDGE} }} {ERRORS} }} }}"""
PAY = f"""mutation($input: PayInstalmentInput!) {{ payInstalment(input: $input)
  {{ pledge {{ {PLEDGE} }} donation {{ id total {{ amount }} }} {ERRORS} }} }}"""
CANCEL_PLEDGE = f"""mutation($id: ID!) {{ cancelPledge(pledgeId: $id)
  {{ pledge {{ {PLEDGE} }} {ERRORS} }} }}"""
RESCHEDULE = f"""mutation($id: ID!, $instalments: [InstalmentInput!]!) {{
  reschedulePledge(pledgeId: $id, instalments: $instalments)
  {{ pledge {{ {PLEDGE} }} {ERRORS} }} }}"""
REMIND = f"""mutation($id: ID!) {{ sendPledgeReminder(pledgeId: $id) {{ pledge {{ id }}
  {ERRORS} }} }}"""
RESERVE = f"""mutation($input: ReserveTicketsInput!) {{ reserveTickets(input: $input)
  {{ reservation {{ id }} {ERRORS} }} }}"""
PURCHASE = f"""mutation($id: ID!) {{ purchaseReservation(input: {{reservationId: $id,
  channel: WEB}}) {{ order {{ id }} {ERRORS} }} }}"""
NODE_FIGURES = f"query($id: ID!) {{ node(id: $id) {{ ... on Opportunity {{ {FIGURES} }} }} }}"
STAFF = "{ staffUsers { id email } }"


async def stage(api: Api, name: str, position: int) -> str:
    payload = ok(await mutate(api, SAVE_STAGE, {"input": {"name": name, "position": position}}))
    return payload["stage"]["id"]  # type: ignore[no-any-return]


async def save_campaign(api: Api, name: str, parent: str | None = None, **fields: Any) -> Any:
    """The whole payload of `saveCampaign`."""
    return await mutate(api, SAVE_CAMPAIGN, {"input": {"name": name, "parentId": parent, **fields}})


async def campaign(api: Api, name: str, parent: str | None = None, target: int = 0) -> str:
    return ok(await save_campaign(api, name, parent, target=target))["campaign"]["id"]  # type: ignore[no-any-return]


async def staff_user(
    api: Api, roles: frozenset[Role] = frozenset({Role.OPPORTUNITIES})
) -> tuple[str, str]:
    """A new staff user of `api`'s organisation: its global id and log-in email."""
    email = f"fundraiser-{uuid.uuid4().hex[:8]}@example.org"
    await create_user(api.runtime.engine, api.slug, email, PASSWORD, roles)
    users = (await api.data(STAFF))["staffUsers"]
    return next(u["id"] for u in users if u["email"] == email), email


@dataclass
class Campaigns:
    top: str
    sub: str
    leaf: str


@dataclass
class Fundraising:
    """One organisation ready to raise money: stages, campaigns, an owner, a donor, a catalogue
    (with a fund and a performance) and an open opportunity."""

    stages: list[str]
    campaigns: Campaigns
    owner: str
    donor: str
    catalogue: Catalogue
    opportunity: str


async def fundraising(api: Api) -> Fundraising:
    stages = [await stage(api, name, n) for n, name in enumerate(("Prospect", "Ask", "Won"))]
    top = await campaign(api, "Capital Appeal", target=1_000_000)
    sub = await campaign(api, "Stage Door", top)
    leaf = await campaign(api, "Seats", sub)
    owner, _ = await staff_user(api)
    donor = await person(api, "Dora")
    cat = await catalogue(api)
    opened = await open_opportunity(api, donor, leaf, owner, stages[0])
    return Fundraising(stages, Campaigns(top, sub, leaf), owner, donor, cat, opened["id"])


async def opening(
    api: Api, customer: str, campaign_id: str, owner: str, stage_id: str, **fields: Any
) -> Any:
    """The whole payload of `openOpportunity`."""
    values = {"customerId": customer, "campaignId": campaign_id, "ownerId": owner}
    values |= {"stageId": stage_id, "name": "Major gift", **fields}
    return await mutate(api, OPEN, {"input": values})


async def open_opportunity(
    api: Api, customer: str, campaign_id: str, owner: str, stage_id: str, **fields: Any
) -> dict[str, Any]:
    opened = await opening(api, customer, campaign_id, owner, stage_id, **fields)
    return ok(opened)["opportunity"]  # type: ignore[no-any-return]


async def refusal(api: Api, query: str, variables: dict[str, Any], key: str) -> str:
    """The code of the request-level errors of calling `query` with `key`; nothing answers."""
    result = await api.call(query, variables, key=key)
    assert not any((result["data"] or {}).values()), result
    [code] = {error["extensions"]["code"] for error in result["errors"]}
    return code  # type: ignore[no-any-return]


async def changing(api: Api, opportunity: str, **fields: Any) -> Any:
    """The whole payload of `changeOpportunity`."""
    return await mutate(api, CHANGE, {"input": {"opportunityId": opportunity, **fields}})


async def figures(api: Api, opportunity: str) -> dict[str, int]:
    node = (await api.data(NODE_FIGURES, {"id": opportunity}))["node"]
    return {name: money["amount"] for name, money in node.items()}


async def donation(api: Api, customer: str, fund: str, amount: int) -> str:
    """Record a donation; return its order item's id."""
    result = await record(api, customer, [{"kind": "DONATION", "price": amount, "fundId": fund}])
    assert result["errors"] == [], result["errors"]
    return result["order"]["items"][0]["id"]  # type: ignore[no-any-return]


async def pledge(
    api: Api, customer: str, fund: str, amount: int, instalments: int = 1, **fields: Any
) -> Any:
    """The whole payload of recording a pledge split equally, first due in a month."""
    values = {
        "customerId": customer,
        "fundId": fund,
        "amount": amount,
        "equalInstalments": instalments,
        "firstDueOn": days(30),
        **fields,
    }
    return await mutate(api, RECORD_PLEDGE, {"input": values})


def days(n: int) -> str:
    """The date `n` days from today (UTC, as the server counts), ISO-formatted."""
    return (utc_now().date() + timedelta(days=n)).isoformat()


async def scheduled_pledge(
    api: Api, customer: str, fund: str, amount: int, schedule: list[tuple[int, int]]
) -> Any:
    """The whole payload of a pledge of `amount` with (amount, due in days) instalments,
    adding up or not."""
    values = {"customerId": customer, "fundId": fund, "amount": amount}
    values["instalments"] = [{"amount": a, "dueOn": days(d)} for a, d in schedule]
    return await mutate(api, RECORD_PLEDGE, {"input": values})


async def pay(api: Api, instalment: str, amount: int) -> Any:
    return await mutate(api, PAY, {"input": {"instalmentId": instalment, "amount": amount}})


async def reservation(api: Api, cat: Catalogue, customer: str, price: int, commission: int) -> str:
    held = {"instanceId": cat.instance, "priceBand": "A", "price": price, "commission": commission}
    expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    values = {"customerId": customer, "tickets": [held], "expiresAt": expires}
    return ok(await mutate(api, RESERVE, {"input": values}))["reservation"]["id"]  # type: ignore[no-any-return]


async def timeline(api: Api, customer: str, *entry_types: str) -> list[dict[str, Any]]:
    edges = (await api.data(TIMELINE, {"id": customer}))["customer"]["timeline"]["edges"]
    return [e["node"] for e in edges if e["node"]["type"] in entry_types]


async def relate(api: Api, person_id: str, organisation: str, type_name: str) -> None:
    kind = await create_type(api, type_name)
    values = {"typeId": kind["id"], "fromCustomerId": person_id, "toCustomerId": organisation}
    ok(await add(api, **values))
