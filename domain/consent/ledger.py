"""The consent ledger: every answer a customer gave, as an entry that is never changed.

The current state of a customer's preference is the latest entry for it, worked out here
from the ledger and stored nowhere else, so it cannot drift from the record of who agreed,
when, to which words, and how.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.actors import ActorKind
from domain.consent.events import consent_recorded
from domain.consent.preferences import ContactPreference
from domain.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

MAX_ANSWERS = 100


class ConsentState(StrEnum):
    GRANTED = "GRANTED"
    WITHDRAWN = "WITHDRAWN"
    NEVER_ASKED = "NEVER_ASKED"


class ConsentSource(StrEnum):
    WEB = "WEB"
    BOX_OFFICE = "BOX_OFFICE"
    PHONE = "PHONE"
    IMPORT = "IMPORT"
    CUSTOMER_ACCOUNT = "CUSTOMER_ACCOUNT"
    UNSUBSCRIBE_LINK = "UNSUBSCRIBE_LINK"


@dataclass(frozen=True)
class Answer:
    """What a customer said to one preference, and the wording version they were shown."""

    preference_id: int
    granted: bool
    wording_version: int


@dataclass(frozen=True)
class ConsentEntry:
    # None once the customer was erased: the entry stays, the person's link does not.
    customer_id: int | None
    preference_id: int
    state: ConsentState
    wording_version: int
    source: ConsentSource
    recorded_by: str
    recorded_by_kind: ActorKind
    recorded_by_id: int | None
    recorded_at: datetime
    order_id: int | None = None
    id: int | None = None


def latest_answers(entries: Iterable[ConsentEntry]) -> dict[int, ConsentEntry]:
    """The latest entry per preference: the customer's current answers. Latest is the
    highest id: entries are only appended, each at the moment it is recorded."""
    latest: dict[int, ConsentEntry] = {}
    for entry in entries:
        known = latest.get(entry.preference_id)
        if known is None or (entry.id or 0) > (known.id or 0):
            latest[entry.preference_id] = entry
    return latest


async def check_answers(
    uow: UnitOfWork, answers: tuple[Answer, ...], field: tuple[str, ...] = ("answers",)
) -> dict[int, ContactPreference]:
    """The preferences the answers are to, once every answer is one that may be recorded:
    to a preference of this organisation in use, to the words it shows now."""
    if len(answers) > MAX_ANSWERS:
        raise InvalidInput.at(field, f"At most {MAX_ANSWERS} answers.")
    preferences = {p.id: p for p in await uow.consent.preferences()}
    seen: set[int] = set()
    for i, answer in enumerate(answers):
        at = (*field, str(i))
        preference = preferences.get(answer.preference_id)
        if preference is None:
            raise NotFound("Contact preference", (*at, "preferenceId"))
        if answer.preference_id in seen:
            raise Conflict("Each preference is answered once.", (*at, "preferenceId"))
        seen.add(answer.preference_id)
        if preference.retired:
            raise Conflict(f"{preference.name!r} is retired.", (*at, "preferenceId"))
        if answer.wording_version != preference.version:
            raise Conflict(
                f"The customer was shown version {answer.wording_version} of "
                f"{preference.name!r}, but version {preference.version} is current: show "
                "its words and ask again.",
                (*at, "wordingVersion"),
            )
    return {pk: p for pk, p in preferences.items() if pk is not None}


async def record_consents(
    uow: UnitOfWork,
    customer_id: int,
    answers: tuple[Answer, ...],
    source: ConsentSource,
    order_id: int | None = None,
    field: tuple[str, ...] = ("answers",),
) -> list[ConsentEntry]:
    """Append one ledger entry per answer, each with its timeline entry and notice."""
    if not answers:
        raise InvalidInput.at(field, "Give at least one answer.")
    if customer_id not in await uow.customers.kinds({customer_id}):
        raise NotFound("Customer", ("customerId",))
    if await uow.erasures.erased(customer_id):
        # The ledger keeps no link to an erased person, so none is made afresh.
        raise NotFound("Customer", ("customerId",))
    preferences = await check_answers(uow, answers, field)
    actor, now = uow.actor, uow.now()
    entries = [
        ConsentEntry(
            customer_id,
            answer.preference_id,
            ConsentState.GRANTED if answer.granted else ConsentState.WITHDRAWN,
            answer.wording_version,
            source,
            actor.label,
            actor.kind,
            actor.id,
            now,
            order_id,
        )
        for answer in answers
    ]
    stored = await uow.consent.append(entries)
    for entry in stored:
        uow.record(consent_recorded(entry, preferences[entry.preference_id].name))
    return stored
