"""A hand-built organisation whose every segment criterion has a known answer.

Written straight into the tables (the real database of the backend under test), with dates
relative to today so that "the last 365 days" and "lapsing within 30 days" keep their answer
whatever day the suite runs. Nine customers, named by what they are:

- ann: email GRANTED; two partner tickets (performance 30 days ago) in one order; gave
  150.00 to F1 for campaign C1 (opportunity, open, stage ST1); S1 member ending in 10 days;
  tag vip; attribute source=web; primary householder of H1; accepted an invitation to I1;
  postcode SW1A 1AA.
- bob: email granted then WITHDRAWN; one ticket of E2 400 days ago; gave 50.00 to F2; S1
  lapsed 100 days ago; tag vip; member of H1; closed opportunity at ST1 for C2; declined I1;
  postcode N1 9GU.
- cat: never asked about email; partner tickets in two orders (one of three returned); gave
  80.00 and 40.00 to F1; current S2 member; protected attribute health=x.
- dan: an Organisation; email GRANTED; gave 200.00 to F1 500 days ago; S1 ending in 5 days
  but renewed.
- eve: inactive, email granted, a partner ticket. fay: deceased, likewise. gus: erased, gave
  500.00.
- hal: no orders; S1 ended 5 days ago (current through its 14-day grace); withdrew TOPIC1.
- ivy: granted TOPIC1 only; one E2 ticket for a performance in 20 days, ordered 2 days ago.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from infra.db import consent_tables as c
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t

TODAY = datetime.now(UTC).date()
NOW = datetime.now(UTC)


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@dataclass
class World:
    tenant_id: int
    ids: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def named(self, customer_ids: list[int]) -> set[str]:
        return {self.names.get(i, f"#{i}") for i in customer_ids}


class Builder:
    def __init__(self, db: Connection, world: World) -> None:
        self.db, self.world, self.tenant_id = db, world, world.tenant_id

    def row(self, table: Any, **values: Any) -> int:
        values.setdefault("tenant_id", self.tenant_id)
        return int(
            self.db.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
        )

    def plain(self, table: Any, **values: Any) -> None:
        values.setdefault("tenant_id", self.tenant_id)
        self.db.execute(insert(table).values(**values))

    def customer(self, name: str, kind: str = "INDIVIDUAL", **values: Any) -> int:
        pk = self.row(
            t.customer,
            kind=kind,
            reference=f"C-{name}-{self.tenant_id}",
            first_name=name if kind == "INDIVIDUAL" else None,
            last_name="Test" if kind == "INDIVIDUAL" else None,
            name=name if kind != "INDIVIDUAL" else None,
            active=values.pop("active", True),
            sort_key=name,
            created_at=NOW,
            updated_at=NOW,
            **values,
        )
        self.world.ids[name], self.world.names[pk] = pk, name
        return pk

    def order(self, owner: int, ago: int, *items: dict[str, Any]) -> int:
        order = self.row(
            s.customer_order,
            owner_id=owner,
            channel="BOX_OFFICE",
            currency="GBP",
            ordered_at=days_ago(ago),
            created_at=days_ago(ago),
        )
        for position, item in enumerate(items):
            self.row(s.order_item, order_id=order, position=position, commission=0, **item)
        return order

    def consent(self, customer: int, preference: int, state: str, ago: int) -> None:
        self.row(
            c.consent_entry,
            customer_id=customer,
            preference_id=preference,
            state=state,
            wording_version=1,
            source="WEB",
            recorded_by="test",
            recorded_by_kind="USER",
            recorded_at=days_ago(ago),
        )


def build_world(engine: Engine, slug: str) -> World:
    with engine.begin() as db:
        tenant_id = db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == slug)).scalar_one()
        world = World(tenant_id)
        _fill(Builder(db, world))
    return world


def _fill(b: Builder) -> None:
    ids = b.world.ids
    for name in ("ann", "bob", "cat", "hal", "ivy"):
        b.customer(name)
    b.customer("dan", kind="ORGANISATION")
    b.customer("eve", active=False)
    b.customer("fay", date_of_death=day(-50))
    b.customer("gus")
    ann, bob, cat, dan, eve, fay, gus, hal, ivy = (
        ids[n] for n in ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "ivy")
    )
    b.plain(c.customer_erasure, customer_id=gus, reason="asked", erased_by="test", erased_at=NOW)
    for who, postcode in ((ann, "SW1A 1AA"), (bob, "n1 9gu")):
        b.row(
            t.customer_address,
            customer_id=who,
            position=0,
            line1="1 Road",
            postcode=postcode,
            is_primary=True,
        )
    for who in (ann, bob):
        b.row(t.customer_tag, customer_id=who, position=0, tag="vip")
    b.row(
        t.customer_attribute,
        customer_id=ann,
        position=0,
        key="source",
        value="web",
        protected=False,
    )
    b.row(
        t.customer_attribute, customer_id=cat, position=0, key="health", value="x", protected=True
    )

    def preference(name: str, kind: str) -> int:
        return b.row(
            c.contact_preference,
            name=name,
            kind=kind,
            marketing=True,
            version=1,
            statement=name,
            retired=False,
            created_at=NOW,
        )

    email, topic = preference("EMAIL1", "EMAIL"), preference("TOPIC1", "TOPIC")
    ids["EMAIL1"], ids["TOPIC1"] = email, topic
    for who in (ann, dan, eve, fay):
        b.consent(who, email, "GRANTED", 40)
    b.consent(bob, email, "GRANTED", 40)
    b.consent(bob, email, "WITHDRAWN", 10)
    b.consent(ivy, topic, "GRANTED", 5)
    b.consent(hal, topic, "WITHDRAWN", 5)

    partner = ids["P"] = b.row(s.partner_company, name="Visiting Co")
    e1 = ids["E1"] = b.row(s.event, name="Partner show", partner_company_id=partner)
    e2 = ids["E2"] = b.row(s.event, name="Own show")
    e1a = ids["I_E1a"] = b.row(s.event_instance, event_id=e1, starts_at=days_ago(30))
    e1b = ids["I_E1b"] = b.row(s.event_instance, event_id=e1, starts_at=days_ago(5))
    e2a = ids["I_E2a"] = b.row(s.event_instance, event_id=e2, starts_at=days_ago(400))
    e2b = ids["I_E2b"] = b.row(s.event_instance, event_id=e2, starts_at=days_ago(-20))
    f1 = ids["F1"] = b.row(s.fund, name="Annual fund", code=f"F1{b.tenant_id}")
    f2 = ids["F2"] = b.row(s.fund, name="Building", code=f"F2{b.tenant_id}")
    c1 = ids["C1"] = b.row(f.campaign, name="Appeal", target=0, active=True)
    c2 = ids["C2"] = b.row(f.campaign, name="Gala", target=0, active=True)
    st1 = ids["ST1"] = b.row(f.opportunity_stage, name="Cultivate", position=1, retired=False)
    user = ids["U1"] = b.row(
        t.staff_user,
        email=f"u{b.tenant_id}@example.org",
        name="U",
        password_hash="x",
        roles="",
        active=True,
        created_at=NOW,
    )

    def opportunity(who: int, campaign: int, is_open: bool) -> int:
        return b.row(
            f.opportunity,
            customer_id=who,
            campaign_id=campaign,
            owner_id=user,
            stage_id=st1,
            name="Ask",
            target=0,
            asked=0,
            open=is_open,
        )

    ann_opp = opportunity(ann, c1, True)
    opportunity(bob, c2, False)

    def ticket(instance: int, price: int, returned: bool = False) -> dict[str, Any]:
        return {
            "kind": "TICKET",
            "price": price,
            "instance_id": instance,
            "returned_at": days_ago(1) if returned else None,
        }

    def gift(fund: int, price: int, opportunity_id: int | None = None) -> dict[str, Any]:
        return {
            "kind": "DONATION",
            "price": price,
            "fund_id": fund,
            "opportunity_id": opportunity_id,
        }

    b.order(ann, 35, ticket(e1a, 2500), ticket(e1a, 2500))
    b.order(ann, 60, gift(f1, 15000, ann_opp))
    b.order(bob, 405, ticket(e2a, 3000))
    b.order(bob, 200, gift(f2, 5000))
    b.order(cat, 10, ticket(e1b, 2500), ticket(e1b, 2500, returned=True))
    b.order(cat, 20, ticket(e1b, 2500), gift(f1, 8000))
    b.order(cat, 100, gift(f1, 4000))
    b.order(dan, 500, gift(f1, 20000))
    b.order(eve, 15, ticket(e1b, 2500))
    b.order(fay, 15, ticket(e1b, 2500))
    b.order(gus, 15, gift(f1, 50000))
    b.order(ivy, 2, ticket(e2b, 4000))

    def scheme(name: str, grace: int) -> int:
        return b.row(
            s.membership_scheme,
            name=name,
            price=5000,
            length_months=12,
            renewal_window_days=60,
            grace_period_days=grace,
            auto_renew_allowed=False,
        )

    s1, s2 = ids["S1"], ids["S2"] = scheme("Friends", 14), scheme("Patrons", 0)

    def member(who: int, which: int, starts: int, ends: int) -> None:
        b.row(
            s.membership,
            customer_id=who,
            scheme_id=which,
            starts_on=day(starts),
            ends_on=day(ends),
            auto_renew=False,
        )

    member(ann, s1, -355, 10)
    member(bob, s1, -465, -100)
    member(cat, s2, -30, 335)
    member(dan, s1, -360, 5)
    member(dan, s1, 6, 370)
    member(hal, s1, -370, -5)

    h1 = ids["H1"] = b.row(t.household, name="Ann's", primary_householder_id=ann)
    for who in (ann, bob):
        b.plain(t.household_member, household_id=h1, customer_id=who)
    i1 = ids["I1"] = e1a
    b.row(f.invitation, customer_id=ann, instance_id=i1, reply="ACCEPTED", guest_count=0)
    b.row(f.invitation, customer_id=bob, instance_id=i1, reply="DECLINED", guest_count=0)
