"""Contact preferences, consent questions and answers through the API, on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select

from domain.roles import Role
from infra.db import consent_tables as c
from infra.db import tables as t
from tests.conftest import Api, StatementCounter
from tests.e2e.consent_fixtures import (
    CONSENTS,
    RECORD_CONSENTS,
    SAVE_PREFERENCE,
    answer,
    email_preference,
    partner_with_instance,
    plain_instance,
    questions,
    save_preference,
    set_mode,
)
from tests.e2e.sales_fixtures import catalogue, person, record, ticket
from tests.integration.jobs import tenant_id

ASKED = """query($c: ID!, $i: [ID!]!) { consentQuestions(customerId: $c, eventInstanceIds: $i) {
  reason statement wordingVersion preference { name } } }"""
RETIRE = """
mutation($id: ID!) { retireContactPreference(preferenceId: $id) {
  preference { retired } errors { code message field } } }"""


async def bad_preference(api: Api, **values: Any) -> list[dict[str, Any]]:
    data = await api.data(SAVE_PREFERENCE, {"input": values})
    assert data["saveContactPreference"]["preference"] is None
    return data["saveContactPreference"]["errors"]  # type: ignore[no-any-return]


def ledger_count(api: Api) -> int:
    with api.runtime.sync_engine.connect() as db:
        return db.execute(
            select(func.count())
            .select_from(c.consent_entry)
            .where(c.consent_entry.c.tenant_id == tenant_id(api.runtime.sync_engine, api.slug))
        ).scalar_one()


async def test_changing_a_statement_makes_a_new_wording_version_and_keeps_the_old_words(
    api: Api,
) -> None:
    first = await email_preference(api)
    assert (first["wordingVersion"], first["marketing"]) == (1, True)
    renamed = await save_preference(
        api, id=first["id"], name="Email", kind="EMAIL", statement="Email me about what is on."
    )
    assert renamed["wordingVersion"] == 1
    changed = await save_preference(
        api, id=first["id"], name="Email", kind="EMAIL", statement="Email me news and offers."
    )
    assert changed["wordingVersion"] == 2
    assert [w["statement"] for w in changed["wordings"]] == [
        "Email me about what is on.",
        "Email me news and offers.",
    ]


async def test_preferences_refuse_bad_input_and_write_nothing(api: Api, other_api: Api) -> None:
    assert [
        e["field"] for e in await bad_preference(api, name=" ", kind="EMAIL", statement="")
    ] == [
        ["name"],
        ["statement"],
    ]
    months = await bad_preference(api, name="E", kind="EMAIL", statement="S", askAgainMonths=0)
    assert months[0]["field"] == ["askAgainMonths"]
    theirs, _ = await partner_with_instance(other_api, "Theirs")
    foreign = await bad_preference(
        api, name="P", kind="PARTNER", statement="S", partnerCompanyId=theirs
    )
    assert foreign[0]["code"] == "NOT_FOUND"
    ours, _ = await partner_with_instance(api, "Ours")
    wrong_kind = await bad_preference(
        api, name="P", kind="EMAIL", statement="S", partnerCompanyId=ours
    )
    assert wrong_kind[0]["field"] == ["partnerCompanyId"]
    await save_preference(api, name="Partners", kind="PARTNER", statement="Share.")
    twice = await bad_preference(api, name="Again", kind="PARTNER", statement="Share too.")
    assert twice[0]["code"] == "CONFLICT"
    data = await api.data("{ contactPreferences { name } }")
    assert data["contactPreferences"] == [{"name": "Partners"}]
    mine = await email_preference(api)
    other = await other_api.data(SAVE_PREFERENCE, {"input": {**_same(mine), "id": mine["id"]}})
    assert other["saveContactPreference"]["errors"][0]["code"] == "NOT_FOUND"


def _same(preference: dict[str, Any]) -> dict[str, Any]:
    return {"name": preference["name"], "kind": preference["kind"], "statement": "New words."}


async def test_only_settings_admins_manage_preferences(api: Api) -> None:
    sales = await api.key_with(Role.SALES)
    result = await api.call(
        SAVE_PREFERENCE, {"input": {"name": "E", "kind": "EMAIL", "statement": "S"}}, key=sales
    )
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_a_preference_with_answers_is_retired_never_deleted_and_its_answers_stay(
    api: Api,
) -> None:
    preference = await email_preference(api)
    customer = await person(api, "Ada")
    assert (await answer(api, customer, (preference, True)))["errors"] == []
    retired = (await api.data(RETIRE, {"id": preference["id"]}))["retireContactPreference"]
    assert retired == {"preference": {"retired": True}, "errors": []}
    assert (await api.data("{ contactPreferences { name } }"))["contactPreferences"] == []
    data = await api.data("{ contactPreferences(includeRetired: true) { name } }")
    assert data["contactPreferences"] == [{"name": "Email news"}]
    consents = (await api.data(CONSENTS, {"id": customer}))["node"]["consents"]
    assert [(x["state"], x["preference"]["name"]) for x in consents] == [("GRANTED", "Email news")]
    late = await answer(api, customer, (preference, False))
    assert late["errors"][0]["code"] == "CONFLICT"


async def test_retiring_refuses_another_organisations_preference_and_a_second_retirement(
    api: Api, other_api: Api
) -> None:
    preference = await email_preference(api)
    foreign = (await other_api.data(RETIRE, {"id": preference["id"]}))["retireContactPreference"]
    assert foreign["errors"] == [
        {"code": "NOT_FOUND", "message": "Contact preference not found.", "field": ["preferenceId"]}
    ]
    assert (await api.data(RETIRE, {"id": preference["id"]}))["retireContactPreference"][
        "errors"
    ] == []
    again = (await api.data(RETIRE, {"id": preference["id"]}))["retireContactPreference"]
    assert again["errors"][0]["code"] == "CONFLICT"
    changed = await api.data(
        SAVE_PREFERENCE, {"input": {**_same(preference), "id": preference["id"]}}
    )
    assert changed["saveContactPreference"]["errors"][0]["code"] == "CONFLICT"


async def test_an_answer_writes_the_ledger_the_timeline_and_a_notice_in_one_go(api: Api) -> None:
    preference = await email_preference(api)
    customer = await person(api, "Ada")
    recorded = await answer(api, customer, (preference, True), source="PHONE")
    assert recorded["errors"] == []
    [entry] = recorded["entries"]
    assert (entry["state"], entry["source"], entry["statement"]) == (
        "GRANTED",
        "PHONE",
        "Email me about what is on.",
    )
    assert entry["recordedBy"].startswith("test (all roles)")
    assert entry["recordedByKind"] == "API_KEY"
    await answer(api, customer, (preference, False), source="WEB")
    data = (await api.data(CONSENTS, {"id": customer}))["node"]
    assert [(x["state"], x["latest"]["source"]) for x in data["consents"]] == [("WITHDRAWN", "WEB")]
    history = [e["node"]["state"] for e in data["consentHistory"]["edges"]]
    assert history == ["WITHDRAWN", "GRANTED"]
    timeline = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Individual { timeline(types: "
        "[CONSENT_GRANTED, CONSENT_WITHDRAWN]) { edges { node { type summary } } } } } }",
        {"id": customer},
    )
    summaries = [e["node"]["summary"] for e in timeline["node"]["timeline"]["edges"]]
    assert summaries == [
        "Withdrew from 'Email news' on the website.",
        "Agreed to 'Email news' by phone.",
    ]
    with api.runtime.sync_engine.connect() as db:
        topics = db.execute(
            select(t.outbox_message.c.task).where(
                t.outbox_message.c.tenant_id == tenant_id(api.runtime.sync_engine, api.slug),
                t.outbox_message.c.task == "consent.recorded",
            )
        ).all()
    assert len(topics) == 2


async def test_an_answer_to_words_no_longer_current_is_refused_and_nothing_is_written(
    api: Api, other_api: Api
) -> None:
    preference = await email_preference(api)
    customer = await person(api, "Ada")
    await save_preference(
        api, id=preference["id"], name="Email", kind="EMAIL", statement="New words."
    )
    stale = await answer(api, customer, (preference, True))
    assert stale["errors"][0]["code"] == "CONFLICT"
    assert stale["errors"][0]["field"] == ["answers", "0", "wordingVersion"]
    theirs = await email_preference(other_api)
    foreign = await answer(
        api, customer, ({**preference, "wordingVersion": 2}, True), (theirs, True)
    )
    assert foreign["errors"][0] == {
        "code": "NOT_FOUND",
        "message": "Contact preference not found.",
        "field": ["answers", "1", "preferenceId"],
    }
    their_customer = await answer(other_api, customer, (theirs, True))
    assert their_customer["errors"][0]["code"] == "NOT_FOUND"
    empty = await api.data(RECORD_CONSENTS, {"customer": customer, "answers": [], "source": "WEB"})
    assert empty["recordConsents"]["errors"][0]["field"] == ["answers"]
    assert ledger_count(api) == 0
    assert ledger_count(other_api) == 0


async def test_consent_questions_ask_each_partner_in_the_basket_once_whichever_channel_answered(
    api: Api,
) -> None:
    email = await email_preference(api)
    await set_mode(api, "PER_PARTNER")
    kneehigh, kneehigh_show = await partner_with_instance(api, "Kneehigh")
    complicite, complicite_show = await partner_with_instance(api, "Complicite")
    _, unasked_show = await partner_with_instance(api, "No preference")
    own_show = await plain_instance(api)
    kneehigh_preference = await save_preference(
        api,
        name="Kneehigh",
        kind="PARTNER",
        statement="Share with Kneehigh.",
        partnerCompanyId=kneehigh,
        marketing=True,
    )
    await save_preference(
        api,
        name="Complicite",
        kind="PARTNER",
        statement="Share with Complicite.",
        partnerCompanyId=complicite,
    )
    customer = await person(api, "Ada")
    basket = (kneehigh_show, complicite_show, kneehigh_show, unasked_show, own_show)
    assert await questions(api, customer, *basket) == [
        ("Email news", []),
        ("Kneehigh", ["Kneehigh"]),
        ("Complicite", ["Complicite"]),
    ]
    assert (await answer(api, customer, (email, True), (kneehigh_preference, False)))[
        "errors"
    ] == []
    assert await questions(api, customer, *basket) == [("Complicite", ["Complicite"])]
    assert await questions(api, customer, kneehigh_show) == []
    await set_mode(api, "GENERAL")
    general = await save_preference(api, name="Partners", kind="PARTNER", statement="Share.")
    assert await questions(api, customer, *basket) == [
        ("Partners", ["Kneehigh", "Complicite", "No preference"])
    ]
    assert await questions(api, customer, own_show) == []
    await answer(api, customer, (general, True))
    consents = (await api.data(CONSENTS, {"id": customer}))["node"]["consents"]
    assert [(x["preference"]["name"], x["state"]) for x in consents] == [
        ("Email news", "GRANTED"),
        ("Kneehigh", "WITHDRAWN"),
        ("Partners", "GRANTED"),
    ]


async def test_consent_questions_cost_one_statement_on_the_requests_own_connection(
    api: Api, statements: StatementCounter
) -> None:
    await set_mode(api, "PER_PARTNER")
    shows = []
    for name in ("Kneehigh", "Complicite"):
        company, show = await partner_with_instance(api, name)
        await save_preference(
            api, name=name, kind="PARTNER", statement="Share.", partnerCompanyId=company
        )
        shows.append(show)
    email = await email_preference(api)
    customer = await person(api, "Ada")
    await answer(api, customer, (email, True))
    checkouts: list[object] = []

    def checked_out(*_: object) -> None:
        checkouts.append(None)

    pool = api.runtime.engine.sync_engine.pool
    event.listen(pool, "checkout", checked_out)
    try:
        await api.data("{ viewer { name } }")  # the caller is known
        statements.count, checkouts[:] = 0, []
        asked = await api.data(ASKED, {"c": customer, "i": [*shows, shows[0]]})
    finally:
        event.remove(pool, "checkout", checked_out)
    assert [q["preference"]["name"] for q in asked["consentQuestions"]] == [
        "Kneehigh",
        "Complicite",
    ]
    # The caller's check rides with the snapshot's BEGIN; the rules' inputs are one more.
    assert (statements.count, len(checkouts)) == (1, 1)


async def test_consent_questions_refuse_another_organisations_ids(api: Api, other_api: Api) -> None:
    _, theirs = await partner_with_instance(other_api, "Theirs")
    customer = await person(api, "Ada")
    result = await api.call(
        "query($c: ID!, $i: [ID!]!) { consentQuestions(customerId: $c, eventInstanceIds: $i) "
        "{ reason } }",
        {"c": customer, "i": [theirs]},
    )
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "eventInstanceIds.0" in result["errors"][0]["message"]
    result = await other_api.call(
        "query($c: ID!) { consentQuestions(customerId: $c, eventInstanceIds: []) { reason } }",
        {"c": customer},
    )
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def _given(preference: dict[str, Any], granted: bool = True) -> dict[str, Any]:
    return {
        "preferenceId": preference["id"],
        "granted": granted,
        "wordingVersion": preference["wordingVersion"],
    }


async def test_answers_sent_with_an_order_are_recorded_with_it_and_roll_back_with_it(
    api: Api,
) -> None:
    preference = await email_preference(api)
    cat = await catalogue(api)
    customer = await person(api, "Ada")
    failed = await record(
        api,
        customer,
        [ticket(cat), {**ticket(cat), "priceBand": ""}],
        consents=[_given(preference)],
    )
    assert failed["order"] is None and failed["errors"]
    stale = await record(
        api, customer, [ticket(cat)], consents=[{**_given(preference), "wordingVersion": 7}]
    )
    assert stale["order"] is None
    assert stale["errors"][0]["field"] == ["consents", "0", "wordingVersion"]
    integration = await record(
        api, customer, [ticket(cat)], consents=[_given(preference)], channel="INTEGRATION"
    )
    assert integration["errors"][0]["field"] == ["consentSource"]
    assert ledger_count(api) == 0
    recorded = await record(api, customer, [ticket(cat)], consents=[_given(preference)])
    assert recorded["errors"] == []
    [consent] = (await api.data(CONSENTS, {"id": customer}))["node"]["consents"]
    assert consent["latest"]["source"] == "BOX_OFFICE"
    assert consent["latest"]["order"] == {"id": recorded["order"]["id"]}
    assert ledger_count(api) == 1


CONSENT_PAGE = """
query($first: Int!) { customers(first: $first) { edges { node {
  consents { state preference { name partnerCompany { name } } latest { statement source } }
} } } }"""


async def test_a_page_of_customers_consents_costs_the_same_statements_whatever_its_size(
    api: Api, statements: StatementCounter
) -> None:
    email = await email_preference(api)
    people = [await person(api, f"P{n}") for n in range(6)]
    for customer in people:
        await answer(api, customer, (email, True))

    costs = {}
    for first in (2, 6):
        statements.count = 0
        data = await api.data(CONSENT_PAGE, {"first": first})
        assert len(data["customers"]["edges"]) == first
        costs[first] = statements.count
    # the caller, the page, the preferences, the partner mode, the customers' latest
    # answers, the wordings shown
    assert costs == {2: 5, 6: 5}
