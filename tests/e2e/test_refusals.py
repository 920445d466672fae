"""One rule for refusing a caller, whatever it called: no credentials is a top-level
UNAUTHENTICATED, a role missing (for the field, or for one of its arguments) a top-level
PERMISSION_DENIED with the field's data null, and nothing of the organisation's is written.
Payload `errors` are only for what the input can fix; the schema says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from domain.roles import Role
from infra.db import tables as t
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import (
    ERRORS,
    OPEN,
    SAVE_CAMPAIGN,
    Fundraising,
    fundraising,
    refusals,
)
from tests.e2e.sales_fixtures import RECORD_ORDER, ticket
from tests.e2e.test_pop_up_notes import note

JOB = "job { id } errors { code message field }"


@dataclass(frozen=True)
class Attempt:
    """A call of one family, by a caller holding `roles` (None: no credentials at all)."""

    family: str
    query: str
    variables: dict[str, Any]
    roles: tuple[Role, ...] | None
    code: str = "PERMISSION_DENIED"
    field: list[str] | None = None


def attempts(world: Fundraising, note_id: str) -> list[Attempt]:
    customer, cat = world.donor, world.catalogue
    return [
        Attempt(
            "customers: create",
            f"""mutation($i: CreateIndividualInput!) {{ createIndividual(input: $i)
              {{ {ERRORS} }} }}""",
            {"i": {"lastName": "Nobody"}},
            (Role.INSIGHTS,),
        ),
        Attempt(
            "customers: protected attributes",
            f"""mutation($i: CreateIndividualInput!) {{ createIndividual(input: $i)
              {{ {ERRORS} }} }}""",
            {
                "i": {
                    "lastName": "Nosy",
                    "attributes": [{"key": "w", "value": "x", "protected": True}],
                }
            },
            (Role.SALES,),
            field=["attributes"],
        ),
        Attempt(
            "customers: list inactive",
            "{ customers(includeInactive: true, first: 5) { edges { node { id } } } }",
            {},
            (Role.SALES,),
            field=["includeInactive"],
        ),
        Attempt(
            "customers: relationship types (settings)",
            f"""mutation($i: CreateRelationshipTypeInput!) {{ createRelationshipType(input: $i)
              {{ {ERRORS} }} }}""",
            {"i": {"name": "Patron of"}},
            (Role.SALES, Role.OPPORTUNITIES),
        ),
        Attempt(
            "customers: households",
            f"""mutation($i: CreateHouseholdInput!) {{ createHousehold(input: $i)
              {{ {ERRORS} }} }}""",
            {"i": {"primaryHouseholderId": customer}},
            (Role.INSIGHTS,),
        ),
        Attempt(
            "customers: read without credentials",
            "query($id: ID!) { customer(id: $id) { displayName } }",
            {"id": customer},
            None,
            "UNAUTHENTICATED",
        ),
        Attempt(
            "timeline: filtered by an opportunity",
            """query($id: ID!, $o: ID!) { customer(id: $id) { timeline(opportunityId: $o)
              { edges { node { type } } } } }""",
            {"id": customer, "o": world.opportunity},
            (Role.SALES,),
            field=["opportunityId"],
        ),
        Attempt(
            "notes: pink",
            f"""mutation($i: AddPopUpNoteInput!) {{ addPopUpNote(input: $i)
              {{ popUpNote {{ id }} {ERRORS} }} }}""",
            # Refused for the colour before the (empty) text is looked at.
            {"i": {"customerId": customer, "colour": "PINK", "text": ""}},
            (Role.SALES,),
            field=["colour"],
        ),
        Attempt(
            "notes: another's",
            f"""mutation($id: ID!) {{ deletePopUpNote(input: {{id: $id}})
              {{ popUpNote {{ id }} {ERRORS} }} }}""",
            {"id": note_id},
            (Role.SALES,),
            field=["id"],
        ),
        Attempt(
            "sales: record an order",
            RECORD_ORDER,
            {"input": {"ownerId": customer, "channel": "BOX_OFFICE", "items": [ticket(cat)]}},
            (Role.INSIGHTS,),
        ),
        Attempt(
            "sales: catalogue",
            f"mutation($i: FundInput!) {{ saveFund(input: $i) {{ {ERRORS} }} }}",
            {"i": {"name": "Roof Fund", "code": "roof"}},
            (Role.SALES,),
        ),
        Attempt(
            "fundraising: open an opportunity",
            OPEN,
            {
                "input": {
                    "customerId": customer,
                    "campaignId": world.campaigns.leaf,
                    "ownerId": world.owner,
                    "stageId": world.stages[0],
                    "name": "Refused gift",
                }
            },
            (Role.SALES,),
        ),
        Attempt(
            "fundraising: campaigns (admin)",
            SAVE_CAMPAIGN,
            {"input": {"name": "Refused appeal"}},
            (Role.OPPORTUNITIES,),
        ),
        Attempt(
            "fundraising: read through node",
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": world.opportunity},
            (Role.SALES,),
            field=["id"],
        ),
        Attempt(
            "fundraising: a customer's opportunities",
            "query($id: ID!) { customer(id: $id) { opportunities { id } } }",
            {"id": customer},
            (Role.SALES,),
        ),
        Attempt(
            "fundraising: the caller's open activities",
            "{ viewer { openActivities { id } } }",
            {},
            (Role.SALES, Role.INSIGHTS),
        ),
        Attempt(
            "fundraising: the dashboard",
            "{ opportunities(first: 5) { edges { node { id } } } }",
            {},
            (Role.SALES, Role.INSIGHTS),
        ),
        Attempt(
            "reminders: settings",
            "{ reminderSettings { everyDays } }",
            {},
            (Role.SALES,),
        ),
        Attempt(
            "reminders: save the settings",
            f"""mutation($i: ReminderSettingsInput!) {{ saveReminderSettings(input: $i)
              {{ {ERRORS} }} }}""",
            {"i": {"firstDaysBefore": 7, "everyDays": 7, "maxReminders": 2}},
            (Role.SALES,),
        ),
        Attempt(
            "jobs: an export",
            f'mutation {{ requestCustomerExport(search: "a") {{ {JOB} }} }}',
            {},
            (Role.SALES,),
        ),
        Attempt(
            "jobs: an export of inactive customers",
            f"mutation {{ requestCustomerExport(includeInactive: true) {{ {JOB} }} }}",
            {},
            (Role.INSIGHTS,),
            field=["includeInactive"],
        ),
        Attempt(
            "jobs: a donor profile",
            f"mutation($id: ID!) {{ requestDonorProfile(customerId: $id) {{ {JOB} }} }}",
            {"id": customer},
            (Role.SALES,),
        ),
        Attempt(
            "consent: a preference",
            f"""mutation($i: ContactPreferenceInput!) {{ saveContactPreference(input: $i)
              {{ {ERRORS} }} }}""",
            {"i": {"name": "Post", "kind": "POST", "statement": "Post me news."}},
            (Role.SALES,),
        ),
        Attempt(
            "consent: questions to ask",
            """query($id: ID!) { consentQuestions(customerId: $id, eventInstanceIds: [])
              { statement } }""",
            {"id": customer},
            (Role.INSIGHTS,),
        ),
        Attempt(
            "consent: answers",
            f"""mutation($id: ID!) {{ recordConsents(customerId: $id, answers: [], source: WEB)
              {{ {ERRORS} }} }}""",
            {"id": customer},
            (Role.INSIGHTS,),
        ),
        Attempt(
            "consent: partner export",
            f"""mutation($p: ID!) {{ requestPartnerExport(partnerCompanyId: $p,
              from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", format: CSV)
              {{ {JOB} }} }}""",
            {"p": cat.partner},
            (Role.INSIGHTS,),
        ),
        Attempt(
            "consent: erasure",
            f"""mutation($id: ID!) {{ eraseCustomer(customerId: $id, reason: "asked",
              confirmReference: "C-1") {{ {ERRORS} }} }}""",
            {"id": customer},
            (Role.SALES, Role.OPPORTUNITIES),
        ),
        Attempt(
            "accounts: log out without credentials",
            "mutation { logout { loggedOut errors { code } } }",
            {},
            None,
            "UNAUTHENTICATED",
        ),
    ]


async def tenant_rows(api: Api) -> dict[str, int]:
    """How many rows the organisation has in each of its tables."""
    async with api.runtime.engine.connect() as db:
        tenant_id = (
            await db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == api.slug))
        ).scalar_one()
        counts = {}
        for table in t.metadata.sorted_tables:
            if "tenant_id" in table.c:
                statement = select(func.count()).where(table.c.tenant_id == tenant_id)
                counts[table.name] = (await db.execute(statement)).scalar_one()
    return counts


async def test_a_caller_refused_gets_the_top_level_error_and_nothing_is_written(
    api: Api,
) -> None:
    world = await fundraising(api)
    written = await note(api, world.donor, text="By a colleague.")
    tried = attempts(world, written["id"])
    keys = {a.roles: await api.key_with(*a.roles) for a in tried if a.roles is not None}
    before = await tenant_rows(api)

    answers = {
        a.family: refusals(await api.call(a.query, a.variables, key=keys.get(a.roles, "")))
        for a in tried
    }

    assert answers == {a.family: [(a.code, a.field)] for a in tried}
    assert await tenant_rows(api) == before


def test_user_error_codes_hold_only_what_the_input_can_fix() -> None:
    from schema.errors import UserErrorCode

    codes = {code.value for code in UserErrorCode}  # type: ignore[attr-defined]
    assert "INVALID_CREDENTIALS" in codes
    assert not codes & {"PERMISSION_DENIED", "UNAUTHENTICATED"}
