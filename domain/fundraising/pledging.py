"""Recording pledges, paying instalments, rescheduling and cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from domain.calendar import check_day
from domain.customers.services import get_customer
from domain.errors import Conflict, InvalidInput, NotFound, ProblemCollector
from domain.events import DomainEvent, LinkedToOpportunity, OutboxMessage
from domain.fundraising.events import (
    InstalmentPaid,
    PledgeCancelled,
    PledgeRecorded,
    PledgeRescheduled,
)
from domain.fundraising.opportunities import get_opportunity
from domain.fundraising.pledges import (
    Instalment,
    Pledge,
    ScheduledInstalment,
    check_schedule,
    equal_split,
)
from domain.fundraising.reminders import ReminderPolicy, check_policy
from domain.money import check_amount
from domain.sales.commands import ItemLine, RecordOrder
from domain.sales.orders import Channel, ItemKind, Order
from domain.sales.recording import record_order
from domain.timeline import OpportunityLink, Subject

if TYPE_CHECKING:
    from domain.ports import UnitOfWork


@dataclass(frozen=True)
class RecordPledge:
    customer_id: int
    amount: int
    fund_id: int
    campaign_id: int | None = None
    opportunity_id: int | None = None
    schedule: tuple[ScheduledInstalment, ...] = ()
    equal_instalments: int | None = None
    first_due_on: date | None = None
    every_months: int = 1


@dataclass(frozen=True)
class PayInstalment:
    instalment_id: int
    amount: int
    channel: Channel = Channel.PHONE


async def record_pledge(uow: UnitOfWork, command: RecordPledge) -> Pledge:
    problems = ProblemCollector()
    check_amount(problems, ("amount",), command.amount, positive=True)
    problems.raise_if_any()
    schedule = list(command.schedule)
    if command.equal_instalments is not None:
        if not 1 <= command.equal_instalments <= 120 or command.first_due_on is None:
            raise InvalidInput.at(
                ("equalInstalments",), "Give 1 to 120 instalments and the first due date."
            )
        if not 1 <= command.every_months <= 12:
            # 0 would put every instalment on one day; a negative step runs back in time.
            raise InvalidInput.at(("everyMonths",), "Must be between 1 and 12 months.")
        check_day(problems, ("firstDueOn",), command.first_due_on)
        problems.raise_if_any()
        schedule = equal_split(
            command.amount, command.equal_instalments, command.first_due_on, command.every_months
        )
    check_schedule(problems, schedule, command.amount)
    problems.raise_if_any()
    await get_customer(uow, command.customer_id)
    if await uow.funds.get(command.fund_id) is None:
        raise NotFound("Fund", ("fundId",))
    if command.campaign_id is not None and await uow.campaigns.get(command.campaign_id) is None:
        raise NotFound("Campaign", ("campaignId",))
    if command.opportunity_id is not None:
        opportunity = await get_opportunity(uow, command.opportunity_id)
        if opportunity.customer_id != command.customer_id:
            raise Conflict("The opportunity is another customer's.", ("opportunityId",))
    pledge = Pledge(
        command.customer_id,
        command.amount,
        command.fund_id,
        [Instalment(s.amount, s.due_on) for s in schedule],
        command.campaign_id,
        command.opportunity_id,
    )
    await uow.pledges.add(pledge)
    assert pledge.id is not None
    uow.record(
        PledgeRecorded(
            pledge.customer_id,
            pledge.id,
            pledge.opportunity_id,
            pledge.amount,
            await uow.currency(),
            len(pledge.instalments),
        )
    )
    return pledge


async def pledge_of_instalment(uow: UnitOfWork, instalment_id: int) -> tuple[Pledge, Instalment]:
    # Held: two payments of one instalment at the same moment each saw it outstanding and
    # both went through, overpaying it (found by a hostile probe); now the second reads
    # the first's payment and is refused.
    pledge = await uow.pledges.of_instalment(instalment_id, for_change=True)
    if pledge is None:
        raise NotFound("Instalment", ("instalmentId",))
    return pledge, next(i for i in pledge.instalments if i.id == instalment_id)


async def pay_instalment(uow: UnitOfWork, command: PayInstalment) -> tuple[Pledge, Order]:
    """Record money received: a donation to the pledge's fund, linked to its opportunity,
    which moves the amount from Pledged to Received."""
    problems = ProblemCollector()
    check_amount(problems, ("amount",), command.amount, positive=True)
    problems.raise_if_any()
    pledge, instalment = await pledge_of_instalment(uow, command.instalment_id)
    if instalment.cancelled or pledge.cancelled:
        raise Conflict("The instalment is cancelled.", ("instalmentId",))
    if command.amount > instalment.outstanding:
        raise Conflict(
            f"That would overpay the instalment: {instalment.outstanding} is outstanding.",
            ("amount",),
        )
    order, _ = await record_order(
        uow,
        RecordOrder(
            pledge.customer_id,
            command.channel,
            (
                ItemLine(
                    ItemKind.DONATION,
                    command.amount,
                    fund_id=pledge.fund_id,
                    description="Pledge instalment",
                    opportunity_id=pledge.opportunity_id,
                ),
            ),
        ),
    )
    assert instalment.id is not None and order.items[0].id is not None
    await uow.pledges.record_payment(instalment.id, command.amount, order.items[0].id)
    instalment.given += command.amount
    assert pledge.id is not None
    uow.record(
        InstalmentPaid(
            pledge.customer_id,
            pledge.id,
            pledge.opportunity_id,
            instalment.id,
            command.amount,
            pledge.outstanding,
            await uow.currency(),
        )
    )
    return pledge, order


async def reschedule_pledge(
    uow: UnitOfWork, pledge_id: int, schedule: list[ScheduledInstalment]
) -> Pledge:
    """Replace the instalments nothing has been paid on; the new ones must add up to what is
    still pledged."""
    pledge = await _live_pledge(uow, pledge_id)
    started = [i for i in pledge.instalments if i.given or i.cancelled]
    due = (
        pledge.amount
        - sum(i.amount for i in started if not i.cancelled)
        - sum(i.given for i in started if i.cancelled)
    )
    problems = ProblemCollector()
    check_schedule(problems, schedule, due)
    problems.raise_if_any()
    pledge.instalments = [*started, *(Instalment(s.amount, s.due_on) for s in schedule)]
    await uow.pledges.save_schedule(pledge)
    assert pledge.id is not None
    uow.record(
        PledgeRescheduled(pledge.customer_id, pledge.id, pledge.opportunity_id, len(schedule))
    )
    return pledge


async def cancel_pledge(uow: UnitOfWork, pledge_id: int) -> Pledge:
    """Cancel the pledge and what is unpaid of its instalments; money given stays given."""
    pledge = await _live_pledge(uow, pledge_id)
    pledge.cancelled = True
    for instalment in pledge.instalments:
        if instalment.given < instalment.amount:
            instalment.cancelled = True
    await uow.pledges.save_schedule(pledge)
    assert pledge.id is not None
    uow.record(
        PledgeCancelled(
            pledge.customer_id, pledge.id, pledge.opportunity_id, pledge.given, await uow.currency()
        )
    )
    return pledge


async def _live_pledge(uow: UnitOfWork, pledge_id: int) -> Pledge:
    # Held, as a payment holds it: a reschedule or a cancel never works from a schedule a
    # payment has just changed.
    pledge = await uow.pledges.get(pledge_id, for_change=True)
    if pledge is None:
        raise NotFound("Pledge", ("pledgeId",))
    if pledge.cancelled:
        raise Conflict("The pledge is cancelled.", ("pledgeId",))
    if pledge.outstanding == 0:
        raise Conflict("The pledge has been paid in full.", ("pledgeId",))
    return pledge


async def link_pledge(uow: UnitOfWork, pledge_id: int, opportunity_id: int) -> Pledge:
    """Count a pledge towards an opportunity: what is outstanding towards its Pledged, what
    was and will be paid on it towards its Received."""
    pledge = await uow.pledges.get(pledge_id)
    if pledge is None:
        raise NotFound("Pledge", ("pledgeId",))
    opportunity = await get_opportunity(uow, opportunity_id)
    if opportunity.customer_id != pledge.customer_id:
        raise Conflict("The opportunity is another customer's.", ("opportunityId",))
    pledge.opportunity_id = opportunity_id
    await uow.pledges.link(pledge)
    # What was paid before the link moves with it into Received: paying an instalment moves
    # money from Pledged to Received, and it must not drop out of both.
    donations = await uow.pledges.donations(pledge_id)
    await uow.orders.link_items(donations, opportunity_id)
    subjects = [Subject("Pledge", pledge_id)]
    subjects += [Subject("Instalment", i.id) for i in pledge.instalments if i.id is not None]
    links = [LinkedToOpportunity(OpportunityLink(tuple(subjects), opportunity_id))]
    for item_id in donations:
        order = await uow.orders.of_item(item_id)
        assert order is not None and order.id is not None
        links.append(
            LinkedToOpportunity(
                OpportunityLink((Subject("Order", order.id),), order.opportunity_id)
            )
        )
    for link in links:
        uow.record(link)
    return pledge


@dataclass(frozen=True)
class ReminderQueued(DomainEvent):
    reminder_id: int

    def message(self) -> OutboxMessage:
        return OutboxMessage("send_pledge_reminders", {"reminder_ids": [self.reminder_id]})


async def remind_now(uow: UnitOfWork, pledge_id: int) -> Pledge:
    """Queue a reminder now for the pledge's next unpaid instalment, within the limits of
    the reminder settings (how many, how often) that the daily run keeps too."""
    pledge = await _live_pledge(uow, pledge_id)
    unpaid = [i for i in pledge.instalments if i.outstanding > 0]
    if not unpaid:
        raise Conflict("No instalment of the pledge is waiting for money.", ("pledgeId",))
    instalment = min(unpaid, key=lambda i: i.due_on)
    assert instalment.id is not None
    policy = await uow.pledges.policy()
    refusal = policy.refusal(await uow.pledges.reminder_days(instalment.id), uow.today())
    if refusal is not None:
        raise Conflict(refusal, ("pledgeId",))
    reminder_id = await uow.pledges.queue_reminder(instalment.id)
    uow.record(ReminderQueued(reminder_id))
    return pledge


async def save_reminder_policy(uow: UnitOfWork, policy: ReminderPolicy) -> ReminderPolicy:
    checked = check_policy(policy)
    await uow.pledges.save_policy(checked)
    return checked
