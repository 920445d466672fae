"""Reservations: tickets held for a customer until an expiry, then bought or released.

Expiry is derived from the clock, not written by a sweeper: a reservation past its expiry
holds nothing, whether or not anyone has looked at it since.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.customers.services import get_customer
from domain.errors import Conflict, InvalidInput, NotFound, Problem, UserFacingError
from domain.sales.commands import (
    ItemLine,
    PurchaseReservation,
    RecordOrder,
    ReserveTickets,
)
from domain.sales.events import ReservationEnded, ReservationMade
from domain.sales.orders import Channel, ItemKind, Order
from domain.sales.recording import record_order, validate_order

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

MAX_TICKETS = 100


class ReservationStatus(StrEnum):
    HELD = "HELD"
    PURCHASED = "PURCHASED"
    EXPIRED = "EXPIRED"
    RELEASED = "RELEASED"


@dataclass
class Reservation:
    customer_id: int
    tickets: list[ItemLine]
    expires_at: datetime
    recorded_status: ReservationStatus = ReservationStatus.HELD
    order_id: int | None = None
    id: int | None = None
    created_at: datetime | None = field(default=None)
    opportunity_id: int | None = None

    def status(self, now: datetime) -> ReservationStatus:
        if self.recorded_status is ReservationStatus.HELD and now >= self.expires_at:
            return ReservationStatus.EXPIRED
        return self.recorded_status

    @property
    def amount(self) -> int:
        """Price plus commission of the tickets held."""
        return sum(t.price + t.commission for t in self.tickets)


async def reserve_tickets(uow: UnitOfWork, command: ReserveTickets) -> Reservation:
    if not command.tickets or len(command.tickets) > MAX_TICKETS:
        raise InvalidInput.at(("tickets",), f"Reserve between 1 and {MAX_TICKETS} tickets.")
    if any(t.kind is not ItemKind.TICKET for t in command.tickets):
        raise InvalidInput.at(("tickets",), "Only tickets can be reserved.")
    if command.expires_at.tzinfo is None or command.expires_at <= uow.now():
        raise InvalidInput.at(("expiresAt",), "Must be in the future, with a time zone.")
    # Checked as an order would be, so a reservation can always be bought as it stands.
    try:
        await validate_order(
            uow, RecordOrder(command.customer_id, Channel.BOX_OFFICE, command.tickets), None
        )
    except UserFacingError as error:
        error.problems = [_on_tickets(problem) for problem in error.problems]
        raise
    customer = await get_customer(uow, command.customer_id)
    reservation = Reservation(command.customer_id, list(command.tickets), command.expires_at)
    await uow.reservations.add(reservation)
    assert reservation.id is not None and customer.id is not None
    uow.record(
        ReservationMade(
            customer.id,
            reservation.id,
            len(reservation.tickets),
            command.expires_at.isoformat(timespec="minutes"),
        )
    )
    return reservation


def _on_tickets(problem: Problem) -> Problem:
    """An order's problem with its `items`, reported on the reservation's `tickets`."""
    if problem.field[:1] != ("items",):
        return problem
    return replace(problem, field=("tickets", *problem.field[1:]))


async def _held(uow: UnitOfWork, reservation_id: int) -> Reservation:
    reservation = await uow.reservations.get(reservation_id)
    if reservation is None:
        raise NotFound("Reservation", ("reservationId",))
    status = reservation.status(uow.now())
    if status is ReservationStatus.EXPIRED:
        raise Conflict(
            f"The reservation expired at {reservation.expires_at.isoformat()}; its "
            "tickets have been released.",
            ("reservationId",),
        )
    if status is not ReservationStatus.HELD:
        raise Conflict(f"The reservation is already {status.value.lower()}.", ("reservationId",))
    return reservation


async def purchase_reservation(uow: UnitOfWork, command: PurchaseReservation) -> Order:
    reservation = await _held(uow, command.reservation_id)
    # Bought tickets count towards the opportunity the reservation counted towards.
    lines = tuple(
        replace(t, opportunity_id=reservation.opportunity_id) for t in reservation.tickets
    )
    order, _ = await record_order(
        uow,
        RecordOrder(
            reservation.customer_id,
            command.channel,
            lines,
            expected_total=command.expected_total,
        ),
    )
    reservation.recorded_status, reservation.order_id = ReservationStatus.PURCHASED, order.id
    await uow.reservations.save(reservation)
    assert reservation.id is not None
    uow.record(
        ReservationEnded(
            reservation.customer_id, reservation.id, "PURCHASED", reservation.opportunity_id
        )
    )
    return order


async def release_reservation(uow: UnitOfWork, reservation_id: int) -> Reservation:
    reservation = await _held(uow, reservation_id)
    reservation.recorded_status = ReservationStatus.RELEASED
    await uow.reservations.save(reservation)
    assert reservation.id is not None
    uow.record(
        ReservationEnded(
            reservation.customer_id, reservation.id, "RELEASED", reservation.opportunity_id
        )
    )
    return reservation
