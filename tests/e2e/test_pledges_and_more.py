"""Pledges and their instalments, legacies, activities and invitations, over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.roles import Role
from domain.sales.memberships import add_months
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import (
    CANCEL_PLEDGE,
    ERRORS,
    PASSWORD,
    PLEDGE,
    RECORD_PLEDGE,
    REMIND,
    RESCHEDULE,
    codes,
    days,
    fundraising,
    mutate,
    ok,
    pay,
    pledge,
    relate,
    scheduled_pledge,
    staff_user,
    timeline,
)
from tests.e2e.sales_fixtures import catalogue, person

DONATIONS = """query($id: ID!) { customer(id: $id) { orders(kinds: [DONATION]) { edges { node {
  items { kind price { amount } fund { code } } } } } } }"""
PLEDGES = f"query($id: ID!) {{ customer(id: $id) {{ pledges {{ {PLEDGE} }} }} }}"


def new(amount: int, due_in: int) -> dict[str, Any]:
    return {"amount": amount, "dueOn": days(due_in)}


def amounts(made: dict[str, Any]) -> list[int]:
    return [i["amount"]["amount"] for i in made["instalments"]]


async def test_equal_instalments_add_up_and_differ_by_at_most_one_penny(api: Api) -> None:
    donor, fund = await person(api, "Penny"), (await catalogue(api)).fund

    made = ok(await pledge(api, donor, fund, 10_000, instalments=3))["pledge"]

    assert amounts(made) == [3_334, 3_333, 3_333] and sum(amounts(made)) == 10_000
    first = date.fromisoformat(days(30))
    assert [i["dueOn"] for i in made["instalments"]] == [
        add_months(first, n).isoformat() for n in range(3)
    ]
    assert made["status"] == "PENDING" and {i["status"] for i in made["instalments"]} == {"PENDING"}
    [entry] = await timeline(api, donor, "PLEDGE")
    assert entry["summary"] == "Pledged GBP 100.00 in 3 instalments."


async def test_a_schedule_that_does_not_add_up_or_runs_backwards_is_refused(api: Api) -> None:
    donor, fund = await person(api, "Short"), (await catalogue(api)).fund

    short = await scheduled_pledge(api, donor, fund, 10_000, [(6_000, 10), (3_000, 40)])
    backwards = await pledge(api, donor, fund, 9_000, instalments=3, everyMonths=-1)

    assert codes(short) == [("VALIDATION", ["instalments"])] and short["pledge"] is None
    assert codes(backwards) == [("VALIDATION", ["everyMonths"])]
    assert (await api.data(PLEDGES, {"id": donor}))["customer"]["pledges"] == []


async def test_statuses_follow_the_money_and_a_past_due_instalment_is_overdue(api: Api) -> None:
    donor, fund = await person(api, "Stan"), (await catalogue(api)).fund
    schedule = [(4_000, -3), (6_000, 20)]
    made = ok(await scheduled_pledge(api, donor, fund, 10_000, schedule))["pledge"]
    late, later = (i["id"] for i in made["instalments"])

    partly = ok(await pay(api, late, 1_000))
    paid_late = ok(await pay(api, late, 3_000))
    completed = ok(await pay(api, later, 6_000))

    assert [i["status"] for i in made["instalments"]] == ["OVERDUE", "PENDING"]
    assert partly["pledge"]["status"] == "IN_PROGRESS"
    assert [i["status"] for i in paid_late["pledge"]["instalments"]] == ["PAID", "PENDING"]
    assert completed["pledge"]["status"] == "COMPLETED"
    assert completed["pledge"]["given"] == {"amount": 10_000}
    assert completed["donation"]["total"] == {"amount": 6_000}
    orders = (await api.data(DONATIONS, {"id": donor}))["customer"]["orders"]["edges"]
    assert sorted(o["node"]["items"][0]["price"]["amount"] for o in orders) == [1_000, 3_000, 6_000]
    assert len(await timeline(api, donor, "INSTALMENT")) == 3


async def test_overpaying_is_a_conflict_and_writes_nothing(api: Api) -> None:
    donor, fund = await person(api, "Olly"), (await catalogue(api)).fund
    made = ok(await pledge(api, donor, fund, 5_000, instalments=2))["pledge"]

    refused = await pay(api, made["instalments"][0]["id"], 2_501)

    assert codes(refused) == [("CONFLICT", ["amount"])] and refused["pledge"] is None
    assert (await api.data(DONATIONS, {"id": donor}))["customer"]["orders"]["edges"] == []
    [now] = (await api.data(PLEDGES, {"id": donor}))["customer"]["pledges"]
    assert now["given"] == {"amount": 0} and now["status"] == "PENDING"
    assert await timeline(api, donor, "INSTALMENT") == []


async def test_cancelling_cancels_what_is_unpaid_and_a_cancelled_instalment_takes_no_money(
    api: Api,
) -> None:
    donor, fund = await person(api, "Cass"), (await catalogue(api)).fund
    made = ok(await pledge(api, donor, fund, 6_000, instalments=3))["pledge"]
    first, second, _ = (i["id"] for i in made["instalments"])
    ok(await pay(api, first, 2_000))

    cancelled = ok(await mutate(api, CANCEL_PLEDGE, {"id": made["id"]}))["pledge"]
    refused = await pay(api, second, 100)
    again = await mutate(api, CANCEL_PLEDGE, {"id": made["id"]})

    assert cancelled["status"] == "CANCELLED" and cancelled["outstanding"] == {"amount": 0}
    assert [i["status"] for i in cancelled["instalments"]] == ["PAID", "CANCELLED", "CANCELLED"]
    assert cancelled["given"] == {"amount": 2_000}
    assert codes(refused) == [("CONFLICT", ["instalmentId"])]
    assert codes(again) == [("CONFLICT", ["pledgeId"])]
    assert (await timeline(api, donor, "PLEDGE"))[0]["summary"] == (
        "Pledge cancelled; GBP 20.00 had been given."
    )


async def test_rescheduling_replaces_the_unpaid_instalments_with_ones_adding_up_to_what_is_left(
    api: Api,
) -> None:
    donor, fund = await person(api, "Rhea"), (await catalogue(api)).fund
    made = ok(await pledge(api, donor, fund, 9_000, instalments=3))["pledge"]
    ok(await pay(api, made["instalments"][0]["id"], 1_000))  # 2,000 still due on it
    later = [new(3_500, 90), new(2_500, 60)]

    wrong = await mutate(api, RESCHEDULE, {"id": made["id"], "instalments": later[1:]})
    moved = ok(await mutate(api, RESCHEDULE, {"id": made["id"], "instalments": later}))["pledge"]

    assert codes(wrong) == [("VALIDATION", ["instalments"])]
    assert amounts(moved) == [3_000, 2_500, 3_500]
    assert [i["given"]["amount"] for i in moved["instalments"]] == [1_000, 0, 0]
    assert moved["given"] == {"amount": 1_000} and moved["outstanding"] == {"amount": 8_000}
    ok(await mutate(api, CANCEL_PLEDGE, {"id": made["id"]}))
    cancelled = await mutate(api, RESCHEDULE, {"id": made["id"], "instalments": later})
    assert codes(cancelled) == [("CONFLICT", ["pledgeId"])]


async def test_a_pledge_whose_donor_was_reminded_can_still_be_rescheduled(api: Api) -> None:
    donor, fund = await person(api, "Remy"), (await catalogue(api)).fund
    made = ok(await pledge(api, donor, fund, 4_000, instalments=2))["pledge"]
    ok(await mutate(api, REMIND, {"id": made["id"]}))  # a reminder of the first instalment

    moved = await mutate(api, RESCHEDULE, {"id": made["id"], "instalments": [new(4_000, 100)]})

    assert amounts(ok(moved)["pledge"]) == [4_000]


RECORD_LEGACY = f"""mutation($input: RecordLegacyInput!) {{ recordLegacy(input: $input) {{
  legacy {{ id expected {{ amount }} given {{ amount }} stage {{ name }} }} {ERRORS} }} }}"""
RECEIVE_LEGACY = f"""mutation($id: ID!, $fund: ID!) {{ receiveLegacy(legacyId: $id,
  amount: 20000, fundId: $fund) {{ legacy {{ given {{ amount }} campaign {{ name }} }}
  {ERRORS} }} }}"""


async def test_a_received_legacy_is_given_to_date_and_a_donation_on_the_record(api: Api) -> None:
    plan = await fundraising(api)
    values = {"customerId": plan.donor, "expected": 50_000, "campaignId": plan.campaigns.top}
    values["stageId"] = plan.stages[1]
    recorded = ok(await mutate(api, RECORD_LEGACY, {"input": values}))["legacy"]

    received = await mutate(
        api, RECEIVE_LEGACY, {"id": recorded["id"], "fund": plan.catalogue.fund}
    )

    assert (recorded["given"], recorded["stage"]) == ({"amount": 0}, {"name": "Ask"})
    assert ok(received)["legacy"] == {
        "given": {"amount": 20_000},
        "campaign": {"name": "Capital Appeal"},
    }
    orders = (await api.data(DONATIONS, {"id": plan.donor}))["customer"]["orders"]["edges"]
    assert [o["node"]["items"] for o in orders] == [
        [{"kind": "DONATION", "price": {"amount": 20_000}, "fund": {"code": "ANNUAL"}}]
    ]
    assert [e["summary"] for e in await timeline(api, plan.donor, "LEGACY")] == [
        "GBP 200.00 received from a legacy.",
        "Legacy of GBP 500.00 expected.",
    ]


SAVE_ACTIVITY = f"""mutation($input: ActivityInput!) {{ saveActivity(input: $input) {{
  activity {{ id subject done }} {ERRORS} }} }}"""
OPEN_ACTIVITIES = "{ viewer { kind openActivities { subject dueOn customer { displayName } } } }"
LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { code } } }"""


async def test_a_staff_users_open_activities_are_theirs_not_done_and_soonest_first(
    api: Api,
) -> None:
    plan = await fundraising(api)
    me, email = await staff_user(api)
    colleague, _ = await staff_user(api)

    async def activity(subject: str, due: int, owner: str, done: bool = False) -> Any:
        values = {
            "customerId": plan.donor,
            "type": "MEETING",
            "subject": subject,
            "dueOn": days(due),
            "ownerId": owner,
            "done": done,
            "opportunityId": plan.opportunity,
        }
        return ok(await mutate(api, SAVE_ACTIVITY, {"input": values}))["activity"]

    await activity("Lunch", 10, me)
    await activity("Tour", 3, me)
    await activity("Already met", 1, me, done=True)
    await activity("Not mine", 2, colleague)
    elsewhere = {"customerId": await person(api, "Else"), "type": "CALL", "subject": "Hello"}
    elsewhere |= {"dueOn": days(1), "ownerId": me, "opportunityId": plan.opportunity}
    refused = await mutate(api, SAVE_ACTIVITY, {"input": elsewhere})
    token = (await api.data(LOGIN, {"email": email, "password": PASSWORD}))["login"]["token"]

    mine = (await api.data(OPEN_ACTIVITIES, key=token))["viewer"]
    as_key = (await api.data(OPEN_ACTIVITIES))["viewer"]

    assert mine["kind"] == "USER"
    assert [(a["subject"], a["customer"]["displayName"]) for a in mine["openActivities"]] == [
        ("Tour", "Dora Buyer"),
        ("Lunch", "Dora Buyer"),
    ]
    assert as_key == {"kind": "API_KEY", "openActivities": []}
    assert codes(refused) == [("CONFLICT", ["opportunityId"])]  # another customer's
    summaries = [e["summary"] for e in await timeline(api, plan.donor, "ACTIVITY")]
    assert f"Meeting planned: Tour (due {days(3)})." in summaries and len(summaries) == 4


INVITE = f"""mutation($input: InviteInput!) {{ invite(input: $input) {{
  invitation {{ id }} {ERRORS} }} }}"""
ANSWER = f"""mutation($input: AnswerInvitationInput!) {{ answerInvitation(input: $input) {{
  invitation {{ reply guestCount attended }} {ERRORS} }} }}"""
ADD_GUEST = f"""mutation($input: InvitationGuestInput!) {{ addInvitationGuest(input: $input) {{
  invitation {{ guestCount }} {ERRORS} }} }}"""
INVITATIONS = """query($id: ID!) { customer(id: $id) { ... on Individual { invitations {
  reply guestCount attended daysUntil onBehalfOf { displayName }
  guests { name customer { displayName } } } } } }"""
ORGANISATION = """mutation($name: String!) { createOrganisation(input: {name: $name}) {
  organisation { id } } }"""


async def test_invitations_go_to_individuals_on_behalf_of_a_related_organisation_only(
    api: Api,
) -> None:
    plan = await fundraising(api)
    org = "createOrganisation"
    bank = (await api.data(ORGANISATION, {"name": "Harbour Bank"}))[org]["organisation"]["id"]
    stranger = (await api.data(ORGANISATION, {"name": "Other Ltd"}))[org]["organisation"]["id"]
    await relate(api, plan.donor, bank, "Employee of")
    where = {"instanceId": plan.catalogue.instance}

    to_org = await mutate(api, INVITE, {"input": {**where, "customerId": bank}})
    unrelated = await mutate(
        api, INVITE, {"input": {**where, "customerId": plan.donor, "onBehalfOfId": stranger}}
    )
    invited = await mutate(
        api, INVITE, {"input": {**where, "customerId": plan.donor, "onBehalfOfId": bank}}
    )

    assert codes(to_org) == [("NOT_FOUND", ["customerId"])]
    assert codes(unrelated) == [("CONFLICT", ["onBehalfOfId"])]
    assert ok(invited)["invitation"]["id"]
    [listed] = (await api.data(INVITATIONS, {"id": plan.donor}))["customer"]["invitations"]
    assert listed["onBehalfOf"] == {"displayName": "Harbour Bank"}
    assert listed["reply"] == "AWAITING"
    assert listed["daysUntil"] == (date(2027, 3, 1) - date.today()).days


async def test_an_invitation_records_the_reply_guests_and_attendance(api: Api) -> None:
    plan = await fundraising(api)
    friend = await person(api, "Fran")
    values = {"customerId": plan.donor, "instanceId": plan.catalogue.instance}
    invitation = ok(await mutate(api, INVITE, {"input": values}))["invitation"]["id"]

    accepted = await mutate(
        api, ANSWER, {"input": {"invitationId": invitation, "reply": "ACCEPTED", "guestCount": 1}}
    )
    by_customer = await mutate(
        api, ADD_GUEST, {"input": {"invitationId": invitation, "customerId": friend}}
    )
    by_name = await mutate(api, ADD_GUEST, {"input": {"invitationId": invitation, "name": "Sam"}})
    fewer = await mutate(
        api, ANSWER, {"input": {"invitationId": invitation, "reply": "ACCEPTED", "guestCount": 1}}
    )
    attended = await mutate(
        api, ANSWER, {"input": {"invitationId": invitation, "reply": "ACCEPTED", "attended": True}}
    )

    assert ok(accepted)["invitation"] == {"reply": "ACCEPTED", "guestCount": 1, "attended": None}
    assert ok(by_customer)["invitation"] == {"guestCount": 1}
    assert ok(by_name)["invitation"] == {"guestCount": 2}
    assert codes(fewer) == [("VALIDATION", ["guestCount"])]  # two are named
    assert ok(attended)["invitation"]["guestCount"] == 2
    assert ok(attended)["invitation"]["attended"] is True
    [listed] = (await api.data(INVITATIONS, {"id": plan.donor}))["customer"]["invitations"]
    assert listed["guests"] == [
        {"name": None, "customer": {"displayName": "Fran Buyer"}},
        {"name": "Sam", "customer": None},
    ]
    assert [e["summary"] for e in await timeline(api, plan.donor, "INVITATION")] == [
        "Invitation attended: yes.",
        "Invitation reply: accepted.",
        "Invited to Tristan & Yseult on 2027-03-01.",
    ]
    assert (await api.data(INVITATIONS, {"id": friend}))["customer"]["invitations"] == []


async def test_pledges_legacies_and_invitations_need_the_opportunities_role(api: Api) -> None:
    plan = await fundraising(api)
    sales = await api.key_with(Role.SALES)

    result = await api.call(PLEDGES, {"id": plan.donor}, key=sales)
    refused = await api.call(
        RECORD_PLEDGE,
        {"input": {"customerId": plan.donor, "fundId": plan.catalogue.fund, "amount": 1}},
        key=sales,
    )

    assert {e["extensions"]["code"] for e in result["errors"]} == {"PERMISSION_DENIED"}
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"PERMISSION_DENIED"}
    assert refused["data"] is None


SAVE_REMINDERS = f"""mutation($input: ReminderSettingsInput!) {{ saveReminderSettings(
  input: $input) {{ settings {{ subject }} {ERRORS} }} }}"""
READ_REMINDERS = "{ reminderSettings { subject everyDays } }"


async def test_reminder_settings_refuse_bad_numbers_and_templates_that_do_not_compile(
    api: Api,
) -> None:
    base = {"firstDaysBefore": 7, "everyDays": 7, "maxReminders": 3}
    before = await api.data(READ_REMINDERS)

    numbers = await mutate(
        api, SAVE_REMINDERS, {"input": {**base, "everyDays": 0, "maxReminders": -1}}
    )
    broken = await mutate(
        api,
        SAVE_REMINDERS,
        {"input": {**base, "subject": "Instalment {{ number", "body": "{% if %}"}},
    )
    huge = await mutate(api, SAVE_REMINDERS, {"input": {**base, "subject": "x" * 10_000}})

    assert codes(numbers) == [("VALIDATION", ["everyDays"]), ("VALIDATION", ["maxReminders"])]
    assert codes(broken) == [("VALIDATION", ["subject"]), ("VALIDATION", ["body"])]
    assert codes(huge) == [("VALIDATION", ["subject"])]
    assert await api.data(READ_REMINDERS) == before  # nothing saved


async def test_a_reminder_on_demand_needs_money_owing_and_a_pledge_of_ours(
    api: Api, other_api: Api
) -> None:
    donor, fund = await person(api, "Paige"), (await catalogue(api)).fund
    paid = ok(await pledge(api, donor, fund, 1_000, instalments=1))["pledge"]
    ok(await pay(api, paid["instalments"][0]["id"], 1_000))
    cancelled = ok(await pledge(api, donor, fund, 2_000, instalments=2))["pledge"]
    ok(await mutate(api, CANCEL_PLEDGE, {"id": cancelled["id"]}))

    settled = await mutate(api, REMIND, {"id": paid["id"]})
    withdrawn = await mutate(api, REMIND, {"id": cancelled["id"]})
    theirs = await mutate(other_api, REMIND, {"id": paid["id"]})
    nonsense = await mutate(api, REMIND, {"id": "not-an-id"})

    assert codes(settled) == [("CONFLICT", ["pledgeId"])]
    assert codes(withdrawn) == [("CONFLICT", ["pledgeId"])]
    assert codes(theirs) == [("NOT_FOUND", ["pledgeId"])]
    assert codes(nonsense) == [("NOT_FOUND", ["pledgeId"])]
