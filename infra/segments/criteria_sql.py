"""A criteria tree as one SQL condition on `customer.id`, with bound parameters only.

Each criterion is `customer.id IN (a subquery of customer ids)`: uncorrelated, so PostgreSQL
plans it as a (hashed) semi-join, and evaluated once per statement rather than once per
customer; AND / OR / NOT combine them as written, except that the sets an AND asks a customer
to be in are intersected first (`_intersection`). Every subquery names the organisation, so
no id of another organisation can match anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, false, func, not_, or_, select, true
from sqlalchemy.sql.expression import ColumnElement

from domain.consent.ledger import ConsentState
from domain.sales.orders import ItemKind
from domain.segments import criteria as k
from domain.segments.rfm import RfmBands
from infra.db import consent_tables as c
from infra.db import figures_tables as g
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db import tables as t
from infra.segments.days import plus_days, start_of
from infra.segments.planning import PlannedEachRun
from infra.segments.rfm_sql import frequency_band, monetary_band, order_figures, recency_band

person = t.customer.c


@dataclass(frozen=True)
class Evaluation:
    """What a tree is evaluated against: the organisation, the day, and its RFM bands."""

    tenant_id: int
    today: date
    bands: RfmBands = field(default_factory=RfmBands)


def members_condition(root: k.Criterion, at: Evaluation) -> ColumnElement[bool]:
    """Customers of the organisation the tree matches, without those inactive, erased or
    deceased unless the tree names that state."""
    asked = k.statuses_asked(root)
    conditions = [person.tenant_id == at.tenant_id, condition(root, at)]
    if k.CustomerStatus.INACTIVE not in asked:
        conditions.append(person.active.is_(True))
    if k.CustomerStatus.DECEASED not in asked:
        conditions.append(person.date_of_death.is_(None))
    if k.CustomerStatus.ERASED not in asked:
        conditions.append(~person.id.in_(_erased(at)))
    return PlannedEachRun(and_(*conditions))


def condition(node: k.Criterion, at: Evaluation) -> ColumnElement[bool]:
    if isinstance(node, k.AllOf):
        return _all_of(node, at)
    if isinstance(node, k.AnyOf):
        return or_(false(), *(condition(p, at) for p in node.parts))
    if isinstance(node, k.NoneOf):
        return not_(condition(node.part, at))
    if isinstance(node, k.KindCriterion):
        return person.kind == node.kind.value
    if isinstance(node, k.StatusCriterion):
        return _status(node, at)
    found = _set_of(node, at)
    if found is not None:
        return person.id.in_(found)
    if isinstance(node, k.ConsentCriterion):  # never asked
        return ~person.id.in_(answered_members(node, at))
    assert isinstance(node, k.HouseholdCriterion) and not node.in_household
    return ~person.id.in_(_household_members(node, at))


def _set_of(node: k.Criterion, at: Evaluation) -> Any | None:
    """The ids of the customers a leaf criterion matches, for `customer.id IN`; None for one
    that is the complement of a set (never asked, in no household) or no set at all."""
    if isinstance(node, k.ConsentCriterion) and node.state is ConsentState.NEVER_ASKED:
        return None
    if isinstance(node, k.HouseholdCriterion) and not node.in_household:
        return None
    leaf = _LEAF.get(type(node))
    return leaf(node, at) if leaf is not None else None


def _all_of(node: k.AllOf, at: Evaluation) -> ColumnElement[bool]:
    sets, others = [], []
    for part in node.parts:
        found = _set_of(part, at)
        if found is None:
            others.append(condition(part, at))
        else:
            sets.append(found)
    if sets:
        others.append(person.id.in_(_intersection(sets)))
    return and_(true(), *others)


def _intersection(sets: list[Any]) -> Any:
    """The ids in every one of `sets`: the first narrowed to those in the others.

    Why not one `customer.id IN` per set: PostgreSQL then joins each set to every customer of
    the organisation in turn, and at a million customers and sets of 400,000 (issue 13's
    segment) reading and probing the million was half the statement. Intersected first, the
    customers are read once, against the few that are in all of them. Narrowing a set that
    groups its rows by customer (a total, a count) before grouping keeps or drops all of a
    customer's rows together, so its figures are the same."""
    first, *others = sets
    member = first.selected_columns[0]
    return first.where(*(member.in_(other) for other in others))


def _status(node: k.StatusCriterion, at: Evaluation) -> ColumnElement[bool]:
    if node.status is k.CustomerStatus.INACTIVE:
        return person.active.is_(False)
    if node.status is k.CustomerStatus.DECEASED:
        return person.date_of_death.is_not(None)
    return person.id.in_(_erased(at))


def _erased(at: Evaluation) -> Any:
    erasure = c.customer_erasure.c
    return select(erasure.customer_id).where(erasure.tenant_id == at.tenant_id)


def _moment_between(column: Any, period: k.Period | None, today: date) -> list[Any]:
    """Conditions keeping `column` (a moment) within the period's days, inclusive."""
    if period is None:
        return []
    since, until = period.bounds(today)
    found = []
    if since is not None:
        found.append(column >= start_of(since))
    if until is not None:
        found.append(column < start_of(until + timedelta(days=1)))
    return found


def _within(value: Any, bounds: k.Range | None) -> list[Any]:
    if bounds is None:
        return []
    found = []
    if bounds.min is not None:
        found.append(value >= bounds.min)
    if bounds.max is not None:
        found.append(value <= bounds.max)
    return found


# Consent -----------------------------------------------------------------------------------

cs = c.consent_state.c


def _states_of(node: k.ConsentCriterion, at: Evaluation) -> Any:
    """Latest answers (infra/db/consent_tables.py `consent_state`, kept by the ledger's
    trigger) for the criterion's preference, or for the kind's preferences in use."""
    query = select(cs.customer_id).where(cs.tenant_id == at.tenant_id)
    if node.preference_id is not None:
        return query.where(cs.preference_id == node.preference_id)
    p = c.contact_preference.c
    in_use = select(p.id).where(
        p.tenant_id == at.tenant_id, p.kind == str(node.kind), p.retired.is_(False)
    )
    return query.where(cs.preference_id.in_(in_use))


def consent_members(node: k.ConsentCriterion, at: Evaluation) -> Any:
    """Customers whose latest entry (the highest id: the ledger is append-only) for the
    preference, or for some preference of the kind, is in the state."""
    return _states_of(node, at).where(cs.state == node.state.value)


def answered_members(node: k.ConsentCriterion, at: Evaluation) -> Any:
    return _states_of(node, at)


# Bookings and donations ----------------------------------------------------------------------

o, i = s.customer_order.c, s.order_item.c
fig = g.customer_figures.c


def _kept_items(kind: ItemKind, at: Evaluation) -> Any:
    """The owners of the organisation's items of `kind` that were not returned, an item a
    row, for a criterion to narrow and group."""
    return (
        select(o.owner_id)
        .select_from(s.order_item)
        .join(s.customer_order, o.id == i.order_id)
        .where(
            i.tenant_id == at.tenant_id,
            o.tenant_id == at.tenant_id,
            i.kind == kind.value,
            i.returned_at.is_(None),
        )
    )


def _booking(node: k.BookingCriterion, at: Evaluation) -> Any:
    if node.orders is not None:
        # Distinct orders are not a sum of per-performance figures: from the items.
        return _booked_items(node, at)
    if _by_performance(node):
        # The bookers of the performances, from the index by performance.
        b = g.customer_booking.c
        query = _at_performances(
            select(b.customer_id).where(b.tenant_id == at.tenant_id, b.tickets > 0),
            b.instance_id,
            node,
            at,
        )
        having = [
            *_within(func.sum(b.tickets), node.tickets),
            *_within(func.sum(b.spend), node.spend),
        ]
        return query.group_by(b.customer_id).having(and_(*having)) if having else query
    return select(fig.customer_id).where(
        fig.tenant_id == at.tenant_id,
        fig.tickets > 0,
        *_within(fig.tickets, node.tickets),
        *_within(fig.ticket_spend, node.spend),
    )


def _booked_items(node: k.BookingCriterion, at: Evaluation) -> Any:
    query = _kept_items(ItemKind.TICKET, at)
    if _by_performance(node):
        query = _at_performances(query, i.instance_id, node, at)
    having = [
        *_within(func.count(func.distinct(o.id)), node.orders),
        *_within(func.count(), node.tickets),
        *_within(func.sum(i.price), node.spend),
    ]
    if having:
        return query.group_by(o.owner_id).having(and_(*having))
    return query


def _by_performance(node: k.BookingCriterion) -> bool:
    by_event = node.event_id is not None or node.partner_company_id is not None
    return by_event or node.any_partner or node.performed is not None


def _at_performances(query: Any, instance: Any, node: k.BookingCriterion, at: Evaluation) -> Any:
    """`query`'s rows for the criterion's performances, joined to them by `instance`.

    A join, not `instance IN (the performances)`: a performance is one row, so the join
    repeats nothing, and PostgreSQL can then split the bookings' read between its parallel
    workers (the performances are scanned in parallel: infra/segments/planning.py), where the
    set of performances was read whole in each of them, and so were the bookings."""
    ei, ev = s.event_instance.c, s.event.c
    query = query.join(s.event_instance, ei.id == instance).where(ei.tenant_id == at.tenant_id)
    if node.event_id is not None or node.partner_company_id is not None or node.any_partner:
        query = query.join(s.event, ev.id == ei.event_id)
    if node.event_id is not None:
        query = query.where(ev.id == node.event_id)
    if node.partner_company_id is not None:
        query = query.where(ev.partner_company_id == node.partner_company_id)
    if node.any_partner:
        query = query.where(ev.partner_company_id.is_not(None))
    return query.where(*_moment_between(ei.starts_at, node.performed, at.today))


def campaign_and_below(tenant_id: int, campaign_id: int) -> Any:
    """The campaign's id and those of its sub- and sub-sub-campaigns (three levels)."""
    cc = f.campaign.c
    children = select(cc.id).where(cc.tenant_id == tenant_id, cc.parent_id == campaign_id)
    return select(cc.id).where(
        cc.tenant_id == tenant_id,
        or_(cc.id == campaign_id, cc.parent_id == campaign_id, cc.parent_id.in_(children)),
    )


def _donation(node: k.DonationCriterion, at: Evaluation) -> Any:
    by_gift = node.given, node.gift, node.fund_id, node.campaign_id
    if all(part is None for part in by_gift):
        # Every kept donation ever: the customer's total as the triggers keep it.
        return select(fig.customer_id).where(
            fig.tenant_id == at.tenant_id, fig.donations > 0, *_within(fig.donated, node.total)
        )
    query = _kept_items(ItemKind.DONATION, at).where(
        *_moment_between(o.ordered_at, node.given, at.today), *_within(i.price, node.gift)
    )
    if node.fund_id is not None:
        query = query.where(i.fund_id == node.fund_id)
    if node.campaign_id is not None:
        query = query.where(_towards_campaign(at.tenant_id, node.campaign_id))
    if node.total is not None:
        return query.group_by(o.owner_id).having(and_(*_within(func.sum(i.price), node.total)))
    return query


def _towards_campaign(tenant_id: int, campaign_id: int) -> Any:
    """A donation counts towards a campaign through its opportunity, or as an instalment of a
    pledge to it."""
    campaigns = campaign_and_below(tenant_id, campaign_id)
    opp, paid = f.opportunity.c, f.instalment_payment.c
    inst, pledge = f.instalment.c, f.pledge.c
    of_opportunities = select(opp.id).where(
        opp.tenant_id == tenant_id, opp.campaign_id.in_(campaigns)
    )
    of_pledges = (
        select(paid.order_item_id)
        .join(f.instalment, inst.id == paid.instalment_id)
        .join(f.pledge, pledge.id == inst.pledge_id)
        .where(paid.tenant_id == tenant_id, pledge.campaign_id.in_(campaigns))
    )
    return or_(i.opportunity_id.in_(of_opportunities), i.id.in_(of_pledges))


# Memberships ---------------------------------------------------------------------------------

m, scheme = s.membership.c, s.membership_scheme.c


def _memberships(at: Evaluation, scheme_id: int | None) -> Any:
    query = (
        select(m.customer_id)
        .join(s.membership_scheme, scheme.id == m.scheme_id)
        .where(m.tenant_id == at.tenant_id)
    )
    return query.where(m.scheme_id == scheme_id) if scheme_id is not None else query


def current_now(today: date) -> ColumnElement[bool]:
    """A membership current today: started, and not past its end and grace period (a renewed
    one's successor is current from the day after it ends, so the grace does no harm)."""
    return and_(m.starts_on <= today, plus_days(m.ends_on, scheme.grace_period_days) >= today)


def _membership(node: k.MembershipCriterion, at: Evaluation) -> Any:
    held = _memberships(at, node.scheme_id)
    if node.state is k.MembershipState.CURRENT:
        return held.where(current_now(at.today))
    if node.state is k.MembershipState.LAPSED:
        current = _memberships(at, node.scheme_id).where(current_now(at.today))
        return held.where(m.starts_on <= at.today, m.customer_id.not_in(current))
    later = s.membership.alias("later")
    assert node.within_days is not None
    return held.where(
        current_now(at.today),
        m.ends_on <= at.today + timedelta(days=node.within_days),
        ~select(later.c.id)
        .where(
            later.c.customer_id == m.customer_id,
            later.c.scheme_id == m.scheme_id,
            later.c.starts_on > m.ends_on,
        )
        .exists(),
    )


# The rest ----------------------------------------------------------------------------------


def _tag(node: k.TagCriterion, at: Evaluation) -> Any:
    tag = t.customer_tag.c
    return select(tag.customer_id).where(tag.tenant_id == at.tenant_id, tag.tag == node.tag)


def _attribute(node: k.AttributeCriterion, at: Evaluation) -> Any:
    a = t.customer_attribute.c
    query = select(a.customer_id).where(a.tenant_id == at.tenant_id, a.key == node.key)
    if not node.protected:
        query = query.where(a.protected.is_(False))
    return query.where(a.value == node.value) if node.value is not None else query


def _opportunity(node: k.OpportunityCriterion, at: Evaluation) -> Any:
    opp = f.opportunity.c
    query = select(opp.customer_id).where(opp.tenant_id == at.tenant_id)
    if node.stage_id is not None:
        query = query.where(opp.stage_id == node.stage_id)
    if node.owner_id is not None:
        query = query.where(opp.owner_id == node.owner_id)
    if node.campaign_id is not None:
        query = query.where(opp.campaign_id.in_(campaign_and_below(at.tenant_id, node.campaign_id)))
    return query.where(opp.open.is_(node.open)) if node.open is not None else query


def _invitation(node: k.InvitationCriterion, at: Evaluation) -> Any:
    inv = f.invitation.c
    query = select(inv.customer_id).where(inv.tenant_id == at.tenant_id)
    if node.instance_id is not None:
        query = query.where(inv.instance_id == node.instance_id)
    return query.where(inv.reply == node.reply.value) if node.reply is not None else query


def _household_members(node: k.HouseholdCriterion, at: Evaluation) -> Any:
    hm = t.household_member.c
    query = select(hm.customer_id).where(hm.tenant_id == at.tenant_id)
    if node.household_id is not None:
        query = query.where(hm.household_id == node.household_id)
    return query


def _household(node: k.HouseholdCriterion, at: Evaluation) -> Any:
    if node.primary is None:
        return _household_members(node, at)
    h = t.household.c
    primaries = select(h.primary_householder_id).where(h.tenant_id == at.tenant_id)
    if node.household_id is not None:
        primaries = primaries.where(h.id == node.household_id)
    if node.primary:
        return primaries
    hm = t.household_member.c
    return _household_members(node, at).where(hm.customer_id.not_in(primaries))


def _rfm(node: k.RfmCriterion, at: Evaluation) -> Any:
    figures = order_figures(at.tenant_id).subquery("figures")
    conditions = []
    for bands, band in (
        (node.recency, recency_band(figures.c.last_ordered_at, at.today, at.bands)),
        (node.frequency, frequency_band(figures.c.orders, at.bands)),
        (node.monetary, monetary_band(figures.c.spent, at.bands)),
    ):
        if bands:
            conditions.append(band.in_(sorted(bands)))
    return select(figures.c.customer_id).where(*conditions)


_LEAF: dict[type, Any] = {
    k.ConsentCriterion: consent_members,
    k.BookingCriterion: _booking,
    k.DonationCriterion: _donation,
    k.MembershipCriterion: _membership,
    k.TagCriterion: _tag,
    k.AttributeCriterion: _attribute,
    k.OpportunityCriterion: _opportunity,
    k.InvitationCriterion: _invitation,
    k.HouseholdCriterion: _household,
    k.RfmCriterion: _rfm,
}
