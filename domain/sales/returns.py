"""Returns: tickets, subscriptions, series and merchandise go back; the refund may instead
become a donation to a fund. Donations and memberships are not returned this way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.errors import Conflict, InvalidInput, NotFound
from domain.money import Money, format_money
from domain.sales.commands import ReturnItems
from domain.sales.events import items_returned
from domain.sales.orders import RETURNABLE, ItemKind, Order, OrderItem
from domain.text import counted

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


async def return_items(uow: UnitOfWork, command: ReturnItems) -> Order:
    order = await uow.orders.get(command.order_id)
    if order is None:
        raise NotFound("Order", ("orderId",))
    if not command.item_ids:
        raise InvalidInput.at(("itemIds",), "Name at least one item to return.")
    if len(set(command.item_ids)) != len(command.item_ids):
        raise Conflict("Name each item to return once.", ("itemIds",))
    by_id = {item.id: item for item in order.items}
    returning = []
    for item_id in command.item_ids:
        item = by_id.get(item_id)
        if item is None:
            raise NotFound("Order item", ("itemIds",))
        if item.kind not in RETURNABLE:
            raise Conflict(
                f"A {item.kind.value.lower()} cannot be returned; donations and "
                "memberships are handled by fundraising.",
                ("itemIds",),
            )
        if item.returned:
            raise Conflict("That item has already been returned.", ("itemIds",))
        returning.append(item)
    refund = Money(sum(item.amount for item in returning), order.currency)
    donation = await _donation(uow, command.donate_to_fund_id, refund)
    for item in returning:
        item.returned = True
    await uow.orders.mark_returned(order, [item.id for item in returning if item.id])
    if donation is not None:
        order.items.append(donation)
        await uow.orders.add_items(order, [donation])
    assert order.id is not None
    what = f"Returned {counted(len(returning), 'item')} ({format_money(refund)})"
    await uow.orders.note(order.id, what + (", converted to a donation." if donation else "."))
    uow.record(
        items_returned(order, refund, Money(donation.price, order.currency) if donation else None)
    )
    return order


async def _donation(uow: UnitOfWork, fund_id: int | None, refund: Money) -> OrderItem | None:
    if fund_id is None:
        return None
    if await uow.funds.get(fund_id) is None:
        raise NotFound("Fund", ("donateToFundId",))
    if refund.amount == 0:
        raise Conflict(
            "Nothing was paid for those items, so there is nothing to give.", ("donateToFundId",)
        )
    return OrderItem(
        ItemKind.DONATION, refund.amount, fund_id=fund_id, description="Refund given as a donation"
    )
