"""The demo organisation's season: enough of a real venue's year to explore every area.

Made through the domain's own services, in their units of work, so every row comes with the
timeline entries and figures a real request would have written: visiting companies and their
events, performances either side of today, funds, two membership schemes, a three-level
capital campaign, stages, opportunities at several stages with pledges and payments,
activities, invitations to a gala, members, and a few thousand orders in bulk.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.actors import Actor, ActorKind
from domain.fundraising.activities import Activity, ActivityType, save_activity
from domain.fundraising.campaigns import Campaign, OpportunityStage, save_campaign, save_stage
from domain.fundraising.invitations import Invitation, Reply, answer, invite
from domain.fundraising.legacies import Legacy, record_legacy
from domain.fundraising.opportunities import Opportunity, open_opportunity
from domain.fundraising.pledging import PayInstalment, RecordPledge, pay_instalment, record_pledge
from domain.ports import UnitOfWork
from domain.roles import Role
from domain.sales import catalogue
from domain.sales.commands import ItemLine, RecordOrder
from domain.sales.orders import Channel, ItemKind
from domain.sales.recording import record_order
from infra.db import tables as t
from infra.db.unit_of_work import SqlUnitOfWork
from infra.demo.orders import generate_orders

T = TypeVar("T")
ORDER_ITEMS = 8000
COMPANIES = ("Kneehigh", "Paines Plough", "Complicité")
# (event, visiting company or None for the venue's own, performances, first night in days)
EVENTS = (
    ("Twelfth Night", None, 12, -75),
    ("The Seagull", None, 10, -40),
    ("Tristan & Yseult", "Kneehigh", 8, -20),
    ("Roots", "Paines Plough", 6, 10),
    ("The Encounter", "Complicité", 6, 35),
    ("A Christmas Carol", None, 24, 20),
    ("Messiah", None, 2, 25),
    ("Spring Gala", None, 1, 60),
)
FUNDS = (("Annual Fund", "ANNUAL"), ("Capital Appeal", "CAPITAL"), ("Learning", "LEARNING"))
STAGES = ("Identified", "Cultivation", "Ask made", "Pledged", "Won", "Declined")


@dataclass(frozen=True)
class Season:
    funds: dict[str, int]
    schemes: list[int]
    instances: list[int]
    gala: int
    stages: list[int]
    campaigns: list[int]


async def load_season(
    engine: AsyncEngine, sync_engine: Engine, tenant_id: int, staff_id: int, seed: int = 2026
) -> None:
    """Fill a new demo organisation's season; run once, when it is created."""
    actor = Actor(ActorKind.USER, staff_id, "Demo Staff", tenant_id, frozenset(Role))
    rng = random.Random(seed)

    async def perform(work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        async with SqlUnitOfWork(engine, actor) as uow:
            result = await work(uow)
            await uow.commit()
        return result

    season = await _catalogue_and_campaigns(perform)
    people = _individuals(sync_engine, tenant_id)
    generate_orders(sync_engine, tenant_id, ORDER_ITEMS, seed)
    await _members(perform, season, people[:40], rng)
    await _fundraising(perform, season, people[:12], staff_id, rng)


async def _catalogue_and_campaigns(perform: Callable[..., Awaitable[T]]) -> Season:
    companies = {}
    for name in COMPANIES:
        saved = await perform(
            lambda u, n=name: catalogue.save_partner_company(u, catalogue.PartnerCompany(n))
        )
        companies[name] = saved.id
    tonight = datetime.now(UTC).replace(hour=19, minute=30, second=0, microsecond=0)
    instances, gala = [], 0
    for name, company, nights, first in EVENTS:
        event = await perform(
            lambda u, n=name, c=company: catalogue.save_event(
                u, catalogue.Event(n, companies.get(c) if c else None)
            )
        )
        for night in range(nights):
            starts = tonight + timedelta(days=first + night)
            saved = await perform(
                lambda u, e=event.id, s=starts: catalogue.save_event_instance(
                    u, catalogue.EventInstance(e, s, "Main House")
                )
            )
            instances.append(saved.id)
            gala = saved.id if name == "Spring Gala" else gala
    funds = {}
    for name, code in FUNDS:
        fund = await perform(lambda u, n=name, c=code: catalogue.save_fund(u, catalogue.Fund(n, c)))
        funds[code] = fund.id
    schemes = [
        (await perform(lambda u, s=scheme: catalogue.save_membership_scheme(u, s))).id
        for scheme in (
            catalogue.MembershipScheme("Friends", 6000, 12, 30, 30, True),
            catalogue.MembershipScheme("Patrons' Circle", 50000, 12, 60, 30, False),
        )
    ]
    stages = [
        (await perform(lambda u, n=name, p=p: save_stage(u, OpportunityStage(n, p)))).id
        for p, name in enumerate(STAGES)
    ]
    appeal = await perform(lambda u: save_campaign(u, Campaign("Capital Appeal 2027", 250_000_00)))
    stage_door = await perform(
        lambda u: save_campaign(u, Campaign("Stage Door Project", 120_000_00, appeal.id))
    )
    seats = await perform(
        lambda u: save_campaign(u, Campaign("Name a Seat", 30_000_00, stage_door.id))
    )
    return Season(funds, schemes, instances, gala, stages, [appeal.id, stage_door.id, seats.id])


def _individuals(sync_engine: Engine, tenant_id: int) -> list[int]:
    c = t.customer.c
    with sync_engine.connect() as db:
        return list(
            db.execute(
                select(c.id)
                .where(c.tenant_id == tenant_id, c.kind == "INDIVIDUAL", c.active.is_(True))
                .order_by(c.id)
            ).scalars()
        )


async def _members(
    perform: Callable[..., Awaitable[T]], season: Season, people: list[int], rng: random.Random
) -> None:
    for n, person in enumerate(people):
        patron = n % 8 == 0
        scheme, price = (season.schemes[1], 50000) if patron else (season.schemes[0], 6000)
        # Patrons renew by invitation, never automatically.
        line = ItemLine(
            ItemKind.MEMBERSHIP, price, scheme_id=scheme, auto_renew=not patron and n % 3 == 0
        )
        bought = datetime.now(UTC) - timedelta(days=rng.randint(0, 200))
        channel = rng.choice((Channel.WEB, Channel.BOX_OFFICE))
        command = RecordOrder(person, channel, (line,), ordered_at=bought)
        await perform(lambda u, c=command: record_order(u, c))


async def _fundraising(
    perform: Callable[..., Awaitable[T]],
    season: Season,
    donors: list[int],
    staff_id: int,
    rng: random.Random,
) -> None:
    today = datetime.now(UTC).date()
    leaf, capital, annual = season.campaigns[2], season.funds["CAPITAL"], season.funds["ANNUAL"]
    for n, donor in enumerate(donors):
        stage = season.stages[n % 5]
        campaign = season.campaigns[n % 3]
        target = rng.choice((500_00, 1_000_00, 5_000_00, 10_000_00, 25_000_00))
        opportunity = await perform(
            lambda u, d=donor, c=campaign, s=stage, t=target: open_opportunity(
                u, Opportunity(d, c, staff_id, s, f"Gift of {t // 100:,}", t, t if s else 0)
            )
        )
        if stage in season.stages[3:5]:
            await _pledge_and_pay(perform, donor, target, capital, campaign, opportunity.id, today)
        await perform(
            lambda u, d=donor, o=opportunity.id, k=n: save_activity(
                u,
                Activity(
                    d,
                    (ActivityType.MEETING, ActivityType.CALL, ActivityType.LETTER)[k % 3],
                    ("Tour of the Stage Door works", "Thank-you call", "Impact report")[k % 3],
                    today + timedelta(days=k * 3 - 10),
                    staff_id,
                    done=k * 3 - 10 < 0,
                    opportunity_id=o,
                ),
            )
        )
        invitation = await perform(lambda u, d=donor: invite(u, Invitation(d, season.gala)))
        reply = (Reply.ACCEPTED, Reply.DECLINED, Reply.AWAITING)[n % 3]
        if reply is not Reply.AWAITING:
            guests = 1 if reply is Reply.ACCEPTED else 0
            await perform(lambda u, i=invitation.id, r=reply, g=guests: answer(u, i, r, g))
    await perform(lambda u: record_legacy(u, Legacy(donors[-1], 20_000_00, leaf, season.stages[1])))
    annual_gift = RecordPledge(
        donors[0], 1_200_00, annual, equal_instalments=12, first_due_on=today
    )
    await perform(lambda u: record_pledge(u, annual_gift))


async def _pledge_and_pay(
    perform: Callable[..., Awaitable[T]],
    donor: int,
    amount: int,
    fund: int,
    campaign: int,
    opportunity: int,
    today: date,
) -> None:
    """A pledge in four instalments, the first due two months ago: the past ones paid."""
    first_due = today - timedelta(days=62)
    command = RecordPledge(
        donor, amount, fund, campaign, opportunity, equal_instalments=4, first_due_on=first_due
    )
    pledge = await perform(lambda u: record_pledge(u, command))
    for instalment in pledge.instalments:
        if instalment.due_on <= today - timedelta(days=20):
            assert instalment.id is not None
            paying = PayInstalment(instalment.id, instalment.amount)
            await perform(lambda u, p=paying: pay_instalment(u, p))
