"""An erased customer is in no listing, search, export or report: every path that lists
customers (or rows standing for one) is walked after the erasure, each having shown the
customer before it, so a path that forgets the rule fails here. By its own id the
anonymised shell still answers, for the money history it keeps (infra/db/queries/erased.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from domain.donor_profile import ProfileRequest, ReportFormat
from domain.roles import Role
from infra.clock import utc_now
from infra.db import tables as t
from infra.reports.donor_profile import read_donor_profile
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.e2e.consent_fixtures import answer, partner_with_instance, save_preference, set_mode
from tests.e2e.sales_fixtures import record
from tests.e2e.test_customers import create_individual
from tests.e2e.test_households import household_of
from tests.e2e.test_relationships import add, create_type
from tests.e2e.test_returns_reservations_visits import pk
from tests.integration.jobs import tenant_id
from tests.integration.mailing_fixtures import freeze_list
from tests.integration.test_erasure import ERASE
from tests.integration.test_partner_export import IN_RANGE, run_export, ticket_for
from workers.customer_export import export_customers
from workers.dependencies import WorkerDependencies

LISTING = """
query($search: String, $kind: CustomerKind) {
  customers(search: $search, includeInactive: true, first: 100, filter: {kind: $kind}) {
    edges { node { reference displayName
      relationships { fromCustomer { reference } toCustomer { reference } }
      ... on Individual { household { members { reference } } } } }
  }
}"""
RECORD = """
query($id: ID!) { customer(id: $id) { reference
  relationships(includeEnded: true) { fromCustomer { reference } toCustomer { reference } }
  ... on Individual { household { id members { reference } } } } }"""
HOUSEHOLD = """query($id: ID!) { node(id: $id) { ... on Household { members { reference } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Individual { reference displayName } } }"""
EXPORT = """
mutation { requestCustomerExport(includeInactive: true) { job { id } errors { code } } }"""
PROFILE = """
mutation($id: ID!) { requestDonorProfile(customerId: $id) { errors { code field } } }"""
QUESTIONS = """
query($c: ID!) { consentQuestions(customerId: $c, eventInstanceIds: []) { reason } }"""
PREFERENCES = "{ contactPreferences { id wordingVersion } }"
LIST_MEMBERS = """query($id: ID!) { customerList(id: $id) {
  customers(first: 100) { edges { node { reference } } } } }"""
REACTIVATE = """
mutation($id: ID!) { reactivateCustomer(input: {customerId: $id}) { errors { code } } }"""


@dataclass
class Couple:
    ada: dict[str, Any]
    will: dict[str, Any]
    partner: str
    household: str
    # A list frozen with both in it, before the erasure.
    frozen: str


async def couple(api: Api) -> Couple:
    """Ada and Will: one household, a relationship, both buying for Kneehigh and agreeing to
    share with it, and Ada inactive (the paths that include inactive customers matter most)."""
    await set_mode(api, "PER_PARTNER")
    partner, show = await partner_with_instance(api, "Kneehigh")
    share = await save_preference(
        api, name="Kneehigh", kind="PARTNER", statement="Share.", partnerCompanyId=partner
    )
    people = []
    for first, last in (("Augusta", "Lovelace"), ("William", "King")):
        person = await create_individual(
            api, firstName=first, lastName=last, emails=[{"address": f"{first}@example.org"}]
        )
        bought = await record(api, person["id"], [ticket_for(show)], orderedAt=IN_RANGE)
        assert bought["errors"] == [], bought["errors"]
        assert (await answer(api, person["id"], (share, True)))["errors"] == []
        people.append(person)
    ada, will = people
    household = await household_of(api, will["id"], ada["id"])
    spouse = await create_type(api, "Spouse")
    related = await add(api, typeId=spouse["id"], fromCustomerId=ada["id"], toCustomerId=will["id"])
    assert related["errors"] == []
    engine = api.runtime.sync_engine
    both = [pk(ada["id"]), pk(will["id"])]
    frozen = to_global_id("CustomerList", freeze_list(engine, tenant_id(engine, api.slug), both))
    return Couple(ada, will, partner, household["id"], frozen)


async def listed(api: Api, search: str | None = None, kind: str | None = None) -> list[Any]:
    data = await api.data(LISTING, {"search": search, "kind": kind})
    return [e["node"] for e in data["customers"]["edges"]]


def references_in(value: Any) -> set[str]:
    """Every customer reference anywhere in an answer."""
    if isinstance(value, dict):
        return {v for k, v in value.items() if k == "reference"} | {
            r for v in value.values() for r in references_in(v)
        }
    if isinstance(value, list):
        return {r for v in value for r in references_in(v)}
    return set()


async def customer_export(api: Api) -> list[tuple[Any, ...]]:
    payload = (await api.data(EXPORT))["requestCustomerExport"]
    assert payload["errors"] == []
    runtime = api.runtime
    export_customers(
        WorkerDependencies(runtime.sync_engine, runtime.files, runtime.mail),
        pk(payload["job"]["id"]),
    )
    with runtime.sync_engine.connect() as db:
        job = db.execute(select(t.job).where(t.job.c.id == pk(payload["job"]["id"]))).one()
    sheet = load_workbook(runtime.files.root / job.result_file).active
    return list(sheet.iter_rows(min_row=2, values_only=True))


async def partner_exports(api: Api, partner: str) -> set[str]:
    """The references in the partner's CSV and XLSX files."""
    from tests.integration.test_partner_export import fetch

    found = set()
    for kind in ("CSV", "XLSX"):
        content, _ = await fetch(api, await run_export(api, partner, kind))
        if kind == "CSV":
            found |= {r[0] for r in list(csv.reader(io.StringIO(content.decode())))[1:]}
        else:
            sheet = load_workbook(io.BytesIO(content)).active
            found |= {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)}
    return found


def profile_names(api: Api, customer: str) -> list[str]:
    """The names in the Relationships and Household sections of a Donor Profile."""
    engine = api.runtime.sync_engine
    request = ProfileRequest(
        pk(customer), date(2000, 1, 1), date(2100, 1, 1), ReportFormat.PDF, frozenset(Role)
    )
    profile = read_donor_profile(engine, tenant_id(engine, api.slug), request, utc_now())
    sections = {s.title: s for s in profile.sections}
    return [row[1] for name in ("Relationships", "Household") for row in sections[name].rows]


async def every_path(api: Api, people: Couple) -> dict[str, set[str]]:
    """The customer references each listing, search, export and report path shows."""
    will = people.will
    listing = await listed(api)
    return {
        "listing": references_in(listing),
        "listing of individuals": references_in(await listed(api, kind="INDIVIDUAL")),
        "search by name": references_in(await listed(api, "Lovelace")),
        "search by email": references_in(await listed(api, "augusta@example.org")),
        "search by reference": references_in(await listed(api, people.ada["reference"])),
        "the record's lists": references_in(await api.data(RECORD, {"id": will["id"]})),
        "household members": references_in(await api.data(HOUSEHOLD, {"id": people.household})),
        "a frozen list's members": references_in(
            await api.data(LIST_MEMBERS, {"id": people.frozen})
        ),
        "customer export": {row[0] for row in await customer_export(api)},
        "partner export": await partner_exports(api, people.partner),
        "donor profile": {
            people.ada["reference"] if "Augusta" in name or "Erased" in name else name
            for name in profile_names(api, will["id"])
            if name != will["displayName"]
        },
    }


async def test_an_erased_customer_is_in_no_listing_search_export_or_report(api: Api) -> None:
    people = await couple(api)
    ada = people.ada["reference"]
    deactivated = await api.data(
        "mutation($id: ID!) { deactivateCustomer(input: {customerId: $id}) { errors { code } } }",
        {"id": people.ada["id"]},
    )
    assert deactivated["deactivateCustomer"]["errors"] == []
    before = await every_path(api, people)
    assert [path for path, found in before.items() if ada not in found] == []

    erased = await api.data(
        ERASE, {"id": people.ada["id"], "reason": "Asked to be forgotten", "confirm": ada}
    )
    assert erased["eraseCustomer"]["errors"] == []

    after = await every_path(api, people)
    assert [path for path, found in after.items() if ada in found] == []
    assert people.will["reference"] in after["listing"] | after["partner export"]
    assert after["partner export"] == {people.will["reference"]}
    assert await listed(api, "Erased") == []


async def test_an_erased_customer_answers_by_id_only_and_stays_erased(api: Api) -> None:
    people = await couple(api)
    ada = people.ada
    await api.data(ERASE, {"id": ada["id"], "reason": "Asked", "confirm": ada["reference"]})

    shell = (await api.data(NODE, {"id": ada["id"]}))["node"]
    refused_report = (await api.data(PROFILE, {"id": ada["id"]}))["requestDonorProfile"]
    refused_reactivation = (await api.data(REACTIVATE, {"id": ada["id"]}))["reactivateCustomer"]
    refused_questions = await api.call(QUESTIONS, {"c": ada["id"]})
    share = (await api.data(PREFERENCES))["contactPreferences"][0]
    refused_answer = await answer(api, ada["id"], (share, True))

    # Its orders and gifts keep an owner: the shell, holding nothing personal.
    assert shell == {"reference": ada["reference"], "displayName": "Erased customer"}
    assert refused_report["errors"] == [{"code": "NOT_FOUND", "field": ["customerId"]}]
    assert refused_reactivation["errors"] == [{"code": "CONFLICT"}]
    # Nothing is asked of, or recorded for, a person no longer on record.
    assert refused_questions["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert [e["code"] for e in refused_answer["errors"]] == ["NOT_FOUND"]
    assert ada["reference"] not in references_in(await listed(api))
