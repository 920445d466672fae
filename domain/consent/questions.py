"""Which consent questions to ask now, in any purchase path.

Asked: every preference in use that this customer never answered, except partner ones; for
partner companies, only those behind the basket's event instances — one question per
company in PER_PARTNER mode, the general partner question once in GENERAL mode. An answered
preference is not asked again, whichever channel asked it and whatever the answer; the
customer changes it through their preferences. The one exception is a preference set to be
asked again: a consent GRANTED that many months ago is asked afresh, as the ICO recommends
refreshing consent. A withdrawal is never re-asked.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.consent.ledger import ConsentEntry, ConsentState
from domain.consent.preferences import ContactPreference, PartnerMode
from domain.errors import InvalidInput, NotFound


class QuestionReason(StrEnum):
    NEVER_ASKED = "NEVER_ASKED"
    ASK_AGAIN = "ASK_AGAIN"


@dataclass(frozen=True)
class Question:
    preference: ContactPreference
    reason: QuestionReason
    # The basket's partner companies the question is asked for (empty for general ones).
    partner_company_ids: tuple[int, ...] = ()


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _reason(
    preference: ContactPreference, latest: ConsentEntry | None, now: datetime
) -> QuestionReason | None:
    if latest is None:
        return QuestionReason.NEVER_ASKED
    months = preference.ask_again_months
    if (
        months is not None
        and latest.state is ConsentState.GRANTED
        and add_months(latest.recorded_at, months) <= now
    ):
        return QuestionReason.ASK_AGAIN
    return None


def consent_questions(
    preferences: Sequence[ContactPreference],
    mode: PartnerMode,
    basket_partner_ids: Collection[int],
    latest: Mapping[int, ConsentEntry],
    now: datetime,
) -> list[Question]:
    """`latest`: the customer's latest ledger entry per preference id."""
    in_use = [p for p in preferences if p.in_use(mode) and p.id is not None]
    partners = sorted(set(basket_partner_ids))
    questions: list[Question] = []
    for preference in in_use:
        if preference.is_partner:
            if mode is PartnerMode.GENERAL:
                asked_for = tuple(partners)
            else:
                asked_for = tuple(p for p in partners if p == preference.partner_company_id)
            if not asked_for:
                continue
        else:
            asked_for = ()
        assert preference.id is not None
        reason = _reason(preference, latest.get(preference.id), now)
        if reason is not None:
            questions.append(Question(preference, reason, asked_for))
    return questions


MAX_BASKET = 200


@dataclass(frozen=True)
class Asking:
    """What the questions depend on, read at one moment (one statement on the request's
    snapshot): whether the customer is on record, the organisation's preferences and
    partner mode, the partner company behind each of the basket's instances that exists,
    and the customer's latest ledger entry per preference id."""

    customer_found: bool
    preferences: Sequence[ContactPreference]
    mode: PartnerMode
    instance_partners: Mapping[int, int | None]
    latest: Mapping[int, ConsentEntry]


def check_basket(instance_ids: Sequence[int]) -> None:
    """Refused before anything is read: a basket bigger than any sale."""
    if len(instance_ids) > MAX_BASKET:
        raise InvalidInput.at(("eventInstanceIds",), f"At most {MAX_BASKET} instances.")


def questions_for(asking: Asking, instance_ids: Sequence[int], now: datetime) -> list[Question]:
    """The questions to ask this customer now, for a basket of these event instances."""
    if not asking.customer_found:
        raise NotFound("Customer", ("customerId",))
    for i, pk in enumerate(instance_ids):
        if pk not in asking.instance_partners:
            raise NotFound("Event instance", ("eventInstanceIds", str(i)))
    partners = {p for p in asking.instance_partners.values() if p is not None}
    return consent_questions(asking.preferences, asking.mode, partners, asking.latest, now)
