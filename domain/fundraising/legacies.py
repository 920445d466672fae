"""Legacies: gifts in wills, expected and then received, processed like a pledge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.customers.services import get_customer
from domain.errors import Conflict, NotFound, ProblemCollector
from domain.fundraising.events import LegacyExpected, LegacyReceived
from domain.money import check_amount
from domain.sales.commands import ItemLine, RecordOrder
from domain.sales.orders import Channel, ItemKind
from domain.sales.recording import record_order

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


@dataclass
class Legacy:
    customer_id: int
    expected: int
    campaign_id: int | None = None
    stage_id: int | None = None
    given: int = 0
    id: int | None = None


async def record_legacy(uow: UnitOfWork, legacy: Legacy) -> Legacy:
    problems = ProblemCollector()
    check_amount(problems, ("expected",), legacy.expected)
    problems.raise_if_any()
    await get_customer(uow, legacy.customer_id)
    await _check_links(uow, legacy)
    await uow.legacies.add(legacy)
    assert legacy.id is not None
    uow.record(LegacyExpected(legacy.customer_id, legacy.id, legacy.expected, await uow.currency()))
    return legacy


async def _check_links(uow: UnitOfWork, legacy: Legacy) -> None:
    if legacy.campaign_id is not None and await uow.campaigns.get(legacy.campaign_id) is None:
        raise NotFound("Campaign", ("campaignId",))
    if legacy.stage_id is not None and await uow.stages.get(legacy.stage_id) is None:
        raise NotFound("Opportunity stage", ("stageId",))


async def receive_legacy(uow: UnitOfWork, legacy_id: int, amount: int, fund_id: int) -> Legacy:
    """Money from the estate: a donation to `fund_id`; given to date is their sum."""
    problems = ProblemCollector()
    check_amount(problems, ("amount",), amount, positive=True)
    problems.raise_if_any()
    legacy = await uow.legacies.get(legacy_id)
    if legacy is None:
        raise NotFound("Legacy", ("legacyId",))
    if await uow.funds.get(fund_id) is None:
        raise NotFound("Fund", ("fundId",))
    if not await uow.customers.get(legacy.customer_id):
        raise Conflict("The legacy's customer no longer exists.", ("legacyId",))
    order, _ = await record_order(
        uow,
        RecordOrder(
            legacy.customer_id,
            Channel.PHONE,
            (ItemLine(ItemKind.DONATION, amount, fund_id=fund_id, description="Legacy"),),
        ),
    )
    assert legacy.id is not None and order.items[0].id is not None
    await uow.legacies.record_receipt(legacy.id, amount, order.items[0].id)
    legacy.given += amount
    uow.record(LegacyReceived(legacy.customer_id, legacy.id, amount, await uow.currency()))
    return legacy
