"""Reminder templates are refused when saved if the sandbox would refuse them when sent; a
template refused at send time fails its reminder, with the reason, on the reminder and the
run, and is not retried."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import insert, update

from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db import tables as t
from resolvers import fundraising as fundraising_resolvers
from resolvers.global_ids import parse_global_id, to_global_id
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import codes, mutate, ok, scheduled_pledge
from tests.e2e.sales_fixtures import catalogue
from tests.e2e.test_customers import create_individual
from tests.e2e.test_pledges_and_more import READ_REMINDERS, SAVE_REMINDERS
from tests.e2e.test_reminder_limits import reminders_of
from tests.integration.jobs import tenant_id
from workers.dependencies import WorkerDependencies
from workers.pledge_reminders import run_pledge_reminders, send_pledge_reminders

BASE = {"firstDaysBefore": 7, "everyDays": 3, "maxReminders": 3}
REFUSED_AT_SAVE = {
    "repetition": "{{ 'x' * 10**8 }}",
    "class attribute": "{{ ''.__class__ }}",
    "globals": "{{ cycler.__init__.__globals__ }}",
    "undefined call": "Dear {{ foo() }}",
    "nested loops": "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in "
    "range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
    "too long for the longest name": "{{ name * 200 }}",
}
REMINDERS = """query($id: ID!) { customer(id: $id) { pledges { instalments {
  reminders { number outcome sentAt failureReason } } } } }"""
JOB_SUMMARY = "query($id: ID!) { job(id: $id) { status summary { name value } } }"


@pytest.mark.parametrize("body", REFUSED_AT_SAVE.values(), ids=REFUSED_AT_SAVE.keys())
async def test_a_template_the_sandbox_would_refuse_is_refused_when_saved(
    api: Api, body: str
) -> None:
    before = await api.data(READ_REMINDERS)

    saved = await mutate(api, SAVE_REMINDERS, {"input": {**BASE, "body": body}})

    assert codes(saved) == [("VALIDATION", ["body"])]
    assert saved["errors"][0]["message"].startswith("Not a valid template, ")
    assert await api.data(READ_REMINDERS) == before


async def test_a_subject_is_refused_on_its_own_field(api: Api) -> None:
    saved = await mutate(
        api, SAVE_REMINDERS, {"input": {**BASE, "subject": "{{ name.center(9) }}"}}
    )

    assert codes(saved) == [("VALIDATION", ["subject"])]


async def test_checking_a_template_leaves_the_event_loop_free_for_other_requests(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is held mid-render until /healthz has answered: were it on the event loop,
    the loop would be held too and /healthz could only answer after the save."""
    rendering, release = threading.Event(), threading.Event()
    released_in_time: list[bool] = []
    real_check = fundraising_resolvers.check_templates

    def held_check(*args: Any, **kwargs: Any) -> None:
        rendering.set()
        released_in_time.append(release.wait(timeout=5))
        real_check(*args, **kwargs)

    monkeypatch.setattr(fundraising_resolvers, "check_templates", held_check)
    save = asyncio.create_task(mutate(api, SAVE_REMINDERS, {"input": BASE}))
    for _ in range(1000):
        if rendering.is_set():
            break
        await asyncio.sleep(0.01)

    health = await api.client.get("/healthz")
    release.set()
    saved = await save

    assert health.status_code == 200 and released_in_time == [True]
    assert saved["errors"] == []


def reminder_run(api: Api) -> int:
    """Run the daily reminder job for `api`'s organisation now, as a worker would."""
    tenant = tenant_id(api.runtime.sync_engine, api.slug)
    values = {"tenant_id": tenant, "kind": "PLEDGE_REMINDERS", "status": "PENDING"}
    values |= {"parameters": {}, "progress": 0, "requested_by": "test", "attempts": 0}
    with api.runtime.sync_engine.begin() as db:
        job = int(
            db.execute(
                insert(t.job).values(**values, created_at=utc_now()).returning(t.job.c.id)
            ).scalar_one()
        )
    run_pledge_reminders(deps(api), job)
    return job


def deps(api: Api) -> WorkerDependencies:
    runtime = api.runtime
    return WorkerDependencies(runtime.sync_engine, runtime.files, runtime.mail)


def saved_without_a_check(api: Api, body: str) -> None:
    """A template that got in without today's check (saved before it existed)."""
    tenant = tenant_id(api.runtime.sync_engine, api.slug)
    with api.runtime.sync_engine.begin() as db:
        settings = f.reminder_settings
        db.execute(
            update(settings).where(settings.c.tenant_id == tenant).values(template_body=body)
        )


async def test_a_reminder_whose_template_is_refused_when_sent_fails_with_the_reason(
    api: Api,
) -> None:
    ok(await mutate(api, SAVE_REMINDERS, {"input": BASE}))
    saved_without_a_check(api, "Dear {{ name }}, {{ 'x' * 10**8 }}")
    donor = await create_individual(api, lastName="Due", emails=[{"address": "d@example.org"}])
    fund = (await catalogue(api)).fund
    made = ok(await scheduled_pledge(api, donor["id"], fund, 1_000, [(1_000, 7)]))["pledge"]
    job = reminder_run(api)
    [queued] = _rows(api, made)

    send_pledge_reminders(deps(api), [queued.id])  # raises nothing: no retry
    send_pledge_reminders(deps(api), [queued.id])  # a second delivery leaves it alone

    [instalment] = (await api.data(REMINDERS, {"id": donor["id"]}))["customer"]["pledges"][0][
        "instalments"
    ]
    [reminder] = instalment["reminders"]
    assert (reminder["number"], reminder["outcome"], reminder["sentAt"]) == (1, "FAILED", None)
    assert "template was refused" in reminder["failureReason"]
    assert "repeats a value" in reminder["failureReason"]
    found = (await api.data(JOB_SUMMARY, {"id": to_global_id("Job", job)}))["job"]
    figures = {figure["name"]: figure["value"] for figure in found["summary"]}
    assert (found["status"], figures["queued"], figures["failed"], figures["sent"]) == (
        "SUCCEEDED",
        1,
        1,
        0,
    )


def _rows(api: Api, pledge: dict[str, Any]) -> list[Any]:
    parsed = parse_global_id(pledge["instalments"][0]["id"])
    assert parsed is not None
    return reminders_of(api, parsed[1])
