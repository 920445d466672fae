"""The consent question rules: what a purchase path asks, from the ledger alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.actors import ActorKind
from domain.consent.ledger import ConsentEntry, ConsentSource, ConsentState, latest_answers
from domain.consent.preferences import ContactPreference, PartnerMode, PreferenceKind
from domain.consent.questions import QuestionReason, add_months, consent_questions

NOW = datetime(2027, 6, 15, 12, tzinfo=UTC)
EMAIL = ContactPreference("Email", PreferenceKind.EMAIL, "Email me news.", id=1)
GENERAL_PARTNERS = ContactPreference(
    "Partners", PreferenceKind.PARTNER, "Share my details with the companies I book for.", id=2
)
KNEEHIGH = ContactPreference(
    "Kneehigh", PreferenceKind.PARTNER, "Share with Kneehigh.", partner_company_id=10, id=3
)
COMPLICITE = ContactPreference(
    "Complicite", PreferenceKind.PARTNER, "Share with Complicite.", partner_company_id=11, id=4
)
PREFERENCES = [EMAIL, GENERAL_PARTNERS, KNEEHIGH, COMPLICITE]


def answer(
    preference: ContactPreference,
    state: ConsentState,
    at: datetime = NOW,
    pk: int = 1,
) -> ConsentEntry:
    assert preference.id is not None
    return ConsentEntry(
        7, preference.id, state, 1, ConsentSource.WEB, "key", ActorKind.API_KEY, 1, at, id=pk
    )


def asked(
    mode: PartnerMode,
    partners: set[int],
    *entries: ConsentEntry,
    preferences: list[Any] = PREFERENCES,
) -> list[tuple[str, tuple[int, ...]]]:
    found = consent_questions(preferences, mode, partners, latest_answers(entries), NOW)
    return [(q.preference.name, q.partner_company_ids) for q in found]


def test_a_customer_never_asked_gets_general_preferences_and_no_partner_question_alone() -> None:
    assert asked(PartnerMode.PER_PARTNER, set()) == [("Email", ())]
    assert asked(PartnerMode.GENERAL, set()) == [("Email", ())]


def test_an_answered_preference_is_not_asked_again_whatever_the_answer() -> None:
    assert asked(PartnerMode.GENERAL, set(), answer(EMAIL, ConsentState.GRANTED)) == []
    assert asked(PartnerMode.GENERAL, set(), answer(EMAIL, ConsentState.WITHDRAWN)) == []


def test_three_partner_companies_in_a_basket_give_one_question_each_in_per_partner_mode() -> None:
    other = ContactPreference(
        "Told by the Idiot", PreferenceKind.PARTNER, "Share.", partner_company_id=12, id=5
    )
    found = asked(
        PartnerMode.PER_PARTNER,
        {10, 11, 12},
        answer(EMAIL, ConsentState.GRANTED),
        preferences=[*PREFERENCES, other],
    )
    assert found == [("Kneehigh", (10,)), ("Complicite", (11,)), ("Told by the Idiot", (12,))]


def test_general_mode_asks_the_general_partner_question_once_for_every_partner_in_the_basket() -> (
    None
):
    found = asked(PartnerMode.GENERAL, {10, 11}, answer(EMAIL, ConsentState.GRANTED))
    assert found == [("Partners", (10, 11))]


def test_an_answered_partner_is_not_asked_again_but_a_new_partner_in_the_basket_is() -> None:
    found = asked(
        PartnerMode.PER_PARTNER,
        {10, 11},
        answer(EMAIL, ConsentState.GRANTED, pk=1),
        answer(KNEEHIGH, ConsentState.WITHDRAWN, pk=2),
    )
    assert found == [("Complicite", (11,))]


def test_partners_not_in_the_basket_are_never_asked() -> None:
    found = asked(PartnerMode.PER_PARTNER, {11}, answer(EMAIL, ConsentState.GRANTED))
    assert found == [("Complicite", (11,))]


def test_switching_mode_asks_the_other_modes_question_and_keeps_earlier_answers_out_of_it() -> None:
    answered_general = answer(GENERAL_PARTNERS, ConsentState.GRANTED, pk=2)
    email = answer(EMAIL, ConsentState.GRANTED, pk=1)
    assert asked(PartnerMode.GENERAL, {10}, email, answered_general) == []
    assert asked(PartnerMode.PER_PARTNER, {10}, email, answered_general) == [("Kneehigh", (10,))]
    answered_kneehigh = answer(KNEEHIGH, ConsentState.GRANTED, pk=3)
    assert asked(PartnerMode.GENERAL, {10}, email, answered_kneehigh) == [("Partners", (10,))]


def test_a_partner_company_without_its_own_preference_asks_nothing_in_per_partner_mode() -> None:
    assert asked(PartnerMode.PER_PARTNER, {99}, answer(EMAIL, ConsentState.GRANTED)) == []


def test_retired_preferences_are_not_asked() -> None:
    retired = ContactPreference("Post", PreferenceKind.POST, "Post.", retired=True, id=9)
    assert asked(PartnerMode.GENERAL, set(), preferences=[retired]) == []


def test_the_latest_answer_decides_and_later_entries_win_over_earlier_ones() -> None:
    earlier = answer(KNEEHIGH, ConsentState.GRANTED, datetime(2026, 1, 1, tzinfo=UTC), pk=1)
    later = answer(KNEEHIGH, ConsentState.WITHDRAWN, datetime(2026, 2, 1, tzinfo=UTC), pk=2)
    assert latest_answers([later, earlier])[3].state is ConsentState.WITHDRAWN


def test_ask_again_re_asks_a_consent_granted_that_many_months_ago_but_never_a_withdrawal() -> None:
    refreshed = ContactPreference(
        "Email", PreferenceKind.EMAIL, "Email me.", ask_again_months=24, id=1
    )
    old = datetime(2025, 6, 15, 12, tzinfo=UTC)
    recent = datetime(2025, 6, 16, 12, tzinfo=UTC)
    found = consent_questions(
        [refreshed],
        PartnerMode.GENERAL,
        set(),
        latest_answers([answer(refreshed, ConsentState.GRANTED, old)]),
        NOW,
    )
    assert [q.reason for q in found] == [QuestionReason.ASK_AGAIN]
    for state, at in ((ConsentState.GRANTED, recent), (ConsentState.WITHDRAWN, old)):
        entries = latest_answers([answer(refreshed, state, at)])
        assert consent_questions([refreshed], PartnerMode.GENERAL, set(), entries, NOW) == []


def test_ask_again_is_off_by_default() -> None:
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    entries = latest_answers([answer(EMAIL, ConsentState.GRANTED, long_ago)])
    assert consent_questions([EMAIL], PartnerMode.GENERAL, set(), entries, NOW) == []


def test_months_are_added_on_the_calendar_keeping_the_day_where_the_month_has_it() -> None:
    assert add_months(datetime(2027, 1, 31, tzinfo=UTC), 1) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 11, 5, tzinfo=UTC), 14) == datetime(2029, 1, 5, tzinfo=UTC)
