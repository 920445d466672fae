"""A job and its file are read only by callers holding every role the job needed, through
`job`, `node` and the download route alike, and the file lives at a random address."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from domain.roles import Role
from resolvers.global_ids import parse_global_id
from tests.conftest import Api
from tests.e2e.test_customers import create_individual
from tests.integration.jobs import job_row
from workers.customer_export import export_customers
from workers.dependencies import WorkerDependencies

REQUEST = """mutation($inactive: Boolean!) { requestCustomerExport(includeInactive: $inactive)
  { job { id } errors { code message } } }"""
JOB = "query($id: ID!) { job(id: $id) { status downloadUrl } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Job { status } } }"
DEACTIVATE = (
    """mutation($id: ID!) { deactivateCustomer(input: {customerId: $id}) { errors { code } } }"""
)


def pk_of(global_id: str) -> int:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def finished_export(api: Api, key: str, inactive: bool) -> tuple[str, str]:
    """Ask for an export with `key` and run it as a worker would: its id and download URL."""
    payload = (await api.data(REQUEST, {"inactive": inactive}, key=key))["requestCustomerExport"]
    assert payload["errors"] == [], payload["errors"]
    job_id = payload["job"]["id"]
    runtime = api.runtime
    export_customers(
        WorkerDependencies(runtime.sync_engine, runtime.files, runtime.mail), pk_of(job_id)
    )
    job = (await api.data(JOB, {"id": job_id}, key=key))["job"]
    assert job["status"] == "SUCCEEDED" and job["downloadUrl"]
    return job_id, job["downloadUrl"]


async def download(api: Api, url: str, key: str) -> httpx.Response:
    return await api.client.get(url, headers={"Authorization": f"Bearer {key}"})


async def reads(api: Api, job_id: str, key: str) -> list[Any]:
    """What `job` and `node` answer for `job_id` to `key`."""
    job = (await api.data(JOB, {"id": job_id}, key=key))["job"]
    node = (await api.data(NODE, {"id": job_id}, key=key))["node"]
    return [job, node]


async def test_a_sales_key_can_neither_read_nor_download_an_export_of_inactive_customers(
    api: Api,
) -> None:
    hidden = await create_individual(api, firstName="Ina", lastName="Active")
    assert (await api.data(DEACTIVATE, {"id": hidden["id"]}))["deactivateCustomer"]["errors"] == []
    fundraiser = await api.key_with(Role.INSIGHTS, Role.OPPORTUNITIES)
    colleague = await api.key_with(Role.INSIGHTS, Role.OPPORTUNITIES_ADMIN)
    sales = await api.key_with(Role.SALES, Role.INSIGHTS)
    job_id, url = await finished_export(api, fundraiser, inactive=True)

    refused = await reads(api, job_id, sales)
    refused_file = await download(api, url, sales)
    allowed = await reads(api, job_id, colleague)
    allowed_file = await download(api, url, colleague)

    assert refused == [None, None]
    assert refused_file.status_code == 404
    assert [read["status"] for read in allowed] == ["SUCCEEDED", "SUCCEEDED"]
    assert allowed_file.status_code == 200
    row = job_row(api.runtime.sync_engine, pk_of(job_id))
    assert (row.requested_by_kind, row.required_roles) == ("API_KEY", ["INSIGHTS", "OPPORTUNITIES"])
    assert row.requested_by_id is not None


async def test_an_export_of_active_customers_is_readable_by_whoever_could_have_asked_for_it(
    api: Api,
) -> None:
    analyst = await api.key_with(Role.INSIGHTS)
    sales = await api.key_with(Role.SALES)
    job_id, url = await finished_export(api, api.key, inactive=False)

    assert [r["status"] for r in await reads(api, job_id, analyst)] == ["SUCCEEDED"] * 2
    assert (await download(api, url, analyst)).status_code == 200
    assert await reads(api, job_id, sales) == [None, None]
    assert (await download(api, url, sales)).status_code == 404


async def test_another_organisation_can_neither_read_nor_download_a_job(
    api: Api, other_api: Api
) -> None:
    job_id, url = await finished_export(api, api.key, inactive=True)

    assert await reads(other_api, job_id, other_api.key) == [None, None]
    assert (await download(other_api, url, other_api.key)).status_code == 404
    assert (await api.client.get(url)).status_code == 401


async def test_a_download_url_is_random_and_a_guessed_one_is_404(api: Api) -> None:
    job_id, url = await finished_export(api, api.key, inactive=False)
    token = url.rsplit("/", 1)[1]
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")

    guesses = [
        f"/downloads/jobs/{job_id}",
        f"/downloads/jobs/{pk_of(job_id)}",
        f"/downloads/jobs/{secrets.token_urlsafe(32)}",
        f"/downloads/jobs/{changed}",
        f"/downloads/jobs/{token}{'x' * 5000}",
    ]

    assert job_id not in url and len(token) >= 43
    assert (await download(api, url, api.key)).status_code == 200
    assert [(await download(api, guess, api.key)).status_code for guess in guesses] == [404] * 5
