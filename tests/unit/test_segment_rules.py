"""The domain's rules for segments: validation names the path of each problem, trees are
bounded, the stored form reads back as written, RFM bands, and who may read what."""

from __future__ import annotations

from datetime import date

import pytest

from domain.actors import Actor, ActorKind
from domain.consent.ledger import ConsentState
from domain.consent.preferences import PreferenceKind
from domain.errors import InvalidInput
from domain.roles import Role, effective_roles
from domain.segments import access
from domain.segments import criteria as k
from domain.segments.rfm import RfmBands, check_bands
from domain.segments.segment import references


def problems(tree: k.Criterion) -> list[tuple[str, ...]]:
    with pytest.raises(InvalidInput) as refused:
        k.validate(tree)
    return [p.field for p in refused.value.problems]


def test_every_problem_is_named_by_its_path_in_the_input() -> None:
    tree = k.AllOf(
        (
            k.TagCriterion("vip"),
            k.AnyOf(
                (
                    k.BookingCriterion(orders=k.Range(3, 1)),
                    k.DonationCriterion(given=k.Period(date(2020, 2, 1), date(2020, 1, 1))),
                    k.ConsentCriterion(ConsentState.GRANTED),
                    k.TagCriterion("  "),
                )
            ),
        )
    )
    assert problems(tree) == [
        ("criteria", "all", "1", "any", "0", "booking", "orders", "max"),
        ("criteria", "all", "1", "any", "1", "donation", "given", "until"),
        ("criteria", "all", "1", "any", "2", "consent"),
        ("criteria", "all", "1", "any", "3", "tag", "tag"),
    ]


def test_a_tree_is_bounded_in_depth_and_in_size() -> None:
    deep: k.Criterion = k.TagCriterion("a")
    for _ in range(k.MAX_DEPTH + 1):
        deep = k.NoneOf(deep)
    assert problems(deep)[0][0] == "criteria"
    wide = k.AnyOf(tuple(k.TagCriterion(str(i)) for i in range(k.MAX_NODES)))
    assert problems(wide) == [("criteria",)]


def test_the_stored_form_reads_back_as_written() -> None:
    tree = k.AllOf(
        (
            k.ConsentCriterion(ConsentState.NEVER_ASKED, kind=PreferenceKind.EMAIL),
            k.NoneOf(k.HouseholdCriterion(True, None, False)),
            k.BookingCriterion(any_partner=True, performed=k.Period(within_last_days=30)),
            k.DonationCriterion(fund_id=4, given=k.Period(since=date(2024, 1, 1))),
            k.MembershipCriterion(k.MembershipState.LAPSING, 2, 30),
            k.RfmCriterion(recency=frozenset({4, 5})),
            k.AttributeCriterion("k", "v", protected=True),
            k.StatusCriterion(k.CustomerStatus.DECEASED),
        )
    )
    assert k.from_json(k.to_json(tree)) == tree
    assert k.statuses_asked(tree) == {k.CustomerStatus.DECEASED}


def test_rfm_bands_score_five_best() -> None:
    bands = RfmBands()
    assert [bands.recency_band(d) for d in (0, 30, 31, 365, 366)] == [5, 5, 4, 2, 1]
    assert [bands.frequency_band(n) for n in (1, 2, 4, 10)] == [1, 2, 3, 5]
    assert [bands.monetary_band(m) for m in (0, 4999, 5000, 50000)] == [1, 1, 2, 5]
    with pytest.raises(InvalidInput):
        check_bands(RfmBands(recency_days=(30, 30, 60, 90)))
    with pytest.raises(InvalidInput):
        check_bands(RfmBands(frequency_orders=(1, 2, 3)))


def actor(*roles: Role, pk: int = 1) -> Actor:
    return Actor(ActorKind.USER, pk, "u", 1, effective_roles(roles))


def test_a_segment_is_its_owners_until_shared_and_its_criteria_set_what_reading_needs() -> None:
    owner, colleague, admin = (
        actor(Role.INSIGHTS),
        actor(Role.INSIGHTS, pk=2),
        actor(Role.INSIGHTS_ADMIN, pk=3),
    )
    assert access.may_see(owner, "USER", 1, shared=False)
    assert not access.may_see(colleague, "USER", 1, shared=False)
    assert access.may_see(colleague, "USER", 1, shared=True)
    assert access.may_see(admin, "USER", 1, shared=False)
    assert not access.may_see(actor(Role.SALES), "USER", 1, shared=True)
    fundraising = k.AnyOf((k.OpportunityCriterion(open=True), k.TagCriterion("a")))
    assert access.roles_to_read(fundraising) == {Role.INSIGHTS, Role.OPPORTUNITIES}
    assert not access.may_read_members(colleague, "USER", 1, True, fundraising)
    assert access.may_read_members(
        actor(Role.INSIGHTS, Role.OPPORTUNITIES), "USER", 1, True, fundraising
    )


def test_a_segment_or_list_is_changed_by_its_owner_or_an_insights_admin() -> None:
    owner, colleague, admin = (
        actor(Role.INSIGHTS),
        actor(Role.INSIGHTS, pk=2),
        actor(Role.INSIGHTS_ADMIN, pk=3),
    )
    assert access.may_change(owner, "USER", 1)
    assert not access.may_change(colleague, "USER", 1)
    assert access.may_change(admin, "USER", 1)
    api_key = Actor(ActorKind.API_KEY, 1, "k", 1, effective_roles((Role.INSIGHTS,)))
    assert not access.may_change(api_key, "USER", 1)
    needed = frozenset({Role.INSIGHTS, Role.PROTECTED_DATA})
    assert access.missing_of(colleague, needed) == {Role.PROTECTED_DATA}


def test_every_id_a_tree_names_is_found_with_its_path() -> None:
    tree = k.AllOf((k.DonationCriterion(fund_id=7, campaign_id=8), k.InvitationCriterion(9)))
    assert [(r.kind, r.id, r.path) for r in references(tree)] == [
        ("Fund", 7, ("criteria", "all", "0", "donation", "fundId")),
        ("Campaign", 8, ("criteria", "all", "0", "donation", "campaignId")),
        ("EventInstance", 9, ("criteria", "all", "1", "invitation", "instanceId")),
    ]
