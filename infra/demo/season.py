"""The demo organisation's season: enough of a real venue's year to explore every area.

Made through the domain's own services, in their units of work, so every row comes with the
timeline entries and figures a real request would have written: visiting companies and their
events, performances either side of today, funds, two membership schemes, a three-level
capital campaign, stages, opportunities at several stages with pledges and payments,
activities, invitations to a gala, members, a few thousand orders in bulk, contact
preferences with customers' answers (some withdrawn later, one wording changed, partner
companies asked about), pop-up notes, blue and pink, shared segments, a list frozen
from one and a mailing sent to it.

Each area after the catalogue is one function of `AREAS`, given the same `Loading`; a new
area of Foyer adds its demo data by adding its function there.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.actors import Actor, ActorKind
from domain.consent.ledger import Answer, ConsentSource, ConsentState, record_consents
from domain.consent.preferences import (
    ContactPreference,
    PartnerMode,
    PreferenceKind,
    save_preference,
    set_partner_mode,
)
from domain.customers.popup_notes import AddPopUpNote, NoteColour, add_pop_up_note
from domain.fundraising.activities import Activity, ActivityType, save_activity
from domain.fundraising.campaigns import Campaign, OpportunityStage, save_campaign, save_stage
from domain.fundraising.invitations import Invitation, Reply, answer, invite
from domain.fundraising.legacies import Legacy, record_legacy
from domain.fundraising.opportunities import Opportunity, open_opportunity
from domain.fundraising.pledging import PayInstalment, RecordPledge, pay_instalment, record_pledge
from domain.mailings.mailing import Mailing, save_mailing
from domain.mailings.runs import SendMailing, send_mailing
from domain.ports import UnitOfWork
from domain.roles import Role
from domain.sales import catalogue
from domain.sales.commands import ItemLine, RecordOrder
from domain.sales.orders import Channel, ItemKind
from domain.sales.recording import record_order
from domain.segments import criteria as k
from domain.segments.segment import FreezeSegment, SaveSegment, freeze_segment, save_segment
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
    companies: dict[str, int]


@dataclass(frozen=True)
class Loading:
    """What every area of the season is given: a runner of one unit of work (as the demo
    staff user, holding every role), the catalogue and campaigns, the individuals in id
    order (the first is `C-100001`, which the README names), the staff user and the seeded
    random numbers."""

    perform: Callable[[Callable[[UnitOfWork], Awaitable[Any]]], Awaitable[Any]]
    season: Season
    people: list[int]
    staff_id: int
    rng: random.Random


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
    loading = Loading(perform, season, people, staff_id, rng)
    for area in AREAS:
        # The season is loaded in seconds, long before autovacuum would first analyse the new
        # tables; without statistics PostgreSQL plans a segment over them as if each table
        # held one row (nested loops over every order item: minutes, not milliseconds).
        refresh_statistics(sync_engine)
        await area(loading)


def refresh_statistics(sync_engine: Engine) -> None:
    """What autovacuum does after a bulk load, done now: the planner's statistics."""
    with sync_engine.begin() as db:
        db.exec_driver_sql("ANALYZE")


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
    campaigns = [appeal.id, stage_door.id, seats.id]
    return Season(funds, schemes, instances, gala, stages, campaigns, companies)


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


async def _members(loading: Loading) -> None:
    perform, season, rng = loading.perform, loading.season, loading.rng
    for n, person in enumerate(loading.people[:40]):
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


async def _fundraising(loading: Loading) -> None:
    perform, season, rng, staff_id = loading.perform, loading.season, loading.rng, loading.staff_id
    donors = loading.people[:12]
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


# (name, kind, statement, ask again after months): what the venue asks its customers.
PREFERENCES = (
    ("Email news", PreferenceKind.EMAIL, "Email me about what is on and offers.", 24),
    ("Post", PreferenceKind.POST, "Send me the season brochure by post.", 24),
    ("Phone", PreferenceKind.PHONE, "Call me about supporting the theatre.", None),
    ("Learning", PreferenceKind.TOPIC, "Tell me about workshops and classes.", None),
)
SOURCES = (
    ConsentSource.WEB,
    ConsentSource.BOX_OFFICE,
    ConsentSource.PHONE,
    ConsentSource.IMPORT,
    ConsentSource.CUSTOMER_ACCOUNT,
)
CONSENTING = 80


async def _consent(loading: Loading) -> None:
    """Preferences, and the answers of the first CONSENTING individuals through the ledger:
    given by various routes, some withdrawn later (by an unsubscribe link or on the phone),
    one preference's words changed after the first answers (those keep version 1), and
    partner companies asked about first generally, then one by one."""
    perform, rng = loading.perform, loading.rng
    saved = [
        await perform(
            lambda u, n=name, k=kind, w=words, m=months: save_preference(
                u, ContactPreference(n, k, w, ask_again_months=m)
            )
        )
        for name, kind, words, months in PREFERENCES
    ]
    general = await perform(
        lambda u: save_preference(
            u,
            ContactPreference(
                "Partner companies",
                PreferenceKind.PARTNER,
                "Share my details with the companies whose shows I book.",
            ),
        )
    )
    people, first_answers = loading.people[:CONSENTING], []
    for n, person in enumerate(people):
        chosen = [p for p in (*saved, general) if rng.random() < 0.6] or [saved[0]]
        answers = tuple(Answer(p.id or 0, rng.random() < 0.85, p.version) for p in chosen)
        source = SOURCES[n % len(SOURCES)]
        first_answers.append(lambda u, c=person, a=answers, s=source: record_consents(u, c, a, s))
    await _in_one(perform, first_answers)
    email = saved[0]
    email.statement = "Email me about what is on, offers and news of the theatre."
    email = await perform(lambda u: save_preference(u, email))
    await perform(lambda u: set_partner_mode(u, PartnerMode.PER_PARTNER))
    companies = [
        await perform(
            lambda u, name=name, company=company: save_preference(
                u,
                ContactPreference(
                    f"Share with {name}",
                    PreferenceKind.PARTNER,
                    f"Share my details with {name} when I book their shows.",
                    partner_company_id=company,
                ),
            )
        )
        for name, company in loading.season.companies.items()
    ]
    later = []
    for n, person in enumerate(people[::3]):
        withdrawn = (Answer(email.id or 0, False, email.version),)
        source = ConsentSource.UNSUBSCRIBE_LINK if n % 2 else ConsentSource.PHONE
        later.append(lambda u, c=person, a=withdrawn, s=source: record_consents(u, c, a, s))
    for n, person in enumerate(people[1::4]):
        company = companies[n % len(companies)]
        shared = (Answer(company.id or 0, n % 3 != 0, company.version),)
        later.append(
            lambda u, c=person, a=shared: record_consents(u, c, a, ConsentSource.BOX_OFFICE)
        )
    await _in_one(perform, later)


async def _in_one(
    perform: Callable[[Callable[[UnitOfWork], Awaitable[Any]]], Awaitable[Any]],
    works: list[Callable[[UnitOfWork], Awaitable[Any]]],
) -> None:
    """Run `works` in turn in one unit of work: many small answers in one commit, so the
    demo starts quickly."""

    async def each(uow: UnitOfWork) -> None:
        for work in works:
            await work(uow)

    await perform(each)


# (colour, text, pinned): notes a box office and a development team write.
NOTES = (
    (NoteColour.BLUE, "Uses a wheelchair: book the aisle spaces in row F.", True),
    (NoteColour.BLUE, "Hard of hearing: offer the captioned performances.", False),
    (NoteColour.BLUE, "Prefers to be called by their first name.", False),
    (NoteColour.PINK, "Considering a legacy gift: talk to the Director first.", True),
    (NoteColour.PINK, "Major donor prospect: capacity about 50k.", False),
    (NoteColour.BLUE, "Lost property: an umbrella, kept at the stage door.", False),
)


async def _pop_up_notes(loading: Loading) -> None:
    """Notes on a few dozen customers, `C-100001` among them: blue for every reader, pink
    for fundraisers only; one expires next week."""
    next_week, notes = datetime.now(UTC).date() + timedelta(days=7), []
    for n, person in enumerate(loading.people[:30]):
        for colour, text, pinned in NOTES[n % 3 :: 3] if n % 2 == 0 else NOTES[n % 6 : n % 6 + 1]:
            expires = next_week if text.startswith("Lost property") else None
            note = AddPopUpNote(person, colour, text, pinned, expires)
            notes.append(lambda u, c=note: add_pop_up_note(u, c))
    await _in_one(loading.perform, notes)


async def _segments_and_mailings(loading: Loading) -> None:
    """Segments a marketer and a development team keep (shared), one frozen into a list, and
    a mailing under the email preference sent to that list: its run goes out (as `.eml`
    files on the embedded default) once the server's workers start."""
    perform = loading.perform
    granted_email = k.ConsentCriterion(ConsentState.GRANTED, kind=PreferenceKind.EMAIL)
    this_year = k.Period(within_last_days=365)
    segments = (
        (
            "Email subscribers who saw a visiting company",
            k.AllOf((granted_email, k.BookingCriterion(any_partner=True, performed=this_year))),
        ),
        (
            "Donors over £100 this year",
            k.DonationCriterion(given=this_year, total=k.Range(min=10_000)),
        ),
        (
            "Members lapsing within 60 days",
            k.MembershipCriterion(k.MembershipState.LAPSING, within_days=60),
        ),
        (
            "Best customers (RFM 5)",
            k.RfmCriterion(recency=frozenset({4, 5}), monetary=frozenset({5})),
        ),
        (
            "Bookers never asked about email",
            k.AllOf(
                (
                    k.BookingCriterion(),
                    k.NoneOf(k.ConsentCriterion(ConsentState.GRANTED, kind=PreferenceKind.EMAIL)),
                )
            ),
        ),
    )
    saved = [
        await perform(lambda u, n=name, c=criteria: save_segment(u, SaveSegment(n, c, shared=True)))
        for name, criteria in segments
    ]
    frozen = await perform(
        lambda u: freeze_segment(u, FreezeSegment(saved[0].id or 0, "Visiting-company preview"))
    )

    async def email_preference(uow: UnitOfWork) -> int:
        found = [p for p in await uow.consent.preferences() if p.kind is PreferenceKind.EMAIL]
        return found[0].id or 0

    preference = await perform(email_preference)
    mailing = await perform(
        lambda u: save_mailing(
            u,
            Mailing(
                "Spring season preview",
                "{{ name }}, a first look at the spring season",
                MAILING_BODY,
                preference,
            ),
        )
    )
    await perform(
        lambda u: save_mailing(
            u, Mailing("Draft: gala invitation", "The Spring Gala", MAILING_BODY, preference)
        )
    )
    await perform(lambda u: send_mailing(u, SendMailing(mailing.id or 0, list_id=frozen.id)))


MAILING_BODY = """<p>Dear {{ name }},</p>
<p>Our spring season at {{ organisation }} opens soon{% if next_booking %}, and we look
forward to seeing you at {{ next_booking }}{% endif %}.</p>
{% if membership %}<p>As a {{ membership }} member you book first.</p>{% endif %}"""


# Every area of the season after the catalogue and the bulk orders, in order; a new area of
# Foyer adds its demo data here (each an `async def (loading: Loading)`).
AREAS: tuple[Callable[[Loading], Awaitable[None]], ...] = (
    _members,
    _fundraising,
    _consent,
    _pop_up_notes,
    _segments_and_mailings,
)
