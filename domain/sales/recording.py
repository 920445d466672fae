"""Recording an order: every rule checked before anything is written.

An order sent again with the same external reference is the same order: the first one is
returned and nothing new is recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.calendar import check_day
from domain.consent.ledger import ConsentSource, check_answers, record_consents
from domain.customers.customer import CustomerKind
from domain.errors import Conflict, InvalidInput, NotFound, ProblemCollector, ReferenceReused
from domain.money import check_amount, check_currency
from domain.sales.commands import ItemLine, RecordOrder
from domain.sales.events import OrderRecorded
from domain.sales.memberships import Membership, next_term
from domain.sales.orders import Channel, ItemKind, Order, OrderItem, format_order_reference
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

MAX_ITEMS = 200
MAX_SOFT_CREDITS = 20
# Where answers given with an order came from, unless the order says.
SOURCE_OF_CHANNEL = {
    Channel.BOX_OFFICE: ConsentSource.BOX_OFFICE,
    Channel.WEB: ConsentSource.WEB,
    Channel.PHONE: ConsentSource.PHONE,
}


async def record_order(uow: UnitOfWork, command: RecordOrder) -> tuple[Order, bool]:
    """The order and whether it was recorded now (False: it had been, under its reference)."""
    problems = ProblemCollector()
    reference = clean_text(problems, ("externalReference",), command.external_reference, limit=100)
    problems.raise_if_any()
    if reference is not None:
        existing = await uow.orders.with_external_reference(reference)
        if existing is not None:
            return replayed(existing, command), False
    order = await validate_order(uow, command, reference)
    order.fingerprint = command.fingerprint() if reference is not None else None
    await uow.orders.add(
        order, f"Recorded through {order.channel.value.lower()}, {len(order.items)} items."
    )
    assert order.id is not None
    order.reference = format_order_reference(order.id)
    await _start_memberships(uow, order, command.items)
    if command.consents:
        await record_consents(
            uow, order.owner_id, command.consents, _consent_source(command), order.id, ("consents",)
        )
    uow.record(OrderRecorded(order))
    return order, True


def replayed(existing: Order, command: RecordOrder) -> Order:
    """The order first recorded under the command's external reference, when the command is
    the same request again; otherwise the reuse is refused. Orders recorded before requests
    were fingerprinted have none and are replayed as before."""
    if existing.fingerprint not in (None, command.fingerprint()):
        assert existing.external_reference is not None
        raise ReferenceReused(existing.external_reference, existing.reference)
    return existing


async def validate_order(uow: UnitOfWork, command: RecordOrder, reference: str | None) -> Order:
    """The order `command` describes, once every rule holds; nothing is written."""
    currency = await uow.currency()
    problems = ProblemCollector()
    check_currency(problems, ("currency",), command.currency, currency)
    if not command.items:
        problems.add(("items",), "An order needs at least one item.")
    if len(command.items) > MAX_ITEMS:
        problems.add(("items",), f"At most {MAX_ITEMS} items.")
    items = [_item(problems, ("items", str(i)), line) for i, line in enumerate(command.items)]
    attributes = _attributes(problems, command.attributes)
    if command.ordered_at is not None:
        check_day(problems, ("orderedAt",), command.ordered_at.date())
    order = Order(
        command.owner_id,
        command.channel,
        currency,
        items,
        command.facilitator_id,
        command.booked_for_id,
        list(command.soft_credit_ids),
        attributes,
        reference,
        command.ordered_at,
    )
    if (
        command.expected_total is not None
        and not problems.problems
        and command.expected_total != order.total.amount
    ):
        problems.add(
            ("total",), f"The items add up to {order.total.amount}, not {command.expected_total}."
        )
    problems.raise_if_any()
    await _check_references(uow, command)
    if command.consents:
        _consent_source(command)
        await check_answers(uow, command.consents, ("consents",))
    return order


def _consent_source(command: RecordOrder) -> ConsentSource:
    source = command.consent_source or SOURCE_OF_CHANNEL.get(command.channel)
    if source is None:
        raise InvalidInput.at(
            ("consentSource",), "Say where the answers came from: the channel does not."
        )
    return source


def _item(problems: ProblemCollector, field: tuple[str, ...], line: ItemLine) -> OrderItem:
    check_amount(problems, (*field, "price"), line.price, positive=line.kind is ItemKind.DONATION)
    check_amount(problems, (*field, "commission"), line.commission)
    required = {
        ItemKind.TICKET: ("instanceId", line.instance_id),
        ItemKind.DONATION: ("fundId", line.fund_id),
        ItemKind.MEMBERSHIP: ("schemeId", line.scheme_id),
    }.get(line.kind)
    if required is not None and required[1] is None:
        problems.add((*field, required[0]), f"A {line.kind.value.lower()} item needs one.")
    if line.kind is ItemKind.TICKET and not (line.price_band or "").strip():
        problems.add((*field, "priceBand"), "A ticket needs a price band.")
    if line.commission and line.kind is not ItemKind.TICKET:
        problems.add((*field, "commission"), "Only tickets carry commission.")
    return OrderItem(
        line.kind,
        line.price,
        line.commission,
        clean_text(problems, (*field, "description"), line.description),
        line.instance_id,
        clean_text(problems, (*field, "priceBand"), line.price_band, limit=60),
        line.fund_id,
        line.scheme_id,
        opportunity_id=line.opportunity_id,
    )


def _attributes(problems: ProblemCollector, pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for i, (key, value) in enumerate(pairs):
        cleaned = clean_text(problems, ("attributes", str(i), "key"), key, required=True, limit=60)
        text = (
            clean_text(problems, ("attributes", str(i), "value"), value, limit=2000, multiline=True)
            or ""
        )
        if cleaned in attributes:
            problems.add(("attributes", str(i), "key"), f"{cleaned!r} is given twice.")
        elif cleaned:
            attributes[cleaned] = text
    return attributes


async def _check_references(uow: UnitOfWork, command: RecordOrder) -> None:
    """Every id must name a row of this organisation; reported on the field that holds it.
    One look-up for every row the order names, of whatever kind."""
    named = {command.owner_id, *command.soft_credit_ids}
    named |= {pk for pk in (command.facilitator_id, command.booked_for_id) if pk is not None}
    lines = command.items
    references = (
        ("instanceId", "Event instance", [x.instance_id for x in lines]),
        ("fundId", "Fund", [x.fund_id for x in lines]),
        ("schemeId", "Membership scheme", [x.scheme_id for x in lines]),
    )
    instances, funds, schemes = ({pk for pk in ids if pk is not None} for *_, ids in references)
    found = await uow.orders.named(named, instances, funds, schemes)
    kinds = found.customer_kinds

    def check(pk: int | None, field: str, kind: CustomerKind | None = None) -> None:
        if pk is not None and (pk not in kinds or kind not in (None, kinds[pk])):
            raise NotFound("Organisation" if kind else "Customer", (field,))

    check(command.owner_id, "ownerId")
    check(command.facilitator_id, "facilitatorId")
    check(command.booked_for_id, "bookedForId", CustomerKind.ORGANISATION)
    if (
        len(set(command.soft_credit_ids)) != len(command.soft_credit_ids)
        or command.owner_id in command.soft_credit_ids
    ):
        raise Conflict(
            "Soft credits name each customer once, and never the owner.", ("softCreditIds",)
        )
    if len(command.soft_credit_ids) > MAX_SOFT_CREDITS:
        raise Conflict(f"At most {MAX_SOFT_CREDITS} soft credits.", ("softCreditIds",))
    for credited in command.soft_credit_ids:
        check(credited, "softCreditIds")
    existing = (found.instance_ids, found.fund_ids, found.scheme_ids)
    for i in range(len(lines)):
        for (field, what, ids), there in zip(references, existing, strict=True):
            if ids[i] is not None and ids[i] not in there:
                raise NotFound(what, ("items", str(i), field))


async def _start_memberships(uow: UnitOfWork, order: Order, lines: tuple[ItemLine, ...]) -> None:
    for item, line in zip(order.items, lines, strict=True):
        if item.kind is not ItemKind.MEMBERSHIP or item.scheme_id is None:
            continue
        scheme = await uow.membership_schemes.get(item.scheme_id)
        assert scheme is not None
        if line.auto_renew and not scheme.auto_renew_allowed:
            raise InvalidInput.at(
                ("items", str(order.items.index(item)), "autoRenew"),
                f"{scheme.name} does not allow automatic renewal.",
            )
        latest = await uow.memberships.latest(order.owner_id, item.scheme_id)
        starts_on, ends_on = next_term(scheme, latest, uow.today())
        await uow.memberships.add(
            Membership(order.owner_id, item.scheme_id, starts_on, ends_on, line.auto_renew, item.id)
        )
