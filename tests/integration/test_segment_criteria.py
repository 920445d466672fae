"""Every segment criterion, and nested combinations, against a hand-built organisation with a
known answer (tests/integration/segment_world.py), on both backends: each evaluated as a
saved segment through `members_select`, the one-column SELECT mailings embed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, literal, select, update

from domain.consent.ledger import ConsentState
from domain.consent.preferences import PreferenceKind
from domain.customers.customer import CustomerKind
from domain.fundraising.invitations import Reply
from domain.segments import criteria as k
from domain.segments.breakdown import BreakdownBy
from infra.composition import Runtime
from infra.db import insights_tables as n
from infra.segments.breakdown_sql import breakdown_select
from infra.segments.criteria_sql import Evaluation
from infra.segments.members import members_select
from tests.conftest import Api
from tests.integration.segment_world import NOW, TODAY, World, build_world

GRANTED, WITHDRAWN, NEVER = ConsentState.GRANTED, ConsentState.WITHDRAWN, ConsentState.NEVER_ASKED
EMAIL = PreferenceKind.EMAIL
ACTIVE = {"ann", "bob", "cat", "dan", "hal", "ivy"}


def cases(w: World) -> list[tuple[str, k.Criterion, set[str]]]:
    ids = w.ids
    vip = k.TagCriterion("vip")
    partner = k.BookingCriterion(partner_company_id=ids["P"])
    email_granted = k.ConsentCriterion(GRANTED, kind=EMAIL)
    last_year = k.Period(within_last_days=365)
    return [
        ("email granted", email_granted, {"ann", "dan"}),
        ("EMAIL1 withdrawn", k.ConsentCriterion(WITHDRAWN, ids["EMAIL1"]), {"bob"}),
        ("email never asked", k.ConsentCriterion(NEVER, kind=EMAIL), {"cat", "hal", "ivy"}),
        ("TOPIC1 granted", k.ConsentCriterion(GRANTED, ids["TOPIC1"]), {"ivy"}),
        ("TOPIC1 withdrawn", k.ConsentCriterion(WITHDRAWN, ids["TOPIC1"]), {"hal"}),
        ("TOPIC1 never", k.ConsentCriterion(NEVER, ids["TOPIC1"]), {"ann", "bob", "cat", "dan"}),
        ("booked the partner", partner, {"ann", "cat"}),
        ("booked any partner", k.BookingCriterion(any_partner=True), {"ann", "cat"}),
        ("booked E2", k.BookingCriterion(event_id=ids["E2"]), {"bob", "ivy"}),
        ("performed last year", k.BookingCriterion(performed=last_year), {"ann", "cat"}),
        (
            "performances to come",
            k.BookingCriterion(performed=k.Period(since=TODAY + timedelta(days=1))),
            {"ivy"},
        ),
        ("two tickets kept", k.BookingCriterion(tickets=k.Range(min=2)), {"ann", "cat"}),
        ("two orders", k.BookingCriterion(orders=k.Range(min=2)), {"cat"}),
        ("spent 50.00 on tickets", k.BookingCriterion(spend=k.Range(min=5000)), {"ann", "cat"}),
        ("spent at most 30.00", k.BookingCriterion(spend=k.Range(max=3000)), {"bob"}),
        (
            "the partner in two orders",
            k.BookingCriterion(partner_company_id=ids["P"], orders=k.Range(min=2)),
            {"cat"},
        ),
        (
            "two tickets for a performance of the last 10 days",
            k.BookingCriterion(performed=k.Period(within_last_days=10), tickets=k.Range(min=2)),
            {"cat"},
        ),
        (
            "35.00 on E2",
            k.BookingCriterion(event_id=ids["E2"], spend=k.Range(min=3500)),
            {"ivy"},
        ),
        ("any donation", k.DonationCriterion(), {"ann", "bob", "cat", "dan"}),
        (
            "gave over 100.00",
            k.DonationCriterion(total=k.Range(min=10001)),
            {"ann", "cat", "dan"},
        ),
        ("gave to F2", k.DonationCriterion(fund_id=ids["F2"]), {"bob"}),
        ("gave towards C1", k.DonationCriterion(campaign_id=ids["C1"]), {"ann"}),
        (
            "gave in 90 days",
            k.DonationCriterion(given=k.Period(within_last_days=90)),
            {"ann", "cat"},
        ),
        ("a gift of 60.00", k.DonationCriterion(gift=k.Range(min=6000)), {"ann", "cat", "dan"}),
        (
            "gifts of 60.00 totalling 100.00",
            k.DonationCriterion(gift=k.Range(min=6000), total=k.Range(min=10000)),
            {"ann", "dan"},
        ),
        (
            "current S1 (grace, renewal)",
            k.MembershipCriterion(k.MembershipState.CURRENT, ids["S1"]),
            {"ann", "dan", "hal"},
        ),
        (
            "current of any",
            k.MembershipCriterion(k.MembershipState.CURRENT),
            {"ann", "cat", "dan", "hal"},
        ),
        ("lapsed", k.MembershipCriterion(k.MembershipState.LAPSED), {"bob"}),
        ("lapsed S2", k.MembershipCriterion(k.MembershipState.LAPSED, ids["S2"]), set()),
        (
            "lapsing S1 in 30 days",
            k.MembershipCriterion(k.MembershipState.LAPSING, ids["S1"], 30),
            {"ann", "hal"},
        ),
        ("tag vip", vip, {"ann", "bob"}),
        ("attribute source=web", k.AttributeCriterion("source", "web"), {"ann"}),
        ("protected left out", k.AttributeCriterion("health"), set()),
        ("protected asked", k.AttributeCriterion("health", protected=True), {"cat"}),
        ("open opportunity", k.OpportunityCriterion(open=True), {"ann"}),
        ("stage ST1", k.OpportunityCriterion(stage_id=ids["ST1"]), {"ann", "bob"}),
        (
            "owner U1 for C1",
            k.OpportunityCriterion(owner_id=ids["U1"], campaign_id=ids["C1"]),
            {"ann"},
        ),
        (
            "accepted I1",
            k.InvitationCriterion(ids["I1"], Reply.ACCEPTED),
            {"ann"},
        ),
        ("invited", k.InvitationCriterion(), {"ann", "bob"}),
        ("in a household", k.HouseholdCriterion(), {"ann", "bob"}),
        ("primary of H1", k.HouseholdCriterion(True, ids["H1"], True), {"ann"}),
        ("not primary", k.HouseholdCriterion(primary=False), {"bob"}),
        ("in none", k.HouseholdCriterion(False), {"cat", "dan", "hal", "ivy"}),
        ("organisations", k.KindCriterion(CustomerKind.ORGANISATION), {"dan"}),
        (
            "individuals",
            k.KindCriterion(CustomerKind.INDIVIDUAL),
            {"ann", "bob", "cat", "hal", "ivy"},
        ),
        ("recency 5", k.RfmCriterion(recency=frozenset({5})), {"cat", "ivy"}),
        ("frequency 2-3", k.RfmCriterion(frequency=frozenset({2, 3})), {"ann", "bob", "cat"}),
        ("monetary 3", k.RfmCriterion(monetary=frozenset({3})), {"ann", "cat", "dan"}),
        (
            "recency 4 and monetary 3",
            k.RfmCriterion(recency=frozenset({4}), monetary=frozenset({3})),
            {"ann"},
        ),
        ("inactive", k.StatusCriterion(k.CustomerStatus.INACTIVE), {"eve"}),
        ("deceased", k.StatusCriterion(k.CustomerStatus.DECEASED), {"fay"}),
        ("erased", k.StatusCriterion(k.CustomerStatus.ERASED), {"gus"}),
        (
            "the benchmark's three criteria",
            k.AllOf(
                (
                    email_granted,
                    k.BookingCriterion(partner_company_id=ids["P"], performed=last_year),
                    k.DonationCriterion(total=k.Range(min=10001)),
                )
            ),
            {"ann"},
        ),
        (
            "sets intersected, the first a total per customer",
            k.AllOf(
                (
                    k.DonationCriterion(gift=k.Range(min=6000), total=k.Range(min=10000)),
                    k.BookingCriterion(tickets=k.Range(min=2)),
                    vip,
                )
            ),
            {"ann"},
        ),
        (
            "sets intersected beside conditions that are not sets",
            k.AllOf(
                (
                    k.ConsentCriterion(NEVER, kind=EMAIL),
                    k.RfmCriterion(monetary=frozenset({3})),
                    k.DonationCriterion(total=k.Range(min=10001)),
                    k.NoneOf(k.KindCriterion(CustomerKind.ORGANISATION)),
                )
            ),
            {"cat"},
        ),
        (
            "sets intersected, the first the tickets per performance",
            k.AllOf(
                (
                    k.BookingCriterion(
                        performed=k.Period(within_last_days=10), tickets=k.Range(min=2)
                    ),
                    k.DonationCriterion(total=k.Range(min=10001)),
                )
            ),
            {"cat"},
        ),
        (
            "sets intersected, the first lapsing (a correlated subquery)",
            k.AllOf((k.MembershipCriterion(k.MembershipState.LAPSING, ids["S1"], 30), vip)),
            {"ann"},
        ),
        (
            "sets intersected, two of RFM",
            k.AllOf(
                (
                    k.RfmCriterion(recency=frozenset({4})),
                    k.RfmCriterion(monetary=frozenset({3})),
                )
            ),
            {"ann"},
        ),
        (
            "sets intersected, the first not a primary householder",
            k.AllOf((k.HouseholdCriterion(primary=False), vip)),
            {"bob"},
        ),
        (
            "vip or organisation",
            k.AnyOf((vip, k.KindCriterion(CustomerKind.ORGANISATION))),
            {"ann", "bob", "dan"},
        ),
        ("not vip", k.NoneOf(vip), ACTIVE - {"ann", "bob"}),
        ("not not vip", k.NoneOf(k.NoneOf(vip)), {"ann", "bob"}),
        (
            "booked or gave to F2, and was asked about email",
            k.AllOf(
                (
                    k.AnyOf((partner, k.DonationCriterion(fund_id=ids["F2"]))),
                    k.NoneOf(k.ConsentCriterion(NEVER, kind=EMAIL)),
                )
            ),
            {"ann", "bob"},
        ),
        (
            "inactive or booked the partner: only inactive ones come back",
            k.AnyOf((k.StatusCriterion(k.CustomerStatus.INACTIVE), partner)),
            {"ann", "cat", "eve"},
        ),
        (
            "three levels",
            k.AnyOf(
                (
                    k.AllOf((vip, k.NoneOf(k.HouseholdCriterion(primary=True)))),
                    k.AllOf((k.KindCriterion(CustomerKind.ORGANISATION), email_granted)),
                )
            ),
            {"bob", "dan"},
        ),
    ]


def _save(runtime: Runtime, w: World, criterion: k.Criterion) -> int:
    with runtime.sync_engine.begin() as db:
        return int(
            db.execute(
                insert(n.segment)
                .values(
                    tenant_id=w.tenant_id,
                    name="t",
                    description="",
                    criteria=k.to_json(criterion),
                    owner_kind="USER",
                    owner_id=1,
                    owner="test",
                    shared=False,
                    created_at=NOW,
                    updated_at=NOW,
                )
                .returning(n.segment.c.id)
            ).scalar_one()
        )


def _members(runtime: Runtime, w: World, segment_id: int) -> list[int]:
    with runtime.sync_engine.connect() as db:
        return list(db.execute(members_select(w.tenant_id, segment_id=segment_id)).scalars())


async def test_every_criterion_finds_exactly_the_known_customers(
    runtime: Runtime, api: Api
) -> None:
    w = build_world(runtime.sync_engine, api.slug)
    wrong: dict[str, Any] = {}
    for name, criterion, expected in cases(w):
        k.validate(criterion)
        found = w.named(_members(runtime, w, _save(runtime, w, criterion)))
        if found != expected:
            wrong[name] = {"found": sorted(found), "expected": sorted(expected)}
    assert wrong == {}


async def test_another_organisations_segment_has_no_members_and_criteria_are_read_as_run(
    runtime: Runtime, api: Api, other_api: Api
) -> None:
    w = build_world(runtime.sync_engine, api.slug)
    other = build_world(runtime.sync_engine, other_api.slug)
    theirs = _save(runtime, other, k.TagCriterion("vip"))
    assert _members(runtime, w, theirs) == []
    assert other.named(_members(runtime, other, theirs)) == {"ann", "bob"}
    with runtime.sync_engine.begin() as db:
        db.execute(
            update(n.segment)
            .where(n.segment.c.id == theirs)
            .values(criteria=k.to_json(k.KindCriterion(CustomerKind.ORGANISATION)))
        )
    # Evaluated as the statement runs: the criteria of now, never a compiled copy of before.
    assert other.named(_members(runtime, other, theirs)) == {"dan"}


async def test_members_select_feeds_an_insert_select_and_reads_a_frozen_list(
    runtime: Runtime, api: Api
) -> None:
    w = build_world(runtime.sync_engine, api.slug)
    segment = _save(runtime, w, k.TagCriterion("vip"))
    with runtime.sync_engine.begin() as db:
        frozen = db.execute(
            insert(n.customer_list)
            .values(
                tenant_id=w.tenant_id,
                name="vips",
                segment_id=segment,
                frozen_at=NOW,
                created_by="test",
                created_by_kind="USER",
                created_by_id=1,
                size=0,
            )
            .returning(n.customer_list.c.id)
        ).scalar_one()
        members = members_select(w.tenant_id, segment_id=segment).subquery()
        db.execute(
            insert(n.customer_list_member).from_select(
                ["tenant_id", "list_id", "customer_id"],
                select(literal(w.tenant_id), literal(frozen), members.c.customer_id),
            )
        )
    with runtime.sync_engine.connect() as db:
        listed = list(db.execute(members_select(w.tenant_id, list_id=frozen)).scalars())
        elsewhere = db.execute(members_select(w.tenant_id + 10**6, list_id=frozen)).all()
    assert w.named(listed) == {"ann", "bob"}
    assert elsewhere == []


async def test_breakdown_buckets_add_up_to_the_count(runtime: Runtime, api: Api) -> None:
    w = build_world(runtime.sync_engine, api.slug)
    everyone = k.AnyOf(
        (k.KindCriterion(CustomerKind.INDIVIDUAL), k.KindCriterion(CustomerKind.ORGANISATION))
    )
    at = Evaluation(w.tenant_id, TODAY)
    found: dict[BreakdownBy, dict[str, tuple[int, int]]] = {}
    with runtime.sync_engine.connect() as db:
        for by in BreakdownBy:
            rows = db.execute(breakdown_select(everyone, at, by, w.ids["EMAIL1"])).all()
            found[by] = {str(r.key): (int(r.customers), int(r.spent)) for r in rows}
    for by, buckets in found.items():
        assert sum(count for count, _ in buckets.values()) == len(ACTIVE), by
        assert sum(spent for _, spent in buckets.values()) == 69000, by
    assert found[BreakdownBy.MONETARY_BAND] == {
        "3": (3, 57000),
        "2": (1, 8000),
        "1": (1, 4000),
        "NONE": (1, 0),
    }
    assert {key: n for key, (n, _) in found[BreakdownBy.RECENCY_BAND].items()} == {
        "5": 2,
        "4": 1,
        "2": 1,
        "1": 1,
        "NONE": 1,
    }
    assert {key: n for key, (n, _) in found[BreakdownBy.FREQUENCY_BAND].items()} == {
        "3": 1,
        "2": 2,
        "1": 2,
        "NONE": 1,
    }
    assert {key: n for key, (n, _) in found[BreakdownBy.POSTCODE_AREA].items()} == {
        "SW": 1,
        "N": 1,
        "NONE": 4,
    }
    assert {key: n for key, (n, _) in found[BreakdownBy.CONSENT_STATE].items()} == {
        "GRANTED": 2,
        "WITHDRAWN": 1,
        "NEVER_ASKED": 3,
    }
    assert {key: n for key, (n, _) in found[BreakdownBy.CUSTOMER_KIND].items()} == {
        "INDIVIDUAL": 5,
        "ORGANISATION": 1,
    }
    schemes = found[BreakdownBy.MEMBERSHIP_SCHEME]
    assert schemes[str(w.ids["S1"])][0] == 3 and schemes[str(w.ids["S2"])][0] == 1
    years = found[BreakdownBy.FIRST_BOOKING_YEAR]
    assert sum(n for key, (n, _) in years.items() if key != "NONE") == 4
    assert years["NONE"][0] == 2
