"""Fundraising mutations: campaigns and stages (OPPORTUNITIES_ADMIN); opportunities, pledges,
legacies, activities and invitations (OPPORTUNITIES). Each returns its payload with `errors`;
on any error nothing is written."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.fundraising import (
    activities,
    campaigns,
    invitations,
    legacies,
    opportunities,
    pledging,
)
from domain.roles import Role
from resolvers import fundraising as fundraising_resolvers
from schema.errors import ERRORS_DESCRIPTION, UserError, payload, payload_type
from schema.fundraising.inputs import (
    ActivityInput,
    AnswerInvitationInput,
    CampaignInput,
    ChangeOpportunityInput,
    InstalmentInput,
    InvitationGuestInput,
    InviteInput,
    OpenOpportunityInput,
    OpportunityStageInput,
    PayInstalmentInput,
    RecordLegacyInput,
    RecordPledgeInput,
    ReminderSettingsInput,
    guest_of,
    invitation_pk,
    required,
)
from schema.fundraising.records import (
    Activity,
    Invitation,
    Legacy,
    Pledge,
    legacy_from_record,
)
from schema.fundraising.reminders import ReminderSettings
from schema.fundraising.types import Campaign, Opportunity, OpportunityStage
from schema.mutations import perform
from schema.permissions import requires
from schema.sales.orders import Order

ADMIN = requires(Role.OPPORTUNITIES_ADMIN)
FUNDRAISING = requires(Role.OPPORTUNITIES)
INPUT = "What to do; see the input type."


CampaignPayload = payload_type("CampaignPayload", "campaign", Campaign, "The campaign.")
StagePayload = payload_type("OpportunityStagePayload", "stage", OpportunityStage, "The stage.")
OpportunityPayload = payload_type(
    "OpportunityPayload",
    "opportunity",
    Opportunity,
    "The opportunity, with its figures as they now are.",
)
LegacyPayload = payload_type("LegacyPayload", "legacy", Legacy, "The legacy.")
ActivityPayload = payload_type("ActivityPayload", "activity", Activity, "The activity.")
ReminderSettingsPayload = payload_type(
    "ReminderSettingsPayload", "settings", ReminderSettings, "The reminder settings."
)
InvitationPayload = payload_type("InvitationPayload", "invitation", Invitation, "The invitation.")


@strawberry.type(description="Result of a pledge mutation.")
class PledgePayload:
    pledge: Pledge | None = strawberry.field(default=None, description="The pledge.")
    donation: Order | None = strawberry.field(
        default=None, description="For a payment: the order holding the donation it made."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="Result of `deleteOpportunityStage`.")
class DeletePayload:
    deleted: bool = strawberry.field(default=False, description="True once deleted.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


def _id(description: str) -> Any:
    return strawberry.argument(description=description)


async def _pledge(info: Info, pledge: Any) -> Pledge:
    return Pledge.from_domain(pledge, info.context.now().date(), await info.context.currency())


async def _pledge_payload(info: Info, work: Any) -> dict[str, Any]:
    result = await info.context.perform(work)
    pledge, order = result if isinstance(result, tuple) else (result, None)
    return {
        "pledge": await _pledge(info, pledge),
        "donation": Order.from_record(order) if order is not None else None,
    }


async def _act_on_pledge(info: Info, pledge_id: strawberry.ID, action: Any) -> Any:
    """`action(uow, pledge pk)` on the pledge `pledge_id` names, as a PledgePayload."""

    async def work() -> dict[str, Any]:
        pk = required(pledge_id, "Pledge", "Pledge", "pledgeId")
        return await _pledge_payload(info, lambda uow: action(uow, pk))

    return await payload(PledgePayload, work())


@strawberry.type
class FundraisingMutation:
    @strawberry.mutation(
        description="Create or change a campaign. OPPORTUNITIES_ADMIN.", extensions=ADMIN
    )
    async def save_campaign(
        self, info: Info, input: Annotated[CampaignInput, _id(INPUT)]
    ) -> CampaignPayload:  # type: ignore[valid-type]
        return await payload(
            CampaignPayload,
            perform(info, "campaign", input.entry, campaigns.save_campaign, Campaign.from_record),
        )

    @strawberry.mutation(
        description="Create or change an opportunity stage. OPPORTUNITIES_ADMIN.", extensions=ADMIN
    )
    async def save_opportunity_stage(
        self, info: Info, input: Annotated[OpportunityStageInput, _id(INPUT)]
    ) -> StagePayload:  # type: ignore[valid-type]
        return await payload(
            StagePayload,
            perform(info, "stage", input.entry, campaigns.save_stage, OpportunityStage.from_record),
        )

    @strawberry.mutation(
        description="Retire a stage: it takes no new opportunities, and the "
        "ones in it keep it. OPPORTUNITIES_ADMIN.",
        extensions=ADMIN,
    )
    async def retire_opportunity_stage(
        self, info: Info, stage_id: Annotated[strawberry.ID, _id("The stage.")]
    ) -> StagePayload:  # type: ignore[valid-type]
        return await payload(
            StagePayload,
            perform(
                info,
                "stage",
                lambda: required(stage_id, "OpportunityStage", "Stage", "stageId"),
                campaigns.retire_stage,
                OpportunityStage.from_record,
            ),
        )

    @strawberry.mutation(
        description="Delete a stage no opportunity has ever been in "
        "(otherwise CONFLICT: retire it). OPPORTUNITIES_ADMIN.",
        extensions=ADMIN,
    )
    async def delete_opportunity_stage(
        self, info: Info, stage_id: Annotated[strawberry.ID, _id("The stage.")]
    ) -> DeletePayload:
        async def work() -> dict[str, Any]:
            pk = required(stage_id, "OpportunityStage", "Stage", "stageId")
            await info.context.perform(lambda uow: campaigns.delete_stage(uow, pk))
            return {"deleted": True}

        return await payload(DeletePayload, work())

    @strawberry.mutation(description="Open an opportunity. OPPORTUNITIES.", extensions=FUNDRAISING)
    async def open_opportunity(
        self, info: Info, input: Annotated[OpenOpportunityInput, _id(INPUT)]
    ) -> OpportunityPayload:  # type: ignore[valid-type]
        return await payload(
            OpportunityPayload,
            perform(
                info,
                "opportunity",
                input.entry,
                opportunities.open_opportunity,
                Opportunity.from_record,
            ),
        )

    @strawberry.mutation(
        description="Change, move, close or reopen an opportunity. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def change_opportunity(
        self, info: Info, input: Annotated[ChangeOpportunityInput, _id(INPUT)]
    ) -> OpportunityPayload:  # type: ignore[valid-type]
        return await payload(
            OpportunityPayload,
            perform(
                info,
                "opportunity",
                input.command,
                opportunities.change_opportunity,
                Opportunity.from_record,
            ),
        )

    @strawberry.mutation(
        description="Count an order item (a donation or other purchase) "
        "towards an opportunity's Received. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def link_order_item_to_opportunity(
        self,
        info: Info,
        item_id: Annotated[strawberry.ID, _id("The order item.")],
        opportunity_id: Annotated[strawberry.ID, _id("The opportunity.")],
    ) -> OpportunityPayload:  # type: ignore[valid-type]
        def command() -> tuple[int, int]:
            return (
                required(item_id, "OrderItem", "Order item", "itemId"),
                required(opportunity_id, "Opportunity", "Opportunity", "opportunityId"),
            )

        return await payload(
            OpportunityPayload,
            perform(
                info,
                "opportunity",
                command,
                lambda uow, c: opportunities.link_order_item(uow, *c),
                Opportunity.from_record,
            ),
        )

    @strawberry.mutation(
        description="Count a reservation's tickets towards an opportunity's "
        "Reserved (and, once bought, Received). OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def link_reservation_to_opportunity(
        self,
        info: Info,
        reservation_id: Annotated[strawberry.ID, _id("The reservation.")],
        opportunity_id: Annotated[strawberry.ID, _id("The opportunity.")],
    ) -> OpportunityPayload:  # type: ignore[valid-type]
        def command() -> tuple[int, int]:
            return (
                required(reservation_id, "Reservation", "Reservation", "reservationId"),
                required(opportunity_id, "Opportunity", "Opportunity", "opportunityId"),
            )

        return await payload(
            OpportunityPayload,
            perform(
                info,
                "opportunity",
                command,
                lambda uow, c: opportunities.link_reservation(uow, *c),
                Opportunity.from_record,
            ),
        )

    @strawberry.mutation(
        description="Record a pledge with its schedule. OPPORTUNITIES.", extensions=FUNDRAISING
    )
    async def record_pledge(
        self, info: Info, input: Annotated[RecordPledgeInput, _id(INPUT)]
    ) -> PledgePayload:
        async def work() -> dict[str, Any]:
            command = input.command()
            return await _pledge_payload(info, lambda uow: pledging.record_pledge(uow, command))

        return await payload(PledgePayload, work())

    @strawberry.mutation(
        description="Record money received for an instalment: a donation to "
        "the pledge's fund, linked to its opportunity. Overpaying is a "
        "CONFLICT. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def pay_instalment(
        self, info: Info, input: Annotated[PayInstalmentInput, _id(INPUT)]
    ) -> PledgePayload:
        async def work() -> dict[str, Any]:
            command = input.command()
            return await _pledge_payload(info, lambda uow: pledging.pay_instalment(uow, command))

        return await payload(PledgePayload, work())

    @strawberry.mutation(
        description="Replace a pledge's unpaid instalments; the new ones must "
        "add up to what is still pledged. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def reschedule_pledge(
        self,
        info: Info,
        pledge_id: Annotated[strawberry.ID, _id("The pledge.")],
        instalments: Annotated[list[InstalmentInput], _id("The new unpaid instalments.")],
    ) -> PledgePayload:
        from domain.fundraising.pledges import ScheduledInstalment

        async def work() -> dict[str, Any]:
            pk = required(pledge_id, "Pledge", "Pledge", "pledgeId")
            schedule = [ScheduledInstalment(i.amount, i.due_on) for i in instalments]
            return await _pledge_payload(
                info, lambda uow: pledging.reschedule_pledge(uow, pk, schedule)
            )

        return await payload(PledgePayload, work())

    @strawberry.mutation(
        description="Cancel a pledge and its unpaid instalments. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def cancel_pledge(
        self, info: Info, pledge_id: Annotated[strawberry.ID, _id("The pledge.")]
    ) -> PledgePayload:
        return await _act_on_pledge(info, pledge_id, pledging.cancel_pledge)

    @strawberry.mutation(
        description="Count a pledge towards an opportunity's Pledged. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def link_pledge_to_opportunity(
        self,
        info: Info,
        pledge_id: Annotated[strawberry.ID, _id("The pledge.")],
        opportunity_id: Annotated[strawberry.ID, _id("The opportunity.")],
    ) -> PledgePayload:
        async def work() -> dict[str, Any]:
            pk = required(pledge_id, "Pledge", "Pledge", "pledgeId")
            opportunity = required(opportunity_id, "Opportunity", "Opportunity", "opportunityId")
            return await _pledge_payload(
                info, lambda uow: pledging.link_pledge(uow, pk, opportunity)
            )

        return await payload(PledgePayload, work())

    @strawberry.mutation(
        description="Record a legacy expected in a will. OPPORTUNITIES.", extensions=FUNDRAISING
    )
    async def record_legacy(
        self, info: Info, input: Annotated[RecordLegacyInput, _id(INPUT)]
    ) -> LegacyPayload:  # type: ignore[valid-type]
        async def work() -> dict[str, Any]:
            legacy = await info.context.perform(
                lambda uow: legacies.record_legacy(uow, input.entry())
            )
            return {"legacy": await legacy_from_record(info, legacy)}

        return await payload(LegacyPayload, work())

    @strawberry.mutation(
        description="Record money received from a legacy, as a donation to a fund. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def receive_legacy(
        self,
        info: Info,
        legacy_id: Annotated[strawberry.ID, _id("The legacy.")],
        amount: Annotated[int, _id("Amount received, in minor units.")],
        fund_id: Annotated[strawberry.ID, _id("The fund it goes to.")],
    ) -> LegacyPayload:  # type: ignore[valid-type]
        async def work() -> dict[str, Any]:
            pk = required(legacy_id, "Legacy", "Legacy", "legacyId")
            fund = required(fund_id, "Fund", "Fund", "fundId")
            legacy = await info.context.perform(
                lambda uow: legacies.receive_legacy(uow, pk, amount, fund)
            )
            return {"legacy": await legacy_from_record(info, legacy)}

        return await payload(LegacyPayload, work())

    @strawberry.mutation(
        description="Create or change an activity. OPPORTUNITIES.", extensions=FUNDRAISING
    )
    async def save_activity(
        self, info: Info, input: Annotated[ActivityInput, _id(INPUT)]
    ) -> ActivityPayload:  # type: ignore[valid-type]
        return await payload(
            ActivityPayload,
            perform(info, "activity", input.entry, activities.save_activity, Activity.from_record),
        )

    @strawberry.mutation(
        description="Invite an Individual to an event instance. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def invite(
        self, info: Info, input: Annotated[InviteInput, _id(INPUT)]
    ) -> InvitationPayload:  # type: ignore[valid-type]
        return await payload(
            InvitationPayload,
            perform(info, "invitation", input.entry, invitations.invite, Invitation.from_record),
        )

    @strawberry.mutation(
        description="Record an invitee's reply, guest count or attendance. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def answer_invitation(
        self, info: Info, input: Annotated[AnswerInvitationInput, _id(INPUT)]
    ) -> InvitationPayload:  # type: ignore[valid-type]
        def command() -> tuple[Any, ...]:
            return (
                invitation_pk(input.invitation_id),
                invitations.Reply(input.reply.value),
                input.guest_count,
                input.attended,
            )

        return await payload(
            InvitationPayload,
            perform(
                info,
                "invitation",
                command,
                lambda uow, c: invitations.answer(uow, *c),
                Invitation.from_record,
            ),
        )

    @strawberry.mutation(
        description="Add a guest to an invitation. OPPORTUNITIES.", extensions=FUNDRAISING
    )
    async def add_invitation_guest(
        self, info: Info, input: Annotated[InvitationGuestInput, _id(INPUT)]
    ) -> InvitationPayload:  # type: ignore[valid-type]
        def command() -> tuple[Any, ...]:
            return invitation_pk(input.invitation_id), guest_of(input)

        return await payload(
            InvitationPayload,
            perform(
                info,
                "invitation",
                command,
                lambda uow, c: invitations.add_guest(uow, *c),
                Invitation.from_record,
            ),
        )

    @strawberry.mutation(
        description="Remind the donor now of the pledge's next unpaid instalment: the "
        "reminder is written at once and emailed in the background. OPPORTUNITIES.",
        extensions=FUNDRAISING,
    )
    async def send_pledge_reminder(
        self, info: Info, pledge_id: Annotated[strawberry.ID, _id("The pledge.")]
    ) -> PledgePayload:
        return await _act_on_pledge(info, pledge_id, pledging.remind_now)

    @strawberry.mutation(
        description="Change when pledge reminders go and what they say. OPPORTUNITIES_ADMIN.",
        extensions=ADMIN,
    )
    async def save_reminder_settings(
        self, info: Info, input: Annotated[ReminderSettingsInput, _id(INPUT)]
    ) -> ReminderSettingsPayload:  # type: ignore[valid-type]
        async def work() -> dict[str, Any]:
            saved = await fundraising_resolvers.save_reminder_policy(info.context, input.policy())
            return {"settings": ReminderSettings.from_policy(saved)}

        return await payload(ReminderSettingsPayload, work())
