"""`foyer timeline rebuild` derives an organisation's order and visit entries again from
their rows, through the domain events that wrote them live: after a long history the
timeline it leaves is exactly the one written live, and it restores what went missing."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select

from infra.db import tables as t
from infra.db.timeline_rebuild import REBUILT, comparable, rebuild_timeline
from infra.settings import Settings
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import LINK_ITEM, donation, fundraising, mutate, ok
from tests.e2e.sales_fixtures import catalogue, person, record, ticket
from tests.e2e.test_cli import foyer
from tests.e2e.test_timeline_links import scripted_history
from tests.e2e.test_timeline_subjects import a_busy_year

RETURN = """mutation($i: ReturnItemsInput!) { returnItems(input: $i) { errors { code } } }"""
ORGANISATION = """mutation { createOrganisation(input: {name: "Harbour Bank"})
  { organisation { id } } }"""


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


async def a_long_history(api: Api) -> None:
    """Every kind of entry, and orders involving others, returned into donations, with
    items linked to opportunities when recorded and afterwards, at given moments."""
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
    gift = await donation(api, donor, cat.fund, 1234)
    ok(await mutate(api, LINK_ITEM, {"item": gift, "opportunity": plan.opportunity}))


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
    derived = sum(n for key, n in before.items() if key[1] in REBUILT)
    assert f"{api.slug}: derived {derived} (" in run.stdout
    assert {key[1] for key in before} - REBUILT, "kept types are in the history too"


async def test_a_rebuild_restores_a_lost_entry_and_says_so_first_when_asked(
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

    lost = entries(api)
    trial = foyer(settings, "timeline", "rebuild", "--org", api.slug, "--dry-run")
    assert trial.returncode == 0, trial.stderr
    assert f"{api.slug}: 1 new" in trial.stdout
    assert entries(api) == lost

    with api.runtime.sync_engine.begin() as db:
        done = rebuild_timeline(db, tenant_of(api))

    assert entries(api) == before
    assert [entry["type"] for entry in done.added] == ["TICKETS"]
    assert done.dropped == []
    assert done.kept == Counter({"CUSTOMER_CREATED": 1})
