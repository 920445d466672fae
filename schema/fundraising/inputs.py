"""Inputs of the fundraising mutations, each turning itself into a domain command."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.fundraising import activities, campaigns, invitations, legacies, opportunities
from domain.fundraising.pledges import ScheduledInstalment
from domain.fundraising.pledging import PayInstalment, RecordPledge
from domain.fundraising.reminders import DEFAULT_BODY, DEFAULT_SUBJECT, ReminderPolicy
from domain.sales.orders import Channel as DomainChannel
from resolvers.global_ids import pk_of
from schema.customers.inputs import customer_pk, given_or_unset
from schema.fundraising.records import ActivityType, Reply
from schema.sales.enums import Channel


def pk(global_id: strawberry.ID | None, type_name: str, what: str, field: str) -> int | None:
    return None if global_id is None else pk_of(global_id, (type_name,), what, (field,))


def required(global_id: strawberry.ID, type_name: str, what: str, field: str) -> int:
    return pk_of(global_id, (type_name,), what, (field,))


def _maybe(value: object, type_name: str, what: str, field: str) -> object:
    given = given_or_unset(value)
    return (
        given
        if not isinstance(given, str)
        else required(strawberry.ID(given), type_name, what, field)
    )


@strawberry.input(description="A campaign: leave `id` out to create one.")
class CampaignInput:
    name: str = strawberry.field(description="Its name.")
    target: int = strawberry.field(default=0, description="Its target, in minor units.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The campaign above (at most three levels)."
    )
    starts_on: date | None = strawberry.field(default=None, description="First day.")
    ends_on: date | None = strawberry.field(default=None, description="Last day.")
    active: bool = strawberry.field(default=True, description="Whether it is running.")
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> campaigns.Campaign:
        return campaigns.Campaign(
            self.name,
            self.target,
            pk(self.parent_id, "Campaign", "Parent campaign", "parentId"),
            self.starts_on,
            self.ends_on,
            self.active,
            pk(self.id, "Campaign", "Campaign", "id"),
        )


@strawberry.input(description="An opportunity stage: leave `id` out to create one.")
class OpportunityStageInput:
    name: str = strawberry.field(description="Its name.")
    position: int = strawberry.field(description="Its place in the list, lowest first.")
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> campaigns.OpportunityStage:
        return campaigns.OpportunityStage(
            self.name, self.position, False, pk(self.id, "OpportunityStage", "Stage", "id")
        )


@strawberry.input(description="A new opportunity.")
class OpenOpportunityInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    campaign_id: strawberry.ID = strawberry.field(description="The campaign (any level).")
    owner_id: strawberry.ID = strawberry.field(description="The staff user who owns it.")
    stage_id: strawberry.ID = strawberry.field(description="Its first stage.")
    name: str = strawberry.field(description="What it is for.")
    target: int = strawberry.field(default=0, description="Target, in minor units.")
    asked: int = strawberry.field(default=0, description="Asked, in minor units.")

    def entry(self) -> opportunities.Opportunity:
        return opportunities.Opportunity(
            customer_pk(self.customer_id, "customerId"),
            required(self.campaign_id, "Campaign", "Campaign", "campaignId"),
            required(self.owner_id, "StaffUser", "Staff user", "ownerId"),
            required(self.stage_id, "OpportunityStage", "Opportunity stage", "stageId"),
            self.name,
            self.target,
            self.asked,
        )


@strawberry.input(
    description="Changes to an opportunity; fields left out are kept. Moving "
    "the stage is recorded; closing keeps the stage it closed in."
)
class ChangeOpportunityInput:
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    campaign_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New campaign."
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New owner."
    )
    stage_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New stage."
    )
    target: int | None = strawberry.field(default=strawberry.UNSET, description="New target.")
    asked: int | None = strawberry.field(default=strawberry.UNSET, description="New asked.")
    open: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false closes it, true reopens it."
    )

    def command(self) -> opportunities.ChangeOpportunity:
        return opportunities.ChangeOpportunity(
            required(self.opportunity_id, "Opportunity", "Opportunity", "opportunityId"),
            name=given_or_unset(self.name),
            campaign_id=_maybe(self.campaign_id, "Campaign", "Campaign", "campaignId"),  # type: ignore[arg-type]
            owner_id=_maybe(self.owner_id, "StaffUser", "Staff user", "ownerId"),  # type: ignore[arg-type]
            stage_id=_maybe(
                self.stage_id,
                "OpportunityStage",
                "Opportunity stage",  # type: ignore[arg-type]
                "stageId",
            ),
            target=given_or_unset(self.target),
            asked=given_or_unset(self.asked),
            open=given_or_unset(self.open),
        )


@strawberry.input(description="One instalment of a custom schedule.")
class InstalmentInput:
    amount: int = strawberry.field(description="Amount, in minor units.")
    due_on: date = strawberry.field(description="When it is due.")


@strawberry.input(
    description="A pledge: give either `instalments` (must add up to the "
    "amount) or `equalInstalments` with `firstDueOn`."
)
class RecordPledgeInput:
    customer_id: strawberry.ID = strawberry.field(description="Who pledges.")
    amount: int = strawberry.field(description="The amount promised, in minor units.")
    fund_id: strawberry.ID = strawberry.field(description="The fund it goes to.")
    campaign_id: strawberry.ID | None = strawberry.field(default=None, description="Campaign.")
    opportunity_id: strawberry.ID | None = strawberry.field(
        default=None, description="The opportunity it counts towards."
    )
    instalments: list[InstalmentInput] = strawberry.field(
        default_factory=list, description="A custom schedule."
    )
    equal_instalments: int | None = strawberry.field(
        default=None, description="Split the amount into this many equal instalments."
    )
    first_due_on: date | None = strawberry.field(
        default=None, description="The first equal instalment."
    )
    every_months: int = strawberry.field(default=1, description="Months between instalments.")

    def command(self) -> RecordPledge:
        return RecordPledge(
            customer_pk(self.customer_id, "customerId"),
            self.amount,
            required(self.fund_id, "Fund", "Fund", "fundId"),
            pk(self.campaign_id, "Campaign", "Campaign", "campaignId"),
            pk(self.opportunity_id, "Opportunity", "Opportunity", "opportunityId"),
            tuple(ScheduledInstalment(i.amount, i.due_on) for i in self.instalments),
            self.equal_instalments,
            self.first_due_on,
            self.every_months,
        )


@strawberry.input(description="Money received for an instalment.")
class PayInstalmentInput:
    instalment_id: strawberry.ID = strawberry.field(description="The instalment.")
    amount: int = strawberry.field(
        description="Amount received, in minor units; at most "
        "what is outstanding on the instalment."
    )
    channel: Channel = strawberry.field(
        default=DomainChannel.PHONE,  # type: ignore[valid-type]
        description="How it was received.",
    )

    def command(self) -> PayInstalment:
        return PayInstalment(
            required(self.instalment_id, "Instalment", "Instalment", "instalmentId"),
            self.amount,
            DomainChannel(self.channel.value),
        )


@strawberry.input(description="A legacy: a gift expected in a will.")
class RecordLegacyInput:
    customer_id: strawberry.ID = strawberry.field(description="Whose will.")
    expected: int = strawberry.field(description="Expected amount, in minor units.")
    campaign_id: strawberry.ID | None = strawberry.field(default=None, description="Campaign.")
    stage_id: strawberry.ID | None = strawberry.field(default=None, description="Stage.")

    def entry(self) -> legacies.Legacy:
        return legacies.Legacy(
            customer_pk(self.customer_id, "customerId"),
            self.expected,
            pk(self.campaign_id, "Campaign", "Campaign", "campaignId"),
            pk(self.stage_id, "OpportunityStage", "Stage", "stageId"),
        )


@strawberry.input(description="An activity: leave `id` out to create one.")
class ActivityInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    type: ActivityType = strawberry.field(description="What kind.")  # type: ignore[valid-type]
    subject: str = strawberry.field(description="What it is about.")
    due_on: date = strawberry.field(description="When it is due.")
    owner_id: strawberry.ID = strawberry.field(description="The staff user who owns it.")
    done: bool = strawberry.field(default=False, description="Whether it is done.")
    opportunity_id: strawberry.ID | None = strawberry.field(
        default=None, description="The opportunity it serves."
    )
    id: strawberry.ID | None = strawberry.field(default=None, description="The one to change.")

    def entry(self) -> activities.Activity:
        return activities.Activity(
            customer_pk(self.customer_id, "customerId"),
            activities.ActivityType(self.type.value),
            self.subject,
            self.due_on,
            required(self.owner_id, "StaffUser", "Staff user", "ownerId"),
            self.done,
            pk(self.opportunity_id, "Opportunity", "Opportunity", "opportunityId"),
            pk(self.id, "Activity", "Activity", "id"),
        )


@strawberry.input(description="An invitation to an event instance.")
class InviteInput:
    customer_id: strawberry.ID = strawberry.field(description="The Individual invited.")
    instance_id: strawberry.ID = strawberry.field(description="The performance.")
    on_behalf_of_id: strawberry.ID | None = strawberry.field(
        default=None, description="A related Organisation they are invited on behalf of."
    )

    def entry(self) -> invitations.Invitation:
        return invitations.Invitation(
            customer_pk(self.customer_id, "customerId", ("Individual",)),
            required(self.instance_id, "EventInstance", "Event instance", "instanceId"),
            customer_pk(self.on_behalf_of_id, "onBehalfOfId", ("Organisation",))
            if self.on_behalf_of_id
            else None,
        )


@strawberry.input(description="An invitee's answer, guest count or attendance.")
class AnswerInvitationInput:
    invitation_id: strawberry.ID = strawberry.field(description="The invitation.")
    reply: Reply = strawberry.field(description="Their answer.")  # type: ignore[valid-type]
    guest_count: int | None = strawberry.field(default=None, description="Guests they bring.")
    attended: bool | None = strawberry.field(default=None, description="Whether they came.")


@strawberry.input(description="A guest to add: a customer, or just a name.")
class InvitationGuestInput:
    invitation_id: strawberry.ID = strawberry.field(description="The invitation.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="A customer guest."
    )
    name: str | None = strawberry.field(default=None, description="A guest's name.")


def invitation_pk(global_id: strawberry.ID) -> int:
    return required(global_id, "Invitation", "Invitation", "invitationId")


def guest_of(given: InvitationGuestInput) -> invitations.Guest:
    return invitations.Guest(
        customer_pk(given.customer_id, "customerId") if given.customer_id else None, given.name
    )


@strawberry.input(description="Pledge-reminder settings.")
class ReminderSettingsInput:
    first_days_before: int = strawberry.field(description="First reminder, days before due.")
    every_days: int = strawberry.field(description="Then one every this many days.")
    max_reminders: int = strawberry.field(description="At most this many per instalment.")
    transactional: bool = strawberry.field(
        default=True, description="Send whatever the customer's marketing consent."
    )
    subject: str = strawberry.field(
        default=DEFAULT_SUBJECT, description="Subject template (jinja2)."
    )
    body: str = strawberry.field(default=DEFAULT_BODY, description="Body template (jinja2).")

    def policy(self) -> ReminderPolicy:
        return ReminderPolicy(
            self.first_days_before,
            self.every_days,
            self.max_reminders,
            self.transactional,
            self.subject,
            self.body,
        )
