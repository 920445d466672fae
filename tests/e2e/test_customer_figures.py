"""The figures the database keeps per customer (infra/db/figures_tables.py) and the latest
consent answers (consent_state) equal a recomputation from the rows, after orders,
donations, returns (one made a donation), consent answers and an erasure through the API,
and after writes no API makes (an order moved to another owner, an item deleted, a raw
INSERT … SELECT), on each backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, insert, select, text, update

from infra.db import consent_tables as c
from infra.db import figures_tables as g
from infra.db import sales_tables as s
from infra.settings import Settings
from tests.conftest import Api
from tests.e2e.consent_fixtures import answer, email_preference
from tests.e2e.sales_fixtures import catalogue, person, record, ticket
from tests.e2e.test_cli import foyer
from tests.e2e.test_returns_reservations_visits import pk, return_items
from tests.e2e.test_timeline_rebuild import ERASE, REFERENCE, tenant_of

o, i = s.customer_order.c, s.order_item.c


def _kept(kind: str | None, value: Any) -> Any:
    condition = (
        i.returned_at.is_(None) if kind is None else ((i.returned_at.is_(None)) & (i.kind == kind))
    )
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def recomputed(api: Api) -> tuple[set[tuple[int, ...]], set[tuple[int, ...]], set[Any]]:
    """The three tables' rows as the orders, items and ledger say they should be."""
    tenant = tenant_of(api)
    figures = (
        select(
            o.owner_id,
            func.count(func.distinct(o.id)),
            _kept(None, i.price),
            _kept("DONATION", 1),
            _kept("DONATION", i.price),
            _kept("TICKET", 1),
            _kept("TICKET", i.price),
        )
        .select_from(s.customer_order)
        .outerjoin(s.order_item, i.order_id == o.id)
        .where(o.tenant_id == tenant)
        .group_by(o.owner_id)
    )
    bookings = (
        select(o.owner_id, i.instance_id, func.count(), func.sum(i.price))
        .join(s.customer_order, o.id == i.order_id)
        .where(
            i.tenant_id == tenant,
            i.kind == "TICKET",
            i.returned_at.is_(None),
            i.instance_id.is_not(None),
        )
        .group_by(o.owner_id, i.instance_id)
    )
    e = c.consent_entry.c
    later = c.consent_entry.alias("later")
    states = select(e.customer_id, e.preference_id, e.state, e.id).where(
        e.tenant_id == tenant,
        e.customer_id.is_not(None),
        ~select(later.c.id)
        .where(
            later.c.customer_id == e.customer_id,
            later.c.preference_id == e.preference_id,
            later.c.id > e.id,
        )
        .exists(),
    )
    with api.runtime.sync_engine.connect() as db:
        return (
            {tuple(r) for r in db.execute(figures)},
            {tuple(r) for r in db.execute(bookings)},
            {tuple(r) for r in db.execute(states)},
        )


def kept(api: Api) -> tuple[set[tuple[int, ...]], set[tuple[int, ...]], set[Any]]:
    """The three tables as the triggers left them; rows whose figures all went back to zero
    (every ticket of a booking returned) stand for no row."""
    tenant = tenant_of(api)
    f, b, cs = g.customer_figures.c, g.customer_booking.c, c.consent_state.c
    with api.runtime.sync_engine.connect() as db:
        figures = db.execute(
            select(
                f.customer_id,
                f.orders,
                f.spent,
                f.donations,
                f.donated,
                f.tickets,
                f.ticket_spend,
            ).where(f.tenant_id == tenant)
        )
        bookings = db.execute(
            select(b.customer_id, b.instance_id, b.tickets, b.spend).where(
                b.tenant_id == tenant, (b.tickets != 0) | (b.spend != 0)
            )
        )
        states = db.execute(
            select(cs.customer_id, cs.preference_id, cs.state, cs.entry_id).where(
                cs.tenant_id == tenant
            )
        )
        return (
            {tuple(r) for r in figures if any(r[1:])},
            {tuple(r) for r in bookings},
            {tuple(r) for r in states},
        )


def assert_kept_equals_recomputed(api: Api) -> None:
    assert kept(api) == recomputed(api)


async def test_figures_follow_orders_returns_donations_consent_and_erasure(api: Api) -> None:
    cat = await catalogue(api)
    ada, ben, cy = [await person(api, n) for n in ("Ada", "Ben", "Cy")]
    gift = {"kind": "DONATION", "price": 15000, "commission": 0, "fundId": cat.fund}
    first = (await record(api, ada, [ticket(cat), ticket(cat, 3000), gift]))["order"]
    await record(api, ada, [ticket(cat)])
    second = (await record(api, ben, [ticket(cat), {**gift, "price": 4000}]))["order"]
    await record(api, cy, [{"kind": "MERCHANDISE", "price": 800, "description": "Programme"}])
    assert_kept_equals_recomputed(api)

    # A ticket returned, another returned as a donation, a donation returned is refused.
    result = await return_items(api, first["id"], [first["items"][0]["id"]])
    assert result["errors"] == []
    result = await return_items(
        api, second["id"], [second["items"][0]["id"]], donateToFundId=cat.fund
    )
    assert result["errors"] == []
    refused = await return_items(api, first["id"], [first["items"][2]["id"]])
    assert refused["errors"]
    assert_kept_equals_recomputed(api)

    email = await email_preference(api)
    await answer(api, ada, (email, True))
    await answer(api, ben, (email, True))
    await answer(api, ben, (email, False))
    await answer(api, cy, (email, True))
    assert_kept_equals_recomputed(api)
    reference = (await api.data(REFERENCE, {"id": cy}))["customer"]["reference"]
    erased = await api.data(ERASE, {"id": cy, "confirm": reference})
    assert erased["eraseCustomer"]["errors"] == []
    _, _, states = kept(api)
    assert pk(cy) not in {customer for customer, *_ in states}
    assert_kept_equals_recomputed(api)

    # Writes no API makes today: the triggers keep up with them all the same.
    tenant = tenant_of(api)
    with api.runtime.sync_engine.begin() as db:
        db.execute(update(s.customer_order).where(o.id == pk(first["id"])).values(owner_id=pk(ben)))
        db.execute(
            update(s.order_item).where(i.id == pk(first["items"][1]["id"])).values(price=3100)
        )
        db.execute(s.order_item.delete().where(i.id == pk(first["items"][2]["id"])))
        # As a bench generator writes: many items in one INSERT … SELECT.
        db.execute(
            insert(s.order_item).from_select(
                [i.tenant_id, i.order_id, i.position, i.kind, i.price, i.commission, i.instance_id],
                select(
                    i.tenant_id,
                    i.order_id,
                    i.position + 10,
                    i.kind,
                    i.price + 1,
                    i.commission,
                    i.instance_id,
                ).where(i.tenant_id == tenant),
            )
        )
    assert_kept_equals_recomputed(api)
    with api.runtime.sync_engine.begin() as db:
        db.execute(
            text("DELETE FROM order_item WHERE tenant_id = :t AND position >= 10"), {"t": tenant}
        )
    assert_kept_equals_recomputed(api)


async def test_figures_rebuild_finds_and_mends_what_went_round_the_triggers(
    api: Api, settings: Settings
) -> None:
    cat = await catalogue(api)
    ada = await person(api, "Ada")
    gift = {"kind": "DONATION", "price": 15000, "commission": 0, "fundId": cat.fund}
    await record(api, ada, [ticket(cat), gift])
    email = await email_preference(api)
    await answer(api, ada, (email, True))
    clean = foyer(settings, "figures", "rebuild", "--org", api.slug, "--dry-run")
    assert clean.returncode == 0, clean.stderr
    assert f"{api.slug}: 0 customer figures, 0 bookings, 0 consent states differed" in clean.stdout
    before = kept(api)

    # As if a restore had brought back old figures: nothing in Foyer writes these tables.
    f, b = g.customer_figures.c, g.customer_booking.c
    with api.runtime.sync_engine.begin() as db:
        db.execute(update(g.customer_figures).where(f.customer_id == pk(ada)).values(donated=1))
        db.execute(g.customer_booking.delete().where(b.customer_id == pk(ada)))
        db.execute(c.consent_state.delete().where(c.consent_state.c.customer_id == pk(ada)))
    trial = foyer(settings, "figures", "rebuild", "--org", api.slug, "--dry-run")
    assert trial.returncode == 1
    assert "2 customer figures, 1 bookings, 1 consent states differed" in trial.stdout
    assert kept(api) != before

    mended = foyer(settings, "figures", "rebuild", "--org", api.slug)
    assert mended.returncode == 0, mended.stderr
    assert "differed, rewritten" in mended.stdout
    assert kept(api) == before
    assert_kept_equals_recomputed(api)
