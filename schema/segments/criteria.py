"""A saved segment's criteria as typed output: the tree `SegmentCriterionInput` sends, node for
node and field for field, so a client shows and edits a segment without parsing JSON. Ids are
global ids, as the input takes them; amounts are Money (the input's minor units are their
`amount`). Sending a node back drops its nulls and reads each Money's `amount`."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.segments import criteria as k
from resolvers.global_ids import to_global_id
from schema.consent.types import ConsentState, PreferenceKind
from schema.customers.queries import CustomerKind
from schema.fundraising.records import Reply
from schema.sales.money import Money
from schema.segments.inputs import CustomerStatus, MembershipState


@strawberry.type(description="Inclusive bounds on a number; a null end is open.")
class CountRange:
    min: int | None = strawberry.field(description="At least this.")
    max: int | None = strawberry.field(description="At most this.")


@strawberry.type(description="Inclusive bounds on an amount; a null end is open.")
class MoneyRange:
    min: Money | None = strawberry.field(description="At least this.")
    max: Money | None = strawberry.field(description="At most this.")


@strawberry.type(
    description="Days, inclusive (UTC): `since` and/or `until`, or the last `withinLastDays` "
    "days up to the day the segment is evaluated."
)
class CriterionPeriod:
    since: date | None = strawberry.field(description="First day.")
    until: date | None = strawberry.field(description="Last day.")
    within_last_days: int | None = strawberry.field(
        description="The last this many days, moving with time."
    )


@strawberry.type(description="The customer's consent state for one preference or a kind.")
class ConsentCriterion:
    state: ConsentState = strawberry.field(description="The state matched.")  # type: ignore[valid-type]
    preference_id: strawberry.ID | None = strawberry.field(
        description="The ContactPreference; null when `kind` is given."
    )
    kind: PreferenceKind | None = strawberry.field(  # type: ignore[valid-type]
        description="Any preference in use of this kind; null when `preferenceId` is given."
    )


@strawberry.type(description="Tickets the customer owns and kept, bounded as the input says.")
class BookingCriterion:
    event_id: strawberry.ID | None = strawberry.field(description="One Event.")
    partner_company_id: strawberry.ID | None = strawberry.field(
        description="Events of this PartnerCompany."
    )
    any_partner: bool = strawberry.field(description="Events of any partner company.")
    performed: CriterionPeriod | None = strawberry.field(description="Performances on these days.")
    orders: CountRange | None = strawberry.field(description="Number of orders.")
    tickets: CountRange | None = strawberry.field(description="Number of tickets.")
    spend: MoneyRange | None = strawberry.field(description="Spent on the tickets.")


@strawberry.type(description="Donations the customer made and kept.")
class DonationCriterion:
    fund_id: strawberry.ID | None = strawberry.field(description="To this Fund.")
    campaign_id: strawberry.ID | None = strawberry.field(
        description="Towards this Campaign or its sub-campaigns."
    )
    given: CriterionPeriod | None = strawberry.field(description="Given on these days.")
    total: MoneyRange | None = strawberry.field(description="Their total.")
    gift: MoneyRange | None = strawberry.field(description="Only gifts of this amount count.")


@strawberry.type(description="Memberships held.")
class MembershipCriterion:
    state: MembershipState = strawberry.field(description="The state matched.")  # type: ignore[valid-type]
    scheme_id: strawberry.ID | None = strawberry.field(
        description="Of this MembershipScheme (null: any)."
    )
    within_days: int | None = strawberry.field(
        description="With LAPSING: ending within this many days."
    )


@strawberry.type(description="A tag, exactly as written on the record.")
class TagCriterion:
    tag: str = strawberry.field(description="The tag.")


@strawberry.type(description="A custom attribute by key, optionally with a value.")
class AttributeCriterion:
    key: str = strawberry.field(description="The attribute's key.")
    value: str | None = strawberry.field(description="Exactly this value (null: any).")
    protected: bool = strawberry.field(description="Also matches protected attributes.")


@strawberry.type(description="Opportunities of the customer.")
class OpportunityCriterion:
    stage_id: strawberry.ID | None = strawberry.field(description="In this OpportunityStage.")
    owner_id: strawberry.ID | None = strawberry.field(description="Owned by this StaffUser.")
    campaign_id: strawberry.ID | None = strawberry.field(
        description="For this Campaign or its sub-campaigns."
    )
    open: bool | None = strawberry.field(description="Open (true) or closed; null: either.")


@strawberry.type(description="Invitations of the customer.")
class InvitationCriterion:
    instance_id: strawberry.ID | None = strawberry.field(description="To this EventInstance.")
    reply: Reply | None = strawberry.field(description="With this reply.")  # type: ignore[valid-type]


@strawberry.type(description="Household membership.")
class HouseholdCriterion:
    in_household: bool = strawberry.field(description="In a household (false: in none).")
    household_id: strawberry.ID | None = strawberry.field(description="In this Household.")
    primary: bool | None = strawberry.field(
        description="Its primary householder (true) or another member (false); null: either."
    )


@strawberry.type(description="Individual or Organisation.")
class KindCriterion:
    kind: CustomerKind = strawberry.field(description="The kind.")  # type: ignore[valid-type]


@strawberry.type(description="RFM bands (1 to 5, 5 the best); an empty list allows any.")
class RfmCriterion:
    recency: list[int] = strawberry.field(description="Recency bands, ascending.")
    frequency: list[int] = strawberry.field(description="Frequency bands, ascending.")
    monetary: list[int] = strawberry.field(description="Monetary bands, ascending.")


@strawberry.type(description="Customers in a state segments otherwise leave out.")
class StatusCriterion:
    status: CustomerStatus = strawberry.field(description="The state.")  # type: ignore[valid-type]


@strawberry.type(
    description="One node of a segment's criteria, as `SegmentCriterionInput` sends it: "
    "exactly one field is set, `all`, `any`, `not` or a criterion; the rest are null."
)
class SegmentCriterion:
    all: list[SegmentCriterion] | None = strawberry.field(
        default=None, description="AND: customers every one of these matches."
    )
    any: list[SegmentCriterion] | None = strawberry.field(
        default=None, description="OR: customers at least one of these matches."
    )
    not_: SegmentCriterion | None = strawberry.field(
        name="not", default=None, description="NOT: customers this does not match."
    )
    consent: ConsentCriterion | None = strawberry.field(
        default=None, description="Contact-preference state."
    )
    booking: BookingCriterion | None = strawberry.field(default=None, description="Bookings.")
    donation: DonationCriterion | None = strawberry.field(default=None, description="Donations.")
    membership: MembershipCriterion | None = strawberry.field(
        default=None, description="Memberships."
    )
    tag: TagCriterion | None = strawberry.field(default=None, description="A tag.")
    attribute: AttributeCriterion | None = strawberry.field(
        default=None, description="A custom attribute."
    )
    opportunity: OpportunityCriterion | None = strawberry.field(
        default=None, description="Opportunities."
    )
    invitation: InvitationCriterion | None = strawberry.field(
        default=None, description="Invitations."
    )
    household: HouseholdCriterion | None = strawberry.field(default=None, description="Households.")
    kind: KindCriterion | None = strawberry.field(default=None, description="Customer kind.")
    rfm: RfmCriterion | None = strawberry.field(default=None, description="RFM bands.")
    status: StatusCriterion | None = strawberry.field(
        default=None, description="Inactive, erased or deceased customers."
    )


def criterion_of(c: k.Criterion, currency: str) -> SegmentCriterion:
    """The tree as output; amounts in the organisation's `currency`. Bounded by the depth a
    saved tree may have (k.MAX_DEPTH), so recursion is safe."""
    if isinstance(c, k.AllOf):
        return SegmentCriterion(all=[criterion_of(p, currency) for p in c.parts])
    if isinstance(c, k.AnyOf):
        return SegmentCriterion(any=[criterion_of(p, currency) for p in c.parts])
    if isinstance(c, k.NoneOf):
        return SegmentCriterion(not_=criterion_of(c.part, currency))
    return _leaf(c, currency)


def _leaf(c: k.Leaf, currency: str) -> SegmentCriterion:
    if isinstance(c, k.ConsentCriterion):
        return SegmentCriterion(
            consent=ConsentCriterion(
                state=c.state,
                preference_id=_gid("ContactPreference", c.preference_id),
                kind=c.kind,
            )
        )
    if isinstance(c, k.BookingCriterion):
        return SegmentCriterion(
            booking=BookingCriterion(
                event_id=_gid("Event", c.event_id),
                partner_company_id=_gid("PartnerCompany", c.partner_company_id),
                any_partner=c.any_partner,
                performed=_period(c.performed),
                orders=_count(c.orders),
                tickets=_count(c.tickets),
                spend=_money(c.spend, currency),
            )
        )
    if isinstance(c, k.DonationCriterion):
        return SegmentCriterion(
            donation=DonationCriterion(
                fund_id=_gid("Fund", c.fund_id),
                campaign_id=_gid("Campaign", c.campaign_id),
                given=_period(c.given),
                total=_money(c.total, currency),
                gift=_money(c.gift, currency),
            )
        )
    if isinstance(c, k.MembershipCriterion):
        scheme = _gid("MembershipScheme", c.scheme_id)
        return SegmentCriterion(
            membership=MembershipCriterion(
                state=c.state, scheme_id=scheme, within_days=c.within_days
            )
        )
    if isinstance(c, k.TagCriterion):
        return SegmentCriterion(tag=TagCriterion(tag=c.tag))
    if isinstance(c, k.AttributeCriterion):
        return SegmentCriterion(
            attribute=AttributeCriterion(key=c.key, value=c.value, protected=c.protected)
        )
    return _fundraising_or_person(c)


def _fundraising_or_person(c: k.Leaf) -> SegmentCriterion:
    if isinstance(c, k.OpportunityCriterion):
        return SegmentCriterion(
            opportunity=OpportunityCriterion(
                stage_id=_gid("OpportunityStage", c.stage_id),
                owner_id=_gid("StaffUser", c.owner_id),
                campaign_id=_gid("Campaign", c.campaign_id),
                open=c.open,
            )
        )
    if isinstance(c, k.InvitationCriterion):
        instance = _gid("EventInstance", c.instance_id)
        return SegmentCriterion(invitation=InvitationCriterion(instance_id=instance, reply=c.reply))
    if isinstance(c, k.HouseholdCriterion):
        return SegmentCriterion(
            household=HouseholdCriterion(
                in_household=c.in_household,
                household_id=_gid("Household", c.household_id),
                primary=c.primary,
            )
        )
    if isinstance(c, k.KindCriterion):
        return SegmentCriterion(kind=KindCriterion(kind=c.kind))
    if isinstance(c, k.RfmCriterion):
        return SegmentCriterion(
            rfm=RfmCriterion(
                recency=sorted(c.recency),
                frequency=sorted(c.frequency),
                monetary=sorted(c.monetary),
            )
        )
    assert isinstance(c, k.StatusCriterion)
    return SegmentCriterion(status=StatusCriterion(status=c.status))


def _gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(to_global_id(type_name, pk))


def _period(period: k.Period | None) -> CriterionPeriod | None:
    if period is None:
        return None
    return CriterionPeriod(
        since=period.since, until=period.until, within_last_days=period.within_last_days
    )


def _count(bounds: k.Range | None) -> CountRange | None:
    return None if bounds is None else CountRange(min=bounds.min, max=bounds.max)


def _money(bounds: k.Range | None, currency: str) -> MoneyRange | None:
    if bounds is None:
        return None
    return MoneyRange(
        min=None if bounds.min is None else Money.of(bounds.min, currency),
        max=None if bounds.max is None else Money.of(bounds.max, currency),
    )
