"""The audience measures of 2020 beside 2019, from a hand-built history with a known answer
for each, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from domain.segments.measures import AverageGift, Rate
from infra.composition import Runtime
from infra.db import consent_tables as c
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.segments.measures_sql import measures_now
from tests.conftest import Api
from tests.integration.segment_world import Builder, World


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def _history(runtime: Runtime, slug: str) -> int:
    with runtime.sync_engine.begin() as db:
        tenant = db.execute(select(t.tenant.c.id).where(t.tenant.c.slug == slug)).scalar_one()
        b = Builder(db, World(tenant))
        a, bee, cee, dee, eee = (b.customer(n) for n in ("a", "b", "c", "d", "e"))

        def order(owner: int, when: datetime, kind: str, price: int) -> None:
            order_id = b.row(
                s.customer_order,
                owner_id=owner,
                channel="WEB",
                currency="GBP",
                ordered_at=when,
                created_at=when,
            )
            b.row(s.order_item, order_id=order_id, position=0, kind=kind, price=price, commission=0)

        for owner, when, price in (
            (a, at(2018, 5, 1), 1000),
            (a, at(2019, 5, 1), 1000),
            (a, at(2020, 5, 1), 1000),
            (bee, at(2019, 5, 1), 1000),
            (cee, at(2019, 5, 1), 1001),
            (cee, at(2020, 5, 1), 3000),
            (dee, at(2018, 5, 1), 1000),
            (eee, at(2020, 5, 1), 2000),
        ):
            order(owner, when, "DONATION", price)
        for owner, when in (
            (a, at(2020, 1, 10)),
            (a, at(2020, 6, 1)),
            (bee, at(2020, 11, 1)),
            (bee, at(2021, 12, 1)),
            (cee, at(2019, 5, 1)),
            (cee, at(2020, 4, 1)),
            (dee, at(2019, 2, 1)),
        ):
            order(owner, when, "TICKET", 2500)
        scheme = b.row(
            s.membership_scheme,
            name="Friends",
            price=1,
            length_months=12,
            renewal_window_days=60,
            grace_period_days=0,
            auto_renew_allowed=False,
        )
        for owner, starts, ends in (
            (a, date(2019, 4, 1), date(2020, 3, 31)),
            (a, date(2020, 4, 1), date(2021, 3, 31)),
            (bee, date(2019, 7, 1), date(2020, 6, 30)),
            (cee, date(2019, 1, 1), date(2019, 12, 31)),
            (cee, date(2020, 1, 1), date(2020, 12, 31)),
        ):
            b.row(
                s.membership,
                customer_id=owner,
                scheme_id=scheme,
                starts_on=starts,
                ends_on=ends,
                auto_renew=False,
            )
        email = b.row(
            c.contact_preference,
            name="Email",
            kind="EMAIL",
            marketing=True,
            version=1,
            statement="Email",
            retired=False,
            created_at=at(2018, 1, 1),
        )
        for who, state, when in (
            (a, "GRANTED", at(2019, 6, 1)),
            (bee, "GRANTED", at(2020, 3, 1)),
            (bee, "WITHDRAWN", at(2020, 9, 1)),
            (cee, "GRANTED", at(2020, 12, 1)),
        ):
            b.row(
                c.consent_entry,
                customer_id=who,
                preference_id=email,
                state=state,
                wording_version=1,
                source="WEB",
                recorded_by="t",
                recorded_by_kind="USER",
                recorded_at=when,
            )
        return int(tenant)


async def test_each_measure_of_a_year_stands_beside_the_year_before(
    runtime: Runtime, api: Api
) -> None:
    tenant = _history(runtime, api.slug)
    with runtime.sync_engine.connect() as db:
        found = measures_now(db, tenant, 2020, datetime.now(UTC))
    now, before = found.year, found.year_before
    assert (now.year, before.year) == (2020, 2019)
    assert (now.donor_retention, before.donor_retention) == (Rate(2, 3), Rate(1, 2))
    assert (now.membership_renewal, before.membership_renewal) == (Rate(1, 3), Rate(1, 1))
    assert (now.rebooking, before.rebooking) == (Rate(1, 2), Rate(1, 2))
    assert (now.average_gift, before.average_gift) == (AverageGift(6000, 3), AverageGift(3001, 3))
    assert (now.average_gift.average, before.average_gift.average) == (2000, 1000)
    assert (now.email_opt_in, before.email_opt_in) == (2, 1)
