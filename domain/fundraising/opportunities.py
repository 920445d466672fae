"""Opportunities: one customer, one campaign, an owner, a stage, open or closed.

Target and Asked are entered; Received, Pledged and Reserved are never stored: they are
read from the donations, pledges and reservations linked to the opportunity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.customers.services import get_customer
from domain.errors import Conflict, NotFound, ProblemCollector
from domain.events import LinkedToOpportunity
from domain.fundraising.events import OpportunityOpened, OpportunityStageChanged
from domain.money import check_amount
from domain.text import clean_text
from domain.timeline import OpportunityLink, Subject
from domain.unset import UNSET, Maybe

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


@dataclass
class Opportunity:
    customer_id: int
    campaign_id: int
    owner_id: int
    stage_id: int
    name: str
    target: int = 0
    asked: int = 0
    open: bool = True
    id: int | None = None


@dataclass(frozen=True)
class ChangeOpportunity:
    opportunity_id: int
    name: Maybe[str] = UNSET
    campaign_id: Maybe[int] = UNSET
    owner_id: Maybe[int] = UNSET
    stage_id: Maybe[int] = UNSET
    target: Maybe[int] = UNSET
    asked: Maybe[int] = UNSET
    open: Maybe[bool] = UNSET


@dataclass(frozen=True)
class DashboardFilter:
    """Which opportunities the dashboard shows; every condition given must hold."""

    owner_id: int | None = None
    stage_id: int | None = None
    campaign_id: int | None = None
    open: bool | None = None
    customer_id: int | None = None


async def open_opportunity(uow: UnitOfWork, opportunity: Opportunity) -> Opportunity:
    _check_fields(opportunity)
    await get_customer(uow, opportunity.customer_id)
    await _check_links(uow, opportunity, new_stage=True)
    await uow.opportunities.add(opportunity)
    assert opportunity.id is not None
    stage = await uow.stages.get(opportunity.stage_id)
    assert stage is not None
    uow.record(
        OpportunityOpened(opportunity.id, opportunity.customer_id, opportunity.name, stage.name)
    )
    return opportunity


async def change_opportunity(uow: UnitOfWork, change: ChangeOpportunity) -> Opportunity:
    opportunity = await get_opportunity(uow, change.opportunity_id)
    before, was_open = opportunity.stage_id, opportunity.open
    for field in ("name", "campaign_id", "owner_id", "stage_id", "target", "asked", "open"):
        value = getattr(change, field)
        if value is not UNSET:
            setattr(opportunity, field, value)
    _check_fields(opportunity)
    # Closing may move it into the stage it closes in; once closed, only reopening does.
    if not was_open and not opportunity.open and opportunity.stage_id != before:
        raise Conflict(
            "A closed opportunity keeps the stage it closed in; reopen it first.", ("stageId",)
        )
    await _check_links(uow, opportunity, new_stage=opportunity.stage_id != before)
    await uow.opportunities.save(opportunity)
    if opportunity.stage_id != before:
        await _record_stage_change(uow, opportunity, before)
    return opportunity


async def _record_stage_change(uow: UnitOfWork, opportunity: Opportunity, before: int) -> None:
    old, new = await uow.stages.get(before), await uow.stages.get(opportunity.stage_id)
    assert old is not None and new is not None and opportunity.id is not None
    await uow.opportunities.record_stage_change(opportunity.id, before, opportunity.stage_id)
    uow.record(
        OpportunityStageChanged(
            opportunity.id, opportunity.customer_id, opportunity.name, old.name, new.name
        )
    )


def _check_fields(opportunity: Opportunity) -> None:
    problems = ProblemCollector()
    opportunity.name = clean_text(problems, ("name",), opportunity.name, required=True) or ""
    check_amount(problems, ("target",), opportunity.target)
    check_amount(problems, ("asked",), opportunity.asked)
    problems.raise_if_any()


async def _check_links(uow: UnitOfWork, opportunity: Opportunity, new_stage: bool) -> None:
    if await uow.campaigns.get(opportunity.campaign_id) is None:
        raise NotFound("Campaign", ("campaignId",))
    if not await uow.staff.exists(opportunity.owner_id):
        raise NotFound("Staff user", ("ownerId",))
    stage = await uow.stages.get(opportunity.stage_id)
    if stage is None:
        raise NotFound("Opportunity stage", ("stageId",))
    if new_stage and stage.retired:
        raise Conflict(f"The stage {stage.name!r} is retired.", ("stageId",))


async def get_opportunity(
    uow: UnitOfWork, opportunity_id: int, field: tuple[str, ...] = ("opportunityId",)
) -> Opportunity:
    opportunity = await uow.opportunities.get(opportunity_id)
    if opportunity is None:
        raise NotFound("Opportunity", field)
    return opportunity


async def link_order_item(uow: UnitOfWork, item_id: int, opportunity_id: int) -> Opportunity:
    """Count a donation or other purchase towards an opportunity's Received."""
    opportunity = await get_opportunity(uow, opportunity_id)
    order = await uow.orders.of_item(item_id)
    if order is None:
        raise NotFound("Order item", ("itemId",))
    item = next(i for i in order.items if i.id == item_id)
    if item.returned:
        raise Conflict("A returned item counts towards nothing.", ("itemId",))
    if opportunity.customer_id not in order.involved_customer_ids:
        raise Conflict("The order is not the opportunity's customer's.", ("itemId",))
    await uow.orders.link_items([item_id], opportunity_id)
    item.opportunity_id = opportunity_id
    assert order.id is not None
    uow.record(
        LinkedToOpportunity(OpportunityLink((Subject("Order", order.id),), order.opportunity_id))
    )
    return opportunity


async def link_reservation(
    uow: UnitOfWork, reservation_id: int, opportunity_id: int
) -> Opportunity:
    """Count held tickets towards Reserved; once bought they count towards Received."""
    opportunity = await get_opportunity(uow, opportunity_id)
    reservation = await uow.reservations.get(reservation_id)
    if reservation is None:
        raise NotFound("Reservation", ("reservationId",))
    if reservation.customer_id != opportunity.customer_id:
        raise Conflict("The reservation is not the opportunity's customer's.", ("reservationId",))
    reservation.opportunity_id = opportunity_id
    await uow.reservations.save(reservation)
    uow.record(
        LinkedToOpportunity(
            OpportunityLink((Subject("Reservation", reservation_id),), opportunity_id)
        )
    )
    return opportunity
