"""A segment's criteria as typed input: one `oneOf` input per node of the tree, no query
strings. `criterion_from` turns it into the domain's tree, each id checked to be of the
right type and each problem named by its path."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from domain.consent.ledger import ConsentState as DomainConsentState
from domain.errors import InvalidInput
from domain.segments import criteria as k
from resolvers.global_ids import pk_of
from schema.consent.types import ConsentState, PreferenceKind
from schema.customers.queries import CustomerKind
from schema.fundraising.records import Reply

MembershipState = strawberry.enum(
    k.MembershipState,
    description="CURRENT (through the grace period), LAPSED (held one, none current now), or "
    "LAPSING (current, ending within `withinDays`, not renewed).",
)
CustomerStatus = strawberry.enum(
    k.CustomerStatus,
    description="A state that keeps a customer out of every segment unless a criterion "
    "names it: inactive (needs OPPORTUNITIES), erased, deceased.",
)


@strawberry.input(description="Inclusive bounds; either may be left open. Amounts in minor units.")
class RangeInput:
    min: int | None = strawberry.field(default=None, description="At least this.")
    max: int | None = strawberry.field(default=None, description="At most this.")


@strawberry.input(
    description="Days, inclusive (UTC): `since` and/or `until`, or the last `withinLastDays` "
    "days up to the day the segment is evaluated."
)
class PeriodInput:
    since: date | None = strawberry.field(default=None, description="First day.")
    until: date | None = strawberry.field(default=None, description="Last day.")
    within_last_days: int | None = strawberry.field(
        default=None, description="The last this many days, moving with time."
    )


@strawberry.input(description="The customer's consent state for one preference or a kind.")
class ConsentCriterionInput:
    state: ConsentState = strawberry.field(description="The state to match.")  # type: ignore[valid-type]
    preference_id: strawberry.ID | None = strawberry.field(
        default=None, description="A ContactPreference; or give `kind`."
    )
    kind: PreferenceKind | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Any preference in use of this kind (GRANTED: some is granted; "
        "NEVER_ASKED: none was ever answered).",
    )


@strawberry.input(
    description="Tickets the customer owns and kept; the ranges bound, among customers who "
    "booked, their number of orders, of tickets and their spend on those tickets."
)
class BookingCriterionInput:
    event_id: strawberry.ID | None = strawberry.field(default=None, description="One event.")
    partner_company_id: strawberry.ID | None = strawberry.field(
        default=None, description="Events of this partner company."
    )
    any_partner: bool = strawberry.field(
        default=False, description="Events of any partner company."
    )
    performed: PeriodInput | None = strawberry.field(
        default=None, description="Performances on these days."
    )
    orders: RangeInput | None = strawberry.field(default=None, description="Number of orders.")
    tickets: RangeInput | None = strawberry.field(default=None, description="Number of tickets.")
    spend: RangeInput | None = strawberry.field(
        default=None, description="Spent on the tickets, minor units."
    )


@strawberry.input(description="Donations the customer made and kept.")
class DonationCriterionInput:
    fund_id: strawberry.ID | None = strawberry.field(default=None, description="To this fund.")
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Towards this campaign or its sub-campaigns (by opportunity or pledge).",
    )
    given: PeriodInput | None = strawberry.field(default=None, description="Given on these days.")
    total: RangeInput | None = strawberry.field(
        default=None, description="Their total, minor units."
    )
    gift: RangeInput | None = strawberry.field(
        default=None, description="Only gifts of this amount count, minor units."
    )


@strawberry.input(description="Memberships held.")
class MembershipCriterionInput:
    state: MembershipState = strawberry.field(description="The state to match.")  # type: ignore[valid-type]
    scheme_id: strawberry.ID | None = strawberry.field(
        default=None, description="Of this scheme (default: any)."
    )
    within_days: int | None = strawberry.field(
        default=None, description="With LAPSING: ending within this many days."
    )


@strawberry.input(description="A tag, exactly as written on the record.")
class TagCriterionInput:
    tag: str = strawberry.field(description="The tag.")


@strawberry.input(description="A custom attribute by key, optionally with a value.")
class AttributeCriterionInput:
    key: str = strawberry.field(description="The attribute's key.")
    value: str | None = strawberry.field(default=None, description="Exactly this value.")
    protected: bool = strawberry.field(
        default=False, description="Also match protected attributes (needs PROTECTED_DATA)."
    )


@strawberry.input(description="Opportunities of the customer (needs OPPORTUNITIES).")
class OpportunityCriterionInput:
    stage_id: strawberry.ID | None = strawberry.field(default=None, description="In this stage.")
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Owned by this StaffUser."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="For this campaign or its sub-campaigns."
    )
    open: bool | None = strawberry.field(default=None, description="Open (true) or closed.")


@strawberry.input(description="Invitations of the customer (needs OPPORTUNITIES).")
class InvitationCriterionInput:
    instance_id: strawberry.ID | None = strawberry.field(
        default=None, description="To this EventInstance."
    )
    reply: Reply | None = strawberry.field(default=None, description="With this reply.")  # type: ignore[valid-type]


@strawberry.input(description="Household membership.")
class HouseholdCriterionInput:
    in_household: bool = strawberry.field(
        default=True, description="In a household (false: in none)."
    )
    household_id: strawberry.ID | None = strawberry.field(
        default=None, description="In this household."
    )
    primary: bool | None = strawberry.field(
        default=None, description="Its primary householder (true) or another member (false)."
    )


@strawberry.input(description="Individual or Organisation.")
class KindCriterionInput:
    kind: CustomerKind = strawberry.field(description="The kind.")  # type: ignore[valid-type]


@strawberry.input(
    description="RFM bands (1 to 5, 5 the best; see `rfmBands`); an empty list allows any. "
    "Customers without orders have no bands."
)
class RfmCriterionInput:
    recency: list[int] = strawberry.field(default_factory=list, description="Recency bands.")
    frequency: list[int] = strawberry.field(default_factory=list, description="Frequency bands.")
    monetary: list[int] = strawberry.field(default_factory=list, description="Monetary bands.")


@strawberry.input(description="Customers in a state segments otherwise leave out.")
class StatusCriterionInput:
    status: CustomerStatus = strawberry.field(description="The state.")  # type: ignore[valid-type]


@strawberry.input(
    one_of=True,
    description="One node of a segment's criteria: exactly one of `all`, `any`, `not`, or a "
    "criterion. Customers inactive, erased or deceased are left out unless a `status` "
    "criterion names that state. At most 200 nodes, 8 levels of all / any / not.",
)
class SegmentCriterionInput:
    all: list[SegmentCriterionInput] | None = strawberry.field(
        default=strawberry.UNSET, description="AND: customers every one of these matches."
    )
    any: list[SegmentCriterionInput] | None = strawberry.field(
        default=strawberry.UNSET, description="OR: customers at least one of these matches."
    )
    not_: SegmentCriterionInput | None = strawberry.field(
        name="not", default=strawberry.UNSET, description="NOT: customers this does not match."
    )
    consent: ConsentCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Contact-preference state."
    )
    booking: BookingCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings."
    )
    donation: DonationCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Donations."
    )
    membership: MembershipCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Memberships."
    )
    tag: TagCriterionInput | None = strawberry.field(default=strawberry.UNSET, description="A tag.")
    attribute: AttributeCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="A custom attribute."
    )
    opportunity: OpportunityCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Opportunities."
    )
    invitation: InvitationCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Invitations."
    )
    household: HouseholdCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Households."
    )
    kind: KindCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Customer kind."
    )
    rfm: RfmCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="RFM bands."
    )
    status: StatusCriterionInput | None = strawberry.field(
        default=strawberry.UNSET, description="Inactive, erased or deceased customers."
    )


def _pk(value: Any, kind: str, path: tuple[str, ...]) -> int | None:
    return None if value is None else pk_of(str(value), (kind,), kind, path)


def _range(value: RangeInput | None) -> k.Range | None:
    return None if value is None else k.Range(value.min, value.max)


def _period(value: PeriodInput | None) -> k.Period | None:
    if value is None:
        return None
    return k.Period(value.since, value.until, value.within_last_days)


def criterion_from(
    node: SegmentCriterionInput, path: tuple[str, ...] = ("criteria",), level: int = 0
) -> k.Criterion:
    """The domain's tree; deeper than any segment may be is refused before going deeper."""
    if level > k.MAX_DEPTH:
        raise InvalidInput.at(path, f"Criteria nest at most {k.MAX_DEPTH} levels.")
    for name in ("all", "any"):
        parts = getattr(node, name)
        if parts:
            here = (*path, name)
            built = tuple(
                criterion_from(p, (*here, str(i)), level + 1) for i, p in enumerate(parts)
            )
            return k.AllOf(built) if name == "all" else k.AnyOf(built)
        if isinstance(parts, list):  # given, but empty: validation names it
            return k.AllOf(()) if name == "all" else k.AnyOf(())
    if node.not_:
        return k.NoneOf(criterion_from(node.not_, (*path, "not"), level + 1))
    return _leaf(node, path)


def _leaf(node: SegmentCriterionInput, path: tuple[str, ...]) -> k.Criterion:
    if c := node.consent:
        here = (*path, "consent")
        return k.ConsentCriterion(
            DomainConsentState(c.state),
            _pk(c.preference_id, "ContactPreference", (*here, "preferenceId")),
            c.kind,
        )
    if b := node.booking:
        here = (*path, "booking")
        return k.BookingCriterion(
            _pk(b.event_id, "Event", (*here, "eventId")),
            _pk(b.partner_company_id, "PartnerCompany", (*here, "partnerCompanyId")),
            b.any_partner,
            _period(b.performed),
            _range(b.orders),
            _range(b.tickets),
            _range(b.spend),
        )
    if d := node.donation:
        here = (*path, "donation")
        return k.DonationCriterion(
            _pk(d.fund_id, "Fund", (*here, "fundId")),
            _pk(d.campaign_id, "Campaign", (*here, "campaignId")),
            _period(d.given),
            _range(d.total),
            _range(d.gift),
        )
    if m := node.membership:
        scheme = _pk(m.scheme_id, "MembershipScheme", (*path, "membership", "schemeId"))
        return k.MembershipCriterion(k.MembershipState(m.state), scheme, m.within_days)
    if node.tag:
        return k.TagCriterion(node.tag.tag)
    if a := node.attribute:
        return k.AttributeCriterion(a.key, a.value, a.protected)
    return _fundraising_or_person(node, path)


def _fundraising_or_person(node: SegmentCriterionInput, path: tuple[str, ...]) -> k.Criterion:
    if o := node.opportunity:
        here = (*path, "opportunity")
        return k.OpportunityCriterion(
            _pk(o.stage_id, "OpportunityStage", (*here, "stageId")),
            _pk(o.owner_id, "StaffUser", (*here, "ownerId")),
            _pk(o.campaign_id, "Campaign", (*here, "campaignId")),
            o.open,
        )
    if i := node.invitation:
        instance = _pk(i.instance_id, "EventInstance", (*path, "invitation", "instanceId"))
        return k.InvitationCriterion(instance, i.reply)
    if h := node.household:
        household = _pk(h.household_id, "Household", (*path, "household", "householdId"))
        return k.HouseholdCriterion(h.in_household, household, h.primary)
    if node.kind:
        return k.KindCriterion(node.kind.kind)
    if r := node.rfm:
        return k.RfmCriterion(frozenset(r.recency), frozenset(r.frequency), frozenset(r.monetary))
    if node.status:
        return k.StatusCriterion(k.CustomerStatus(node.status.status))
    raise InvalidInput.at(path, "Give exactly one criterion.")
