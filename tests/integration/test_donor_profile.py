"""The Donor Profile from mutation to download, in both formats, through the outbox, the
broker and a worker: its sections and figures, and what its requester may see."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from domain.donor_profile import ProfileRequest, ReportFormat, year_before
from domain.roles import Role
from infra.clock import utc_now
from infra.composition import Runtime, start_worker
from infra.reports.donor_profile import read_donor_profile
from resolvers.global_ids import parse_global_id
from tests.conftest import ALL_ROLES, Api
from tests.e2e.fundraising_fixtures import (
    ERRORS,
    LINK_ITEM,
    codes,
    days,
    donation,
    fundraising,
    mutate,
    ok,
    pledge,
    relate,
)
from tests.e2e.sales_fixtures import person, record, ticket
from tests.e2e.test_customers import create_individual
from tests.e2e.test_pop_up_notes import note
from tests.integration.jobs import JOB, job_row, tenant_id, wait_for
from tests.integration.test_export_pipeline import job_pk

UPDATE = f"""mutation($input: UpdateIndividualInput!) {{ updateIndividual(input: $input)
  {{ individual {{ id }} {ERRORS} }} }}"""
ORGANISATION = (
    'mutation { createOrganisation(input: {name: "Arts Trust"}) { organisation { id } } }'
)
REQUEST = f"""mutation($customer: ID!, $format: ReportFormat!, $from: Date, $to: Date) {{
  requestDonorProfile(customerId: $customer, format: $format, from: $from, to: $to) {{
    job {{ id status kind }} {ERRORS} }} }}"""
HOUSEHOLD = f"""mutation($input: CreateHouseholdInput!) {{ createHousehold(input: $input)
  {{ household {{ id }} {ERRORS} }} }}"""
ACTIVITY = f"""mutation($input: ActivityInput!) {{ saveActivity(input: $input)
  {{ activity {{ id }} {ERRORS} }} }}"""


@pytest.fixture(scope="session")
def profile_worker(runtime: Runtime) -> Iterator[dramatiq.Worker]:
    running = start_worker(runtime, threads=1)
    yield running
    running.stop()


@dataclass
class Donor:
    id: str
    pink: str
    blue: str


async def donor_with_history(api: Api) -> Donor:
    """Dora: an opportunity with a linked gift, a pledge of two instalments, tickets, a
    membership, a gift soft-credited to her, a household whose other member gave too, a
    relationship, activities either side of today, and a blue and a pink note."""
    world = await fundraising(api)
    cat, dora = world.catalogue, world.donor
    gift = await donation(api, dora, cat.fund, 25_000)
    ok(await mutate(api, LINK_ITEM, {"item": gift, "opportunity": world.opportunity}))
    ok(await pledge(api, dora, cat.fund, 60_000, instalments=2))
    ok(await record(api, dora, [ticket(cat, 3_000, 250), ticket(cat, 3_000, 250)]))
    ok(await record(api, dora, [{"kind": "MEMBERSHIP", "price": 5000, "schemeId": cat.scheme}]))
    partner = await person(api, "Pat")
    ok(
        await record(
            api,
            partner,
            [{"kind": "DONATION", "price": 7_700, "fundId": cat.fund}],
            softCreditIds=[dora],
        )
    )
    sibling = await person(api, "Sib")
    ok(
        await mutate(
            api,
            HOUSEHOLD,
            {
                "input": {
                    "primaryHouseholderId": dora,
                    "memberIds": [sibling],
                    "name": "Buyer family",
                }
            },
        )
    )
    ok(await record(api, sibling, [{"kind": "DONATION", "price": 99_900, "fundId": cat.fund}]))
    for due, subject in ((-10, "Thank-you call"), (20, "Gala seating")):
        values = {
            "customerId": dora,
            "type": "CALL",
            "subject": subject,
            "dueOn": days(due),
            "ownerId": world.owner,
        }
        ok(await mutate(api, ACTIVITY, {"input": values}))
    trust = (await api.data(ORGANISATION))["createOrganisation"]["organisation"]["id"]
    await relate(api, dora, trust, "Trustee")
    blue = await note(api, dora, text="Prefers letters to email.")
    pink = await note(api, dora, colour="PINK", text="Considering a legacy of GBP 50k.")
    return Donor(dora, pink["text"], blue["text"])


async def profile(
    api: Api, runtime: Runtime, customer: str, fmt: str, key: str | None = None, **variables: Any
) -> bytes:
    payload = ok(
        await mutate(api, REQUEST, {"customer": customer, "format": fmt, **variables}, key=key)
    )
    job_id = payload["job"]["id"]
    assert payload["job"]["kind"] == "DONOR_PROFILE"
    runtime.relay.relay_once()
    done = wait_for(
        runtime.sync_engine, job_pk(job_id), lambda r: r.status in ("SUCCEEDED", "FAILED")
    )
    assert done.status == "SUCCEEDED", done.error
    url = (await api.data(JOB, {"id": job_id}, key=key))["job"]["downloadUrl"]
    response = await api.client.get(url, headers={"Authorization": f"Bearer {key or api.key}"})
    assert response.status_code == 200
    return response.content


def _pk(global_id: str) -> int:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(content))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


SECTIONS = (
    "Summary",
    "Details",
    "Relationships",
    "Household",
    "Current memberships",
    "Open opportunities",
    "Pop-up notes",
    "Donations",
    "Tickets",
    "Pledges",
    "Pledge instalments",
    "Past activities",
    "Upcoming activities",
)


def page_images(content: bytes, folder: Path) -> list[Path]:
    """Every page as a PNG (pdftoppm, Debian's poppler-utils), for a person to look at:
    kept in $FOYER_TEST_ARTEFACTS when set."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "donor-profile.pdf").write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(folder / "donor-profile.pdf"), str(folder / "page")],
        check=True,
    )
    return sorted(folder.glob("page-*.png"))


async def test_the_pdf_profile_has_every_section_and_the_figures(
    api: Api, runtime: Runtime, profile_worker: dramatiq.Worker, tmp_path: Path
) -> None:
    donor = await donor_with_history(api)

    content = await profile(api, runtime, donor.id, "PDF")
    text = pdf_text(content)
    artefacts = Path(os.environ.get("FOYER_TEST_ARTEFACTS") or tmp_path)
    images = page_images(content, artefacts / runtime.settings.database_url.split(":")[0])

    assert len(images) == len(PdfReader(io.BytesIO(content)).pages)

    for heading in SECTIONS:
        assert heading in text, heading
    assert "Dora Buyer" in text and "page 1 of" in text
    assert "GBP 250.00" in text  # the linked gift, and the opportunity's Received
    assert "GBP 600.00" in text  # the pledge
    assert "GBP 77.00" in text and "Soft credit" in text
    assert "GBP 999.00" not in text  # the household member's gift keeps its own credit
    assert "Sib Buyer" in text and "Primary householder" in text
    assert "Trustee of" in text and "Arts Trust" in text
    assert "Friends" in text and "Thank-you call" in text and "Gala seating" in text
    assert donor.blue in text and donor.pink in text


async def test_the_excel_profile_has_a_typed_sheet_per_section(
    api: Api, runtime: Runtime, profile_worker: dramatiq.Worker
) -> None:
    donor = await donor_with_history(api)

    content = await profile(api, runtime, donor.id, "XLSX")
    book = load_workbook(io.BytesIO(content))
    found = sheets(content)

    assert tuple(found) == SECTIONS
    summary = {row[0]: row[1] for row in found["Summary"][1:]}
    assert summary["Lifetime giving"] == 250.0
    assert summary["Giving in this period"] == 250.0
    assert summary["Soft-credited giving in this period"] == 77.0
    assert summary["Tickets in this period"] == 2
    opportunity = found["Open opportunities"][1]
    assert opportunity[3:8] == (0.0, 0.0, 250.0, 0.0, 0.0)
    assert [r[4] for r in found["Donations"][1:]] == ["Soft credit", "Own gift"]
    assert book["Donations"]["F2"].number_format.startswith('"GBP"')
    assert book["Donations"]["A2"].is_date and book["Tickets"].freeze_panes == "A2"
    assert [r[1] for r in found["Pop-up notes"][1:]] == [donor.pink, donor.blue]
    assert len(found["Pledge instalments"]) == 3


async def test_a_requester_without_opportunities_is_refused(api: Api) -> None:
    dora = await person(api, "Dora")
    sales = await api.key_with(Role.SALES, Role.PROTECTED_DATA, Role.SETTINGS_ADMIN)

    refused = await api.call(REQUEST, {"customer": dora, "format": "PDF"}, key=sales)

    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert refused["data"] is None


async def test_the_profile_shows_what_its_requester_may_see(
    api: Api, runtime: Runtime, profile_worker: dramatiq.Worker
) -> None:
    """The roles a requester held when asking travel with the job, and the worker applies
    the same rules as every other read: protected data blank without PROTECTED_DATA, pink
    notes and their timeline entries only for OPPORTUNITIES."""
    donor = await donor_with_history(api)
    ok(
        await mutate(
            api,
            UPDATE,
            {
                "input": {
                    "customerId": donor.id,
                    "attributes": [
                        {"key": "Wealth screening", "value": "Band A", "protected": True}
                    ],
                }
            },
        )
    )
    fundraiser = await api.key_with(Role.OPPORTUNITIES)

    found = sheets(await profile(api, runtime, donor.id, "XLSX", key=fundraiser))
    everything = sheets(await profile(api, runtime, donor.id, "XLSX"))
    parameters = ProfileRequest(
        _pk(donor.id),
        date(2000, 1, 1),
        date(2100, 1, 1),
        ReportFormat.XLSX,
        frozenset({Role.SALES}),
    )
    tenant = tenant_id(runtime.sync_engine, api.slug)
    as_sales = read_donor_profile(runtime.sync_engine, tenant, parameters, utc_now())

    assert ("Wealth screening", "(protected)") in found["Details"]
    assert ("Wealth screening", "Band A") in everything["Details"]
    assert [r[1] for r in found["Pop-up notes"][1:]] == [donor.pink, donor.blue]
    assert [r[1] for r in as_sales.section("Pop-up notes").rows] == [donor.blue]


async def test_a_profile_is_read_only_by_colleagues_who_see_as_much_as_its_requester(
    api: Api, runtime: Runtime, profile_worker: dramatiq.Worker
) -> None:
    """The file shows what its requester could see; a fundraiser without PROTECTED_DATA
    must not read, through the job and its download, the protected values they would get
    blank on the customer."""
    dora = await person(api, "Dora")
    secret = {"key": "Health", "value": "Needs step-free seating", "protected": True}
    ok(await mutate(api, UPDATE, {"input": {"customerId": dora, "attributes": [secret]}}))
    fundraiser = await api.key_with(Role.OPPORTUNITIES)
    trusted = await api.key_with(*ALL_ROLES)
    job_id = ok(await mutate(api, REQUEST, {"customer": dora, "format": "XLSX"}))["job"]["id"]
    runtime.relay.relay_once()
    wait_for(runtime.sync_engine, job_pk(job_id), lambda r: r.status == "SUCCEEDED")
    url = (await api.data(JOB, {"id": job_id}))["job"]["downloadUrl"]
    content = (await api.client.get(url, headers={"Authorization": f"Bearer {api.key}"})).content
    as_fundraiser = await api.call(JOB, {"id": job_id}, key=fundraiser)
    download = await api.client.get(url, headers={"Authorization": f"Bearer {fundraiser}"})
    as_trusted = await api.data(JOB, {"id": job_id}, key=trusted)

    assert ("Health", "Needs step-free seating") in sheets(content)["Details"]
    assert as_fundraiser["data"] == {"job": None}
    assert download.status_code == 404
    assert as_trusted["job"]["downloadUrl"] == url
    # What the fundraiser asks for themselves, they read (with the value blank).
    assert ("Health", "(protected)") in sheets(
        await profile(api, runtime, dora, "XLSX", key=fundraiser)
    )["Details"]


async def test_a_profile_is_for_an_individual_over_a_sensible_range(api: Api) -> None:
    organisation = (await api.data(ORGANISATION))["createOrganisation"]["organisation"]["id"]
    dora = await person(api, "Dora")

    of_organisation = await mutate(api, REQUEST, {"customer": organisation, "format": "PDF"})
    backwards = await mutate(
        api, REQUEST, {"customer": dora, "format": "PDF", "from": days(0), "to": days(-1)}
    )
    unknown = await mutate(api, REQUEST, {"customer": "bm90aGluZw", "format": "XLSX"})
    too_long = await mutate(
        api, REQUEST, {"customer": dora, "format": "PDF", "from": "1990-01-01", "to": days(0)}
    )
    default = ok(await mutate(api, REQUEST, {"customer": dora, "format": "XLSX"}))
    asked = job_row(api.runtime.sync_engine, job_pk(default["job"]["id"])).parameters

    assert codes(of_organisation) == [("VALIDATION", ["customerId"])]
    assert codes(backwards) == [("VALIDATION", ["from"])]
    assert codes(unknown) == [("NOT_FOUND", ["customerId"])]
    assert codes(too_long) == [("VALIDATION", ["from"])]
    today = date.fromisoformat(days(0))
    assert (asked["from"], asked["to"]) == (year_before(today).isoformat(), today.isoformat())
    assert "OPPORTUNITIES" in asked["readerRoles"]


async def test_a_profile_and_its_file_stay_within_their_organisation(
    api: Api, other_api: Api, runtime: Runtime, profile_worker: dramatiq.Worker
) -> None:
    dora = (await create_individual(api, firstName="Dora", lastName="Private"))["id"]
    theirs = await mutate(other_api, REQUEST, {"customer": dora, "format": "PDF"})
    payload = ok(await mutate(api, REQUEST, {"customer": dora, "format": "PDF"}))
    runtime.relay.relay_once()
    wait_for(runtime.sync_engine, job_pk(payload["job"]["id"]), lambda r: r.status == "SUCCEEDED")
    url = (await api.data(JOB, {"id": payload["job"]["id"]}))["job"]["downloadUrl"]

    download = await other_api.client.get(url, headers={"Authorization": f"Bearer {other_api.key}"})

    assert codes(theirs) == [("NOT_FOUND", ["customerId"])]
    assert (await other_api.data(JOB, {"id": payload["job"]["id"]})) == {"job": None}
    assert download.status_code == 404
