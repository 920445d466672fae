"""Data sharing with a partner company: the export holds exactly the customers who bought
for that partner's events in the range and currently grant consent to share with it; every
export and every download is logged; the file reaches the partner through a signed link."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook

from infra.auth.links import LinkSigner, link_secret
from infra.clock import utc_now
from infra.composition import Runtime
from tests.conftest import Api
from tests.e2e.consent_fixtures import (
    answer,
    partner_with_instance,
    plain_instance,
    save_preference,
    set_mode,
)
from tests.e2e.sales_fixtures import record
from tests.e2e.test_customers import create_individual
from tests.e2e.test_returns_reservations_visits import pk
from tests.integration.jobs import JOB, tenant_id, wait_for
from workers.dependencies import WorkerDependencies
from workers.partner_export import export_for_partner

REQUEST = """
mutation($partner: ID!, $from: DateTime!, $to: DateTime!, $format: ExportFormat!) {
  requestPartnerExport(partnerCompanyId: $partner, from: $from, to: $to, format: $format) {
    job { id status } errors { code message field }
  }
}"""
LINK = """
mutation($job: ID!) { createPartnerDownloadLink(jobId: $job) {
  url expiresAt errors { code message field } } }"""
EXPORTS = """
query($id: ID!) { node(id: $id) { ... on PartnerCompany { exports {
  requestedBy format rows job { status } events { what actor expiresAt } } } } }"""
FROM, TO = "2027-01-01T00:00:00+00:00", "2027-02-01T00:00:00+00:00"
IN_RANGE, OUT_OF_RANGE = "2027-01-15T12:00:00+00:00", "2027-02-15T12:00:00+00:00"


@dataclass
class SharingSet:
    kneehigh: str
    complicite: str
    expected: dict[str, tuple[str, str | None, str | None]]  # reference → name, email, postcode
    general_buyer: str


async def buyer(api: Api, first: str, email: str | None = None, postcode: str | None = None) -> Any:
    fields: dict[str, Any] = {"firstName": first, "lastName": "Buyer"}
    if email:
        fields["emails"] = [{"address": email}]
    if postcode:
        fields["addresses"] = [{"line1": "1 High St", "postcode": postcode, "primary": True}]
    return await create_individual(api, **fields)


def ticket_for(instance: str) -> dict[str, Any]:
    return {"kind": "TICKET", "price": 2000, "instanceId": instance, "priceBand": "A"}


async def sharing_set(api: Api) -> SharingSet:
    """Kneehigh's buyers in January: most never agreed, one agreed only to Complicite, one
    withdrew, one bought outside the range; three agree now (one after withdrawing once,
    one whose name would run as a formula)."""
    await set_mode(api, "PER_PARTNER")
    kneehigh, kneehigh_show = await partner_with_instance(api, "Kneehigh")
    complicite, complicite_show = await partner_with_instance(api, "Complicite")
    own_show = await plain_instance(api)
    share_k = await save_preference(
        api,
        name="Kneehigh",
        kind="PARTNER",
        statement="Share with Kneehigh.",
        partnerCompanyId=kneehigh,
    )
    share_c = await save_preference(
        api,
        name="Complicite",
        kind="PARTNER",
        statement="Share with Complicite.",
        partnerCompanyId=complicite,
    )
    general = await save_preference(api, name="Partners", kind="PARTNER", statement="Share.")
    expected = {}

    async def buys(person: Any, *instances: str, at: str = IN_RANGE) -> None:
        payload = await record(api, person["id"], [ticket_for(i) for i in instances], orderedAt=at)
        assert payload["errors"] == [], payload["errors"]

    for n in range(6):
        await buys(await buyer(api, f"Never{n}", f"never{n}@example.org"), kneehigh_show)
    only_c = await buyer(api, "OnlyComplicite", "c@example.org")
    await buys(only_c, kneehigh_show, complicite_show)
    await answer(api, only_c["id"], (share_c, True), (share_k, False))
    withdrew = await buyer(api, "Withdrew", "w@example.org")
    await buys(withdrew, kneehigh_show)
    await answer(api, withdrew["id"], (share_k, True))
    await answer(api, withdrew["id"], (share_k, False), source="CUSTOMER_ACCOUNT")
    outside = await buyer(api, "Outside", "o@example.org")
    await buys(outside, kneehigh_show, at=OUT_OF_RANGE)
    await answer(api, outside["id"], (share_k, True))
    own_only = await buyer(api, "OwnShow", "own@example.org")
    await buys(own_only, own_show)
    await answer(api, own_only["id"], (share_k, True))

    agrees = await buyer(api, "Agrees", "a@example.org", "TR1 1AA")
    await buys(agrees, kneehigh_show, kneehigh_show, own_show)
    await answer(api, agrees["id"], (share_k, True))
    formula = await buyer(api, '=HYPERLINK("http://evil")', "+evil@example.org", "-1+1")
    await buys(formula, kneehigh_show)
    await answer(api, formula["id"], (share_k, True))
    again = await buyer(api, "Again", None, None)
    await buys(again, kneehigh_show)
    await answer(api, again["id"], (share_k, False))
    await answer(api, again["id"], (share_k, True))
    for person, email, postcode in (
        (agrees, "a@example.org", "TR1 1AA"),
        (formula, "+evil@example.org", "-1+1"),
        (again, None, None),
    ):
        expected[person["reference"]] = (person["displayName"], email, postcode)
    general_buyer = await buyer(api, "General", "g@example.org")
    await buys(general_buyer, kneehigh_show)
    await answer(api, general_buyer["id"], (general, True))
    return SharingSet(kneehigh, complicite, expected, general_buyer["reference"])


async def request(api: Api, partner: str, format: str = "CSV", **dates: str) -> Any:
    variables = {"partner": partner, "from": FROM, "to": TO, "format": format, **dates}
    return (await api.data(REQUEST, variables))["requestPartnerExport"]


async def run_export(api: Api, partner: str, format: str) -> str:
    payload = await request(api, partner, format)
    assert payload["errors"] == [], payload["errors"]
    job = payload["job"]["id"]
    runtime = api.runtime
    export_for_partner(
        WorkerDependencies(runtime.sync_engine, runtime.files, runtime.mail), pk(job)
    )
    return job  # type: ignore[no-any-return]


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].partition("/")[2]


async def fetch(api: Api, job: str) -> tuple[bytes, str]:
    link = (await api.data(LINK, {"job": job}))["createPartnerDownloadLink"]
    assert link["errors"] == [], link["errors"]
    response = await api.client.get(path_of(link["url"]))
    assert response.status_code == 200, response.text
    return response.content, response.headers["content-type"]


async def test_the_export_holds_exactly_the_consenting_buyers_of_that_partner_in_both_formats(
    api: Api,
) -> None:
    data = await sharing_set(api)
    csv_job = await run_export(api, data.kneehigh, "CSV")
    xlsx_job = await run_export(api, data.kneehigh, "XLSX")

    content, media_type = await fetch(api, csv_job)
    assert media_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0] == [
        "Reference",
        "Name",
        "Email",
        "Postcode",
        "Bought",
        "Tickets",
        "Consented (UTC)",
        "Wording version",
    ]
    by_reference = {r[0]: r for r in rows[1:]}
    assert set(by_reference) == set(data.expected)
    agrees = next(r for r in rows[1:] if r[1] == "Agrees Buyer")
    assert agrees[2:4] == ["a@example.org", "TR1 1AA"]
    assert agrees[4] == "Kneehigh show, 01 Mar 2027 19:30" and agrees[5] == "2"
    assert agrees[7] == "1" and agrees[6].startswith(str(utc_now().year))
    formula = next(r for r in rows[1:] if "HYPERLINK" in r[1])
    assert formula[1:4] == ['\'=HYPERLINK("http://evil") Buyer', "'+evil@example.org", "'-1+1"]

    content, _ = await fetch(api, xlsx_job)
    sheet = load_workbook(io.BytesIO(content)).active
    cells = list(sheet.iter_rows(min_row=2))
    assert {row[0].value for row in cells} == set(data.expected)
    for row in cells:
        assert all(c.data_type != "f" for c in row)
    [evil] = [row for row in cells if "HYPERLINK" in str(row[1].value)]
    assert evil[1].value == '=HYPERLINK("http://evil") Buyer' and evil[1].data_type == "s"

    await set_mode(api, "GENERAL")
    general_job = await run_export(api, data.kneehigh, "CSV")
    content, _ = await fetch(api, general_job)
    assert [r[0] for r in list(csv.reader(io.StringIO(content.decode())))[1:]] == [
        data.general_buyer
    ]
    nobody = await run_export(api, data.complicite, "CSV")
    content, _ = await fetch(api, nobody)
    assert len(list(csv.reader(io.StringIO(content.decode())))) == 1
    await every_export_and_download_is_logged(api, data.kneehigh)
    await tampered_or_expired_links_are_refused(api, csv_job)


async def every_export_and_download_is_logged(api: Api, partner: str) -> None:
    exports = (await api.data(EXPORTS, {"id": partner}))["node"]["exports"]
    assert [(e["format"], e["rows"]) for e in exports] == [("CSV", 1), ("XLSX", 3), ("CSV", 3)]
    logged = exports[1]
    assert logged["job"] == {"status": "SUCCEEDED"}
    assert logged["requestedBy"].startswith("test (all roles)")
    assert [(e["what"], e["actor"]) for e in logged["events"]] == [
        ("LINK_CREATED", logged["requestedBy"]),
        ("DOWNLOADED", "The partner company, through a download link"),
    ]
    assert logged["events"][0]["expiresAt"] > utc_now().isoformat()


async def tampered_or_expired_links_are_refused(api: Api, job: str) -> None:
    url = (await api.data(LINK, {"job": job}))["createPartnerDownloadLink"]["url"]
    token = path_of(url).rsplit("/", 1)[1]
    payload, mac = token.split(".")
    tampered = await api.client.get(f"/downloads/partner/{payload}x.{mac}")
    assert tampered.status_code == 403 and "not valid" in tampered.text
    settings = api.runtime.settings
    signer = LinkSigner(link_secret(settings.link_secret.get_secret_value(), settings.files_dir))
    claims = {"t": tenant_id(api.runtime.sync_engine, api.slug), "j": pk(job)}
    old = signer.sign("partner-download", claims, utc_now() - timedelta(seconds=1))
    expired = await api.client.get(f"/downloads/partner/{old}")
    assert expired.status_code == 410 and "expired" in expired.text
    preference_link = signer.sign("preferences", claims, utc_now() + timedelta(days=1))
    assert (await api.client.get(f"/downloads/partner/{preference_link}")).status_code == 403


async def one_partner(api: Api) -> str:
    partner, _ = await partner_with_instance(api, "Kneehigh")
    await save_preference(api, name="Partners", kind="PARTNER", statement="Share.")
    return partner


async def test_partner_exports_refuse_bad_input_and_other_organisations_ids(
    api: Api, other_api: Api
) -> None:
    kneehigh = await one_partner(api)
    backwards = await request(api, kneehigh, **{"from": TO, "to": FROM})
    assert backwards["errors"][0]["field"] == ["to"]
    theirs = await request(other_api, kneehigh)
    assert theirs["errors"][0] == {
        "code": "NOT_FOUND",
        "message": "Partner company not found.",
        "field": ["partnerCompanyId"],
    }
    job = await run_export(api, kneehigh, "CSV")
    foreign_link = (await other_api.data(LINK, {"job": job}))["createPartnerDownloadLink"]
    assert foreign_link["errors"][0]["code"] == "NOT_FOUND"
    pending = (await request(api, kneehigh))["job"]["id"]
    not_yet = (await api.data(LINK, {"job": pending}))["createPartnerDownloadLink"]
    assert not_yet["errors"][0]["code"] == "CONFLICT"
    await set_mode(api, "PER_PARTNER")
    assert (await request(api, kneehigh))["errors"][0]["code"] == "CONFLICT"
    assert (await other_api.data(EXPORTS, {"id": kneehigh}))["node"] is None


async def test_an_export_goes_from_the_mutation_through_the_outbox_to_a_worker(
    api: Api, runtime: Runtime
) -> None:
    from infra.composition import start_worker

    payload = await request(api, await one_partner(api))
    worker = start_worker(runtime, threads=1)
    try:
        runtime.relay.relay_once()
        done = wait_for(
            runtime.sync_engine, pk(payload["job"]["id"]), lambda r: r.status == "SUCCEEDED"
        )
    finally:
        worker.stop()
    assert done.total == 0
    job = (await api.data(JOB, {"id": payload["job"]["id"]}))["job"]
    assert job["status"] == "SUCCEEDED"
