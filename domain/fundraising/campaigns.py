"""Campaigns (up to three levels) and the organisation's ordered opportunity stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from domain.errors import Conflict, NotFound, ProblemCollector
from domain.money import check_amount
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

MAX_LEVELS = 3


@dataclass
class Campaign:
    name: str
    target: int
    parent_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool = True
    id: int | None = None


@dataclass
class OpportunityStage:
    name: str
    position: int
    retired: bool = False
    id: int | None = None


async def save_campaign(uow: UnitOfWork, campaign: Campaign) -> Campaign:
    problems = ProblemCollector()
    campaign.name = clean_text(problems, ("name",), campaign.name, required=True) or ""
    check_amount(problems, ("target",), campaign.target)
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        problems.add(("endsOn",), "Must not be before the start date.")
    problems.raise_if_any()
    if campaign.parent_id is not None:
        await _check_level(uow, campaign)
    if campaign.id is None:
        await uow.campaigns.add(campaign)
    elif await uow.campaigns.get(campaign.id) is None:
        raise NotFound("Campaign", ("id",))
    else:
        await uow.campaigns.save(campaign)
    return campaign


async def _check_level(uow: UnitOfWork, campaign: Campaign) -> None:
    """The parent chain must exist, not loop back, and leave room for this level."""
    level, parent_id = 1, campaign.parent_id
    while parent_id is not None:
        if parent_id == campaign.id:
            raise Conflict("A campaign cannot sit under itself.", ("parentId",))
        parent = await uow.campaigns.get(parent_id)
        if parent is None:
            raise NotFound("Parent campaign", ("parentId",))
        level, parent_id = level + 1, parent.parent_id
    depth_below = await uow.campaigns.depth_below(campaign.id) if campaign.id else 0
    if level + depth_below > MAX_LEVELS:
        raise Conflict(f"Campaigns go at most {MAX_LEVELS} levels deep.", ("parentId",))


async def save_stage(uow: UnitOfWork, stage: OpportunityStage) -> OpportunityStage:
    problems = ProblemCollector()
    stage.name = clean_text(problems, ("name",), stage.name, required=True, limit=80) or ""
    if stage.position < 0:
        problems.add(("position",), "Must not be negative.")
    problems.raise_if_any()
    if stage.id is None:
        await uow.stages.add(stage)
    elif await uow.stages.get(stage.id) is None:
        raise NotFound("Opportunity stage", ("id",))
    else:
        await uow.stages.save(stage)
    return stage


async def retire_stage(uow: UnitOfWork, stage_id: int) -> OpportunityStage:
    stage = await uow.stages.get(stage_id)
    if stage is None:
        raise NotFound("Opportunity stage", ("stageId",))
    stage.retired = True
    await uow.stages.save(stage)
    return stage


async def delete_stage(uow: UnitOfWork, stage_id: int) -> None:
    """Only a stage no opportunity has ever been in can go; others are retired."""
    if await uow.stages.get(stage_id) is None:
        raise NotFound("Opportunity stage", ("stageId",))
    if await uow.stages.in_use(stage_id):
        raise Conflict("The stage is in use; retire it instead.", ("stageId",))
    await uow.stages.delete(stage_id)
