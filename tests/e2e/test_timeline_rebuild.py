"""`foyer timeline rebuild` derives an organisation's whole timeline again from the
record's history (and orders from their rows), through the same facts that wrote it live:
after a long history touching every type of entry, with the names, stages and texts those
entries mention changed since, the timeline it leaves is exactly the one written live,
moments and actors included; it restores what went missing, and gives back nothing an
erasure took out."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, insert, select, update

from domain.fundraising.events import PledgeReminderSent
from domain.mailings.events import MailingSent
from domain.mailings.runs import DeliveryStatus
from domain.timeline import TimelineEntryType
from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db import mailing_sending
from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.reminder_queue import record_outcome, reminders_to_send, sending_connection
from infra.db.timeline_rebuild import comparable, rebuild_timeline
from infra.settings import Settings
from resolvers.global_ids import parse_global_id
from tests.conftest import Api
from tests.e2e.consent_fixtures import answer, email_preference
from tests.e2e.fundraising_fixtures import (
    CANCEL_PLEDGE,
    ERRORS,
    LINK_ITEM,
    LINK_PLEDGE,
    LINK_RESERVATION,
    REMIND,
    RESCHEDULE,
    SAVE_STAGE,
    changing,
    days,
    donation,
    fundraising,
    mutate,
    ok,
    pledge,
    reservation,
)
from tests.e2e.sales_fixtures import catalogue, person, record, ticket
from tests.e2e.test_cli import foyer
from tests.e2e.test_customers import create_individual
from tests.e2e.test_households import REMOVE_MEMBER, SET_PRIMARY, change, household_of
from tests.e2e.test_pledges_and_more import ANSWER, INVITE, RECEIVE_LEGACY, RECORD_LEGACY
from tests.e2e.test_pop_up_notes import ADD, DELETE, EDIT
from tests.e2e.test_relationships import ADD as ADD_RELATIONSHIP
from tests.e2e.test_relationships import END, create_type
from tests.e2e.test_returns_reservations_visits import RELEASE
from tests.e2e.test_timeline_links import scripted_history
from tests.e2e.test_timeline_subjects import a_busy_year

RETURN = """mutation($i: ReturnItemsInput!) { returnItems(input: $i) { errors { code } } }"""
ORGANISATION = """mutation { createOrganisation(input: {name: "Harbour Bank"})
  { organisation { id } } }"""
UPDATE = (
    f"""mutation($i: UpdateIndividualInput!) {{ updateIndividual(input: $i) {{ {ERRORS} }} }}"""
)
DEACTIVATE = f"""mutation($id: ID!) {{ deactivateCustomer(input: {{customerId: $id,
  reason: "Moved abroad"}}) {{ {ERRORS} }} }}"""
REACTIVATE = f"""mutation($id: ID!) {{ reactivateCustomer(input: {{customerId: $id}})
  {{ {ERRORS} }} }}"""
SAVE_ACTIVITY = f"""mutation($i: ActivityInput!) {{ saveActivity(input: $i) {{
  activity {{ id }} {ERRORS} }} }}"""
ERASE = f"""mutation($id: ID!, $confirm: String!) {{ eraseCustomer(customerId: $id,
  reason: "Asked to be forgotten", confirmReference: $confirm) {{ {ERRORS} }} }}"""
REFERENCE = "query($id: ID!) { customer(id: $id) { reference } }"


def tenant_of(api: Api) -> int:
    with api.runtime.sync_engine.connect() as db:
        return db.execute(  # type: ignore[no-any-return]
            select(t.tenant.c.id).where(t.tenant.c.slug == api.slug)
        ).scalar_one()


def entries(api: Api) -> Counter[tuple[Any, ...]]:
    e = t.timeline_entry.c
    with api.runtime.sync_engine.connect() as db:
        rows = db.execute(select(t.timeline_entry).where(e.tenant_id == tenant_of(api)))
        return Counter(comparable(row) for row in rows)


def texts(api: Api) -> str:
    """Every word of the organisation's timeline and history."""
    tenant = tenant_of(api)
    with api.runtime.sync_engine.connect() as db:
        timeline = db.execute(
            select(t.timeline_entry.c.summary, t.timeline_entry.c.details).where(
                t.timeline_entry.c.tenant_id == tenant
            )
        )
        history = db.execute(
            select(t.record_change.c.facts).where(t.record_change.c.tenant_id == tenant)
        )
        return repr([*map(tuple, timeline), *map(tuple, history)])


async def a_long_history(api: Api) -> dict[str, str]:
    """Every type of entry, orders involving others and returned into donations, items,
    pledges and reservations linked to opportunities when recorded and afterwards, at given
    moments; then the names, stages and words those entries mention changed."""
    plan = await fundraising(api)
    await scripted_history(api, plan)
    donor = await a_busy_year(api, 3, plan)
    cat = plan.catalogue
    helper, credited = await person(api, "Helper"), await person(api, "Credited")
    company = (await api.data(ORGANISATION))["createOrganisation"]["organisation"]["id"]
    for n in range(3):
        involved = {"facilitatorId": helper, "bookedForId": company, "softCreditIds": [credited]}
        moment = {"orderedAt": f"2025-0{n + 1}-01T10:00:00+00:00"}
        items = [ticket(cat), ticket(cat), {"kind": "MERCHANDISE", "price": 700}]
        order = (await record(api, donor, items, **involved, **moment))["order"]
        returned = {"orderId": order["id"], "itemIds": [order["items"][0]["id"]]}
        returned["donateToFundId"] = cat.fund
        assert (await api.data(RETURN, {"i": returned}))["returnItems"]["errors"] == []
    packages = [
        {"kind": "MEMBERSHIP", "price": 5000, "schemeId": cat.scheme},
        {"kind": "TICKET_SUBSCRIPTION", "price": 9000},
        {"kind": "FIXED_SERIES", "price": 8000},
    ]
    bought = await record(api, donor, packages)
    assert bought["errors"] == [], bought["errors"]
    gift = await donation(api, donor, cat.fund, 1234)
    ok(await mutate(api, LINK_ITEM, {"item": gift, "opportunity": plan.opportunity}))
    await the_record_changing(api, plan.donor, helper)
    await fundraising_changing(api, plan.donor, helper, plan)
    await notes_and_consent(api, plan.donor)
    # What the entries mention, changed since: the record's history keeps it as it was.
    ok(await mutate(api, UPDATE, {"i": {"customerId": plan.donor, "firstName": "Theodora"}}))
    ok(await changing(api, plan.opportunity, name="Renamed appeal"))
    renamed = {"id": plan.stages[1], "name": "Asked at last", "position": 1}
    ok(await mutate(api, SAVE_STAGE, {"input": renamed}))
    return {"donor": plan.donor, "helper": helper}


async def the_record_changing(api: Api, donor: str, helper: str) -> None:
    changed = {"customerId": donor, "lastName": "Giver", "emails": [{"address": "d@g.example"}]}
    ok(await mutate(api, UPDATE, {"i": changed}))
    ok(await mutate(api, DEACTIVATE, {"id": helper}))
    ok(await mutate(api, REACTIVATE, {"id": helper}))
    kind = await create_type(api, "Friend")
    values = {"typeId": kind["id"], "fromCustomerId": donor, "toCustomerId": helper}
    related = ok(await mutate(api, ADD_RELATIONSHIP, {"input": values}))["relationship"]
    ok(await mutate(api, END, {"input": {"relationshipId": related["id"]}}))
    partner = (await create_individual(api, firstName="Ines", lastName="Home"))["id"]
    home = await household_of(api, partner, helper)
    assert (await change(api, SET_PRIMARY, home["id"], helper))["errors"] == []
    assert (await change(api, REMOVE_MEMBER, home["id"], partner))["errors"] == []


async def fundraising_changing(api: Api, donor: str, helper: str, plan: Any) -> None:
    cat = plan.catalogue
    later = ok(await pledge(api, donor, cat.fund, 6000, instalments=2))["pledge"]
    moved = [{"amount": 6000, "dueOn": days(90)}]
    ok(await mutate(api, RESCHEDULE, {"id": later["id"], "instalments": moved}))
    ok(await mutate(api, LINK_PLEDGE, {"pledge": later["id"], "opportunity": plan.opportunity}))
    ok(await mutate(api, REMIND, {"id": later["id"]}))
    send_the_reminders(api)
    ok(await mutate(api, CANCEL_PLEDGE, {"id": later["id"]}))
    legacy = {"customerId": donor, "expected": 70000}
    made = ok(await mutate(api, RECORD_LEGACY, {"input": legacy}))["legacy"]
    ok(await mutate(api, RECEIVE_LEGACY, {"id": made["id"], "fund": cat.fund}))
    activity = {"customerId": donor, "type": "MEETING", "subject": "Tour", "dueOn": days(3)}
    activity["ownerId"] = plan.owner
    saved = ok(await mutate(api, SAVE_ACTIVITY, {"i": activity}))["activity"]
    done = {**activity, "id": saved["id"], "done": True, "subject": "Tour of the flies"}
    ok(await mutate(api, SAVE_ACTIVITY, {"i": done}))
    where = {"customerId": helper, "instanceId": cat.instance}
    invited = ok(await mutate(api, INVITE, {"input": where}))["invitation"]
    ok(await mutate(api, ANSWER, {"input": {"invitationId": invited["id"], "reply": "ACCEPTED"}}))
    came = {"invitationId": invited["id"], "reply": "ACCEPTED", "attended": True}
    ok(await mutate(api, ANSWER, {"input": came}))
    held = await reservation(api, cat, donor, 2500, 0)
    ok(await mutate(api, LINK_RESERVATION, {"reservation": held, "opportunity": plan.opportunity}))
    ok(await mutate(api, RELEASE, {"id": held}))


def send_the_reminders(api: Api) -> None:
    """Each queued reminder marked sent as the mailer marks it, with its timeline entry."""
    r = f.pledge_reminder.c
    with sending_connection(api.runtime.sync_engine) as db:
        queued = [row.id for row in db.execute(select(r.id).where(r.outcome.is_(None)))]
        waiting = reminders_to_send(db, queued)
        db.commit()
        for reminder in waiting:
            sent = PledgeReminderSent(
                reminder.customer_id,
                reminder.pledge_id,
                reminder.opportunity_id,
                reminder.number,
                reminder.email,
                reminder.amount,
                reminder.currency,
                reminder.due_on,
            )
            record_outcome(db, reminder, "SENT", sent)


def pk(global_id: str) -> int:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def mail_the_donor(api: Api, donor: str, preference: dict[str, Any]) -> None:
    """One mailing delivered to the donor and marked sent as the mailing worker marks it,
    with its fact and timeline entry (workers/mailings.py; the sending itself is tested in
    tests/integration/test_mailings.py)."""
    now, tenant, customer = utc_now(), tenant_of(api), pk(donor)
    with api.runtime.sync_engine.begin() as db:
        job = db.execute(
            insert(t.job)
            .values(
                tenant_id=tenant,
                kind="MAILING_SEND",
                status="RUNNING",
                parameters={},
                progress=0,
                total=1,
                requested_by="test",
                attempts=1,
                created_at=now,
            )
            .returning(t.job.c.id)
        ).scalar_one()
        mailing = db.execute(
            insert(m.mailing)
            .values(
                tenant_id=tenant,
                name="Spring season",
                subject="Spring at the Playhouse",
                html_body="<p>Hello</p>",
                preference_id=pk(preference["id"]),
                created_by="test",
                created_at=now,
                updated_at=now,
            )
            .returning(m.mailing.c.id)
        ).scalar_one()
        run = db.execute(
            insert(m.mailing_run)
            .values(
                tenant_id=tenant,
                mailing_id=mailing,
                job_id=job,
                list_id=None,
                send_at=now,
                status="SENDING",
                requested_by="test",
                created_at=now,
            )
            .returning(m.mailing_run.c.id)
        ).scalar_one()
        delivery = db.execute(
            insert(m.mailing_delivery)
            .values(
                tenant_id=tenant,
                run_id=run,
                mailing_id=mailing,
                customer_id=customer,
                status="QUEUED",
                address="dora@example.org",
                created_at=now,
            )
            .returning(m.mailing_delivery.c.id)
        ).scalar_one()
    fact = MailingSent(customer, mailing, "Spring season", "Spring at Dora's", "dora@example.org")
    with sending_connection(api.runtime.sync_engine) as db:
        mailing_sending.record(
            db, delivery, DeliveryStatus.SENT, (tenant, fact, "Foyer mailings", utc_now())
        )
        db.commit()


async def notes_and_consent(api: Api, donor: str) -> None:
    for colour in ("BLUE", "PINK"):
        values = {"customerId": donor, "colour": colour, "text": f"A {colour.lower()} note"}
        note = ok(await mutate(api, ADD, {"input": values}))["popUpNote"]
        edited = {"id": note["id"], "text": "Prefers the aisle", "pinned": True}
        ok(await mutate(api, EDIT, {"input": edited}))
        ok(await mutate(api, DELETE, {"id": note["id"]}))
    news = await email_preference(api)
    assert (await answer(api, donor, (news, True)))["errors"] == []
    mail_the_donor(api, donor, news)
    assert (await answer(api, donor, (news, False), source="PHONE"))["errors"] == []


async def test_a_rebuild_after_a_long_history_gives_exactly_the_entries_written_live(
    api: Api, other_api: Api, settings: Settings
) -> None:
    await a_long_history(api)
    await scripted_history(other_api)
    before, theirs = entries(api), entries(other_api)

    run = foyer(settings, "timeline", "rebuild", "--org", api.slug)

    assert run.returncode == 0, run.stderr
    assert entries(api) == before
    assert entries(other_api) == theirs
    assert f"{api.slug}: 0 not derived again" in run.stdout
    assert f"{api.slug}: 0 new" in run.stdout
    assert f"{api.slug}: derived {sum(before.values())} (" in run.stdout
    assert {TimelineEntryType(key[1]) for key in before} == set(TimelineEntryType) - {
        TimelineEntryType.CUSTOMER_ERASED
    }, "the history has every type but erasure (tested below)"
    assert "Record created for Dora" in texts(api), "names as they were"
    assert "from Prospect to Ask." in texts(api), "stages as they were named"


async def test_a_rebuild_restores_lost_and_changed_entries_and_says_so_first_when_asked(
    api: Api, settings: Settings
) -> None:
    cat = await catalogue(api)
    buyer = await person(api, "Buyer")
    assert (await record(api, buyer, [ticket(cat)]))["errors"] == []
    before = entries(api)
    e = t.timeline_entry.c
    with api.runtime.sync_engine.begin() as db:
        db.execute(
            delete(t.timeline_entry).where(e.tenant_id == tenant_of(api), e.type == "TICKETS")
        )
        db.execute(
            update(t.timeline_entry)
            .where(e.tenant_id == tenant_of(api), e.type == "CUSTOMER_CREATED")
            .values(summary="Tampered with.")
        )

    lost = entries(api)
    trial = foyer(settings, "timeline", "rebuild", "--org", api.slug, "--dry-run")
    assert trial.returncode == 0, trial.stderr
    assert f"{api.slug}: 2 new" in trial.stdout
    assert f"{api.slug}: 1 not derived again" in trial.stdout
    assert entries(api) == lost

    with api.runtime.sync_engine.begin() as db:
        done = rebuild_timeline(db, tenant_of(api))

    assert entries(api) == before
    assert sorted(entry["type"] for entry in done.added) == ["CUSTOMER_CREATED", "TICKETS"]
    assert [entry["summary"] for entry in done.dropped] == ["Tampered with."]
    assert done.derived == Counter({"CUSTOMER_CREATED": 1, "TICKETS": 1})


async def test_a_rebuild_after_an_erasure_gives_back_none_of_the_erased_words(
    api: Api, settings: Settings
) -> None:
    people = await a_long_history(api)
    donor = people["donor"]
    reference = (await api.data(REFERENCE, {"id": donor}))["customer"]["reference"]
    ok(await mutate(api, ERASE, {"id": donor, "confirm": reference}))
    before = entries(api)
    # Her name when created and before each change too: the history kept them.
    erased_words = ("Theodora", "Dora", "Giver", "d@g.example")
    assert not any(word in texts(api) for word in erased_words), "erasure reaches the history"

    run = foyer(settings, "timeline", "rebuild", "--org", api.slug)

    assert run.returncode == 0, run.stderr
    assert entries(api) == before
    assert f"{api.slug}: 0 new" in run.stdout
    assert not any(word in texts(api) for word in erased_words)
    assert "CUSTOMER_ERASED 1" in run.stdout
