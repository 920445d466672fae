"""Setting up contact preferences and asking consent questions, through the API."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.e2e.sales_fixtures import save

SAVE_PREFERENCE = """
mutation($input: ContactPreferenceInput!) {
  saveContactPreference(input: $input) {
    preference { id name kind statement wordingVersion marketing askAgainMonths retired
                 partnerCompany { name } wordings { version statement } }
    errors { code message field }
  }
}"""
RECORD_CONSENTS = """
mutation($customer: ID!, $answers: [ConsentAnswerInput!]!, $source: ConsentSource!) {
  recordConsents(customerId: $customer, answers: $answers, source: $source) {
    entries { id state source wordingVersion statement recordedBy recordedByKind
              preference { name } }
    errors { code message field }
  }
}"""
QUESTIONS = """
query($customer: ID!, $instances: [ID!]!) {
  consentQuestions(customerId: $customer, eventInstanceIds: $instances) {
    reason statement wordingVersion preference { id name } partnerCompanies { name }
  }
}"""
CONSENTS = """
query($id: ID!) {
  node(id: $id) { ... on Individual {
    consents { state preference { name } latest { source wordingVersion statement order { id } } }
    consentHistory(first: 50) { edges { node { state source preference { name } } } }
  } }
}"""
SET_MODE = """
mutation($mode: PartnerMode!) { setPartnerMode(mode: $mode) { mode errors { code message } } }
"""


async def save_preference(api: Api, **values: Any) -> dict[str, Any]:
    payload = (await api.data(SAVE_PREFERENCE, {"input": values}))["saveContactPreference"]
    assert payload["errors"] == [], payload["errors"]
    return payload["preference"]  # type: ignore[no-any-return]


async def email_preference(api: Api) -> dict[str, Any]:
    return await save_preference(
        api, name="Email news", kind="EMAIL", statement="Email me about what is on."
    )


async def answer(
    api: Api, customer: str, *answers: tuple[dict[str, Any], bool], source: str = "WEB"
) -> dict[str, Any]:
    given = [
        {"preferenceId": p["id"], "granted": granted, "wordingVersion": p["wordingVersion"]}
        for p, granted in answers
    ]
    data = await api.data(
        RECORD_CONSENTS, {"customer": customer, "answers": given, "source": source}
    )
    return data["recordConsents"]  # type: ignore[no-any-return]


async def set_mode(api: Api, mode: str) -> None:
    payload = (await api.data(SET_MODE, {"mode": mode}))["setPartnerMode"]
    assert payload == {"mode": mode, "errors": []}


async def partner_with_instance(api: Api, name: str) -> tuple[str, str]:
    """A partner company with one event and one instance of it: (company id, instance id)."""
    company = await save(
        api, "savePartnerCompany", "PartnerCompanyInput", "partnerCompany", {"name": name}
    )
    event = await save(
        api,
        "saveEvent",
        "EventInput",
        "event",
        {"name": f"{name} show", "partnerCompanyId": company},
    )
    instance = await save(
        api,
        "saveEventInstance",
        "EventInstanceInput",
        "eventInstance",
        {"eventId": event, "startsAt": "2027-03-01T19:30:00+00:00"},
    )
    return company, instance


async def plain_instance(api: Api) -> str:
    """An instance of the organisation's own event, with no partner company."""
    event = await save(api, "saveEvent", "EventInput", "event", {"name": "Own show"})
    return await save(
        api,
        "saveEventInstance",
        "EventInstanceInput",
        "eventInstance",
        {"eventId": event, "startsAt": "2027-04-01T19:30:00+00:00"},
    )


async def questions(api: Api, customer: str, *instances: str) -> list[tuple[str, list[str]]]:
    data = await api.data(QUESTIONS, {"customer": customer, "instances": list(instances)})
    return [
        (q["preference"]["name"], [c["name"] for c in q["partnerCompanies"]])
        for q in data["consentQuestions"]
    ]
