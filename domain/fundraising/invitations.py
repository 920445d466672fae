"""Invitations: Individuals invited to an event instance, optionally on behalf of a related
organisation, with their reply, guests and attendance. They appear on the invitee's record
only."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.customers.customer import CustomerKind
from domain.customers.services import get_customer
from domain.errors import Conflict, NotFound, ProblemCollector
from domain.fundraising.events import InvitationAnswered, Invited
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

MAX_GUESTS = 20


class Reply(StrEnum):
    AWAITING = "AWAITING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


@dataclass(frozen=True)
class Guest:
    customer_id: int | None = None
    name: str | None = None


@dataclass
class Invitation:
    customer_id: int
    instance_id: int
    on_behalf_of_id: int | None = None
    reply: Reply = Reply.AWAITING
    guest_count: int = 0
    guests: list[Guest] = field(default_factory=list)
    attended: bool | None = None
    id: int | None = None


async def invite(uow: UnitOfWork, invitation: Invitation) -> Invitation:
    await get_customer(uow, invitation.customer_id, CustomerKind.INDIVIDUAL, ("customerId",))
    instance = await uow.event_instances.get(invitation.instance_id)
    if instance is None:
        raise NotFound("Event instance", ("instanceId",))
    if invitation.on_behalf_of_id is not None:
        await get_customer(
            uow, invitation.on_behalf_of_id, CustomerKind.ORGANISATION, ("onBehalfOfId",)
        )
        if not await uow.relationships.related(invitation.customer_id, invitation.on_behalf_of_id):
            raise Conflict(
                "The invitee has no current relationship with that organisation.", ("onBehalfOfId",)
            )
    if await uow.invitations.exists(invitation.customer_id, invitation.instance_id):
        raise Conflict("That person is already invited to that performance.", ("customerId",))
    await uow.invitations.add(invitation)
    event = await uow.events.get(instance.event_id)
    assert invitation.id is not None
    uow.record(
        Invited(
            invitation.customer_id,
            invitation.id,
            invitation.instance_id,
            event.name if event else None,
            instance.starts_at.date(),
        )
    )
    return invitation


async def answer(
    uow: UnitOfWork,
    invitation_id: int,
    reply: Reply,
    guest_count: int | None,
    attended: bool | None = None,
) -> Invitation:
    invitation = await _get(uow, invitation_id)
    if guest_count is not None:
        problems = ProblemCollector()
        if not 0 <= guest_count <= MAX_GUESTS:
            problems.add(("guestCount",), f"Must be between 0 and {MAX_GUESTS}.")
        elif guest_count < len(invitation.guests):
            # The named guests are coming too: remove one first to bring fewer.
            problems.add(("guestCount",), f"{len(invitation.guests)} guests are already named.")
        problems.raise_if_any()
        invitation.guest_count = guest_count
    invitation.reply = reply
    if attended is not None:
        invitation.attended = attended
    await uow.invitations.save(invitation)
    assert invitation.id is not None
    uow.record(
        InvitationAnswered(
            invitation.customer_id, invitation.id, invitation.instance_id, reply.value, attended
        )
    )
    return invitation


async def add_guest(uow: UnitOfWork, invitation_id: int, guest: Guest) -> Invitation:
    invitation = await _get(uow, invitation_id)
    problems = ProblemCollector()
    name = clean_text(problems, ("name",), guest.name)
    problems.raise_if_any()
    if (guest.customer_id is None) == (name is None):
        raise Conflict("Name a guest either as a customer or by name.", ("guest",))
    if guest.customer_id is not None:
        await get_customer(uow, guest.customer_id, field=("customerId",))
    if len(invitation.guests) >= MAX_GUESTS:
        raise Conflict(f"At most {MAX_GUESTS} guests.", ("guest",))
    invitation.guests.append(Guest(guest.customer_id, name))
    invitation.guest_count = max(invitation.guest_count, len(invitation.guests))
    await uow.invitations.save(invitation)
    return invitation


async def _get(uow: UnitOfWork, invitation_id: int) -> Invitation:
    invitation = await uow.invitations.get(invitation_id)
    if invitation is None:
        raise NotFound("Invitation", ("invitationId",))
    return invitation
