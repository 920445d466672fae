"""A customer's own preferences page: what it shows and what a submitted form records.

It shows every preference in use, and any other the customer currently grants (one of the
partner mode no longer chosen) so they can always withdraw what they gave. A submitted form
records only what changed, each answer to the words the page showed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from domain.actors import Actor, ActorKind
from domain.consent.ledger import (
    Answer,
    ConsentEntry,
    ConsentSource,
    ConsentState,
    record_consents,
)
from domain.consent.preferences import ContactPreference, PartnerMode

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

PAGE_LABEL = "The customer, on their preferences page"
UNSUBSCRIBE_LABEL = "The customer, through an unsubscribe link"


def customer_actor(tenant_id: int, customer_id: int, label: str = PAGE_LABEL) -> Actor:
    return Actor(ActorKind.CUSTOMER, customer_id, label, tenant_id, frozenset())


def shown_preferences(
    preferences: Sequence[ContactPreference],
    mode: PartnerMode,
    latest: Mapping[int, ConsentEntry],
) -> list[ContactPreference]:
    def granted(p: ContactPreference) -> bool:
        entry = latest.get(p.id or 0)
        return entry is not None and entry.state is ConsentState.GRANTED

    return [p for p in preferences if p.in_use(mode) or (not p.retired and granted(p))]


def changed_answers(
    shown: Sequence[ContactPreference],
    latest: Mapping[int, ConsentEntry],
    chosen: Mapping[int, tuple[bool, int]],
) -> tuple[Answer, ...]:
    """`chosen`: preference id → (granted, the version the page showed), as submitted."""
    answers = []
    for preference in shown:
        assert preference.id is not None
        if preference.id not in chosen:
            continue
        granted, version = chosen[preference.id]
        entry = latest.get(preference.id)
        now = ConsentState.GRANTED if granted else ConsentState.WITHDRAWN
        if entry is None or entry.state is not now:
            answers.append(Answer(preference.id, granted, version))
    return tuple(answers)


async def page_preferences(
    uow: UnitOfWork, customer_id: int
) -> tuple[list[ContactPreference], dict[int, ConsentEntry]]:
    latest = await uow.consent.latest(customer_id)
    shown = shown_preferences(
        await uow.consent.preferences(), await uow.consent.partner_mode(), latest
    )
    return shown, latest


async def save_page(
    uow: UnitOfWork, customer_id: int, chosen: Mapping[int, tuple[bool, int]]
) -> list[ConsentEntry]:
    shown, latest = await page_preferences(uow, customer_id)
    answers = changed_answers(shown, latest, chosen)
    if not answers:
        return []
    return await record_consents(uow, customer_id, answers, ConsentSource.CUSTOMER_ACCOUNT)


async def unsubscribe(uow: UnitOfWork, customer_id: int, preference_id: int) -> bool:
    """Withdraw the preference a mailing was sent under, from its unsubscribe link; False
    (and nothing written) when the customer does not grant it now, so a second click, or a
    mail scanner's, changes nothing. A retired preference sends nothing any more: there is
    nothing to withdraw."""
    preference = await uow.consent.preference(preference_id)
    entry = (await uow.consent.latest(customer_id)).get(preference_id)
    if preference is None or preference.retired:
        return False
    if entry is None or entry.state is not ConsentState.GRANTED:
        return False
    answer = Answer(preference_id, False, preference.version)
    await record_consents(uow, customer_id, (answer,), ConsentSource.UNSUBSCRIBE_LINK)
    return True
