"""Reminders sent on demand keep the policy's limits (how many, how often), and the daily run
counts them too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from infra.clock import utc_now
from infra.db import fundraising_tables as f
from infra.db.reminder_queue import queue_reminders
from resolvers.global_ids import parse_global_id
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import REMIND, codes, mutate, ok, scheduled_pledge
from tests.e2e.sales_fixtures import catalogue, person
from tests.e2e.test_pledges_and_more import SAVE_REMINDERS
from tests.integration.jobs import tenant_id

POLICY = {"firstDaysBefore": 7, "everyDays": 3, "maxReminders": 3}


def reminders_of(api: Api, instalment: int) -> list[Any]:
    r = f.pledge_reminder.c
    with api.runtime.sync_engine.connect() as db:
        query = select(f.pledge_reminder).where(r.instalment_id == instalment).order_by(r.id)
        return list(db.execute(query).all())


def as_if_sent_days_ago(api: Api, instalment: int, days: int) -> None:
    """Move the instalment's reminders back in time, as if they had gone `days` earlier."""
    r = f.pledge_reminder.c
    with api.runtime.sync_engine.begin() as db:
        for row in reminders_of(api, instalment):
            moved = row.created_at - timedelta(days=days)
            db.execute(update(f.pledge_reminder).where(r.id == row.id).values(created_at=moved))


async def pledge_due_in(api: Api, days: int) -> tuple[str, int]:
    """A pledge of one instalment due in `days`, under POLICY: its id and the instalment's."""
    ok(await mutate(api, SAVE_REMINDERS, {"input": POLICY}))
    donor, fund = await person(api, "Remy"), (await catalogue(api)).fund
    made = ok(await scheduled_pledge(api, donor, fund, 1_000, [(1_000, days)]))["pledge"]
    parsed = parse_global_id(made["instalments"][0]["id"])
    assert parsed is not None
    return made["id"], parsed[1]


async def test_reminders_on_demand_are_at_most_the_policys_number_and_interval_apart(
    api: Api,
) -> None:
    pledge, instalment = await pledge_due_in(api, 30)

    first = await mutate(api, REMIND, {"id": pledge})
    too_soon = await mutate(api, REMIND, {"id": pledge})
    sent = [first]
    for _ in range(2):
        as_if_sent_days_ago(api, instalment, 3)
        sent.append(await mutate(api, REMIND, {"id": pledge}))
    as_if_sent_days_ago(api, instalment, 30)
    too_many = await mutate(api, REMIND, {"id": pledge})

    assert [codes(payload) for payload in sent] == [[], [], []]
    assert codes(too_soon) == [("CONFLICT", ["pledgeId"])]
    allowed_on = utc_now().date() + timedelta(days=3)
    assert "one every 3 days" in too_soon["errors"][0]["message"]
    assert f"{allowed_on.day} {allowed_on:%B %Y}" in too_soon["errors"][0]["message"]
    assert codes(too_many) == [("CONFLICT", ["pledgeId"])]
    assert "at most 3" in too_many["errors"][0]["message"]
    assert len(reminders_of(api, instalment)) == 3


async def test_the_daily_run_holds_a_reminder_due_too_soon_after_one_sent_on_demand(
    api: Api,
) -> None:
    # Due in 4 days: the schedule (7 days before, then every 3) has reminder 2 due today.
    pledge, instalment = await pledge_due_in(api, 4)
    ok(await mutate(api, REMIND, {"id": pledge}))

    counts = queue_reminders(
        api.runtime.sync_engine, tenant_id(api.runtime.sync_engine, api.slug), utc_now().date()
    )

    assert [row.number for row in reminders_of(api, instalment)] == [1]
    assert (counts.queued, counts.held_by_limits) == (0, 1)
