"""Mailings through the API: templates tried in the sandbox when saved (a refusal is a
VALIDATION error on its field, and nothing is written), the preference rule, a preview for
one customer, typed errors for bad input, every id checked against the caller's
organisation, and INSIGHTS on every path."""

from __future__ import annotations

from typing import Any

import pytest

from domain.roles import Role
from domain.segments.criteria import TagCriterion, to_json
from infra.clock import utc_now
from infra.db import insights_tables as i
from resolvers.global_ids import to_global_id
from tests.conftest import Api
from tests.e2e.consent_fixtures import email_preference, save_preference
from tests.e2e.test_consent import RETIRE
from tests.e2e.test_customers import create_individual
from tests.integration.jobs import tenant_id
from tests.integration.mailing_fixtures import CANCEL, CREATE, EDIT, HTML, SEND, freeze_list

PREVIEW = """query($m: ID!, $c: ID!) { previewMailing(mailingId: $m, customerId: $c) {
  to subject html text } }"""
LIST = "{ mailings(first: 10) { edges { node { id name } } } }"
ONE = "query($id: ID!) { mailing(id: $id) { name } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
PACE = """mutation($n: Int) { saveMailSettings(messagesPerSecond: $n) {
  messagesPerSecond errors { code field } } }"""

ESCAPES = {
    "Python internals": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "a function's globals": "{{ cycler.__init__.__globals__.os }}",
    "a loop without bound": "{% for i in range(10**9) %}x{% endfor %}",
    "nested loops": "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in "
    "range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
    "reading a file with include": "{% include '/etc/passwd' %}",
    "reading a file with import": "{% import '/etc/passwd' as f %}",
    "opening a file": "{{ open('/etc/passwd').read() }}",
    "a huge value": "{{ 'x' * 10**9 }}",
    "an unknown name": "Dear {{ frist_name }}",
    "a syntax error": "{% if %}",
}


def mailing_input(preference: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "name": "Autumn",
        "subject": "Hello {{ first_name }}",
        "htmlBody": HTML,
        "preferenceId": preference["id"],
    } | more


async def create(api: Api, values: dict[str, Any]) -> dict[str, Any]:
    return (await api.data(CREATE, {"i": values}))["createMailing"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("template", ESCAPES.values(), ids=ESCAPES.keys())
async def test_a_template_the_sandbox_refuses_is_a_validation_error_on_its_field(
    api: Api, template: str
) -> None:
    preference = await email_preference(api)

    as_html = await create(api, mailing_input(preference, htmlBody=template))
    as_text = await create(api, mailing_input(preference, textBody=template))
    as_subject = await create(api, mailing_input(preference, subject=template))

    for payload, field in ((as_html, "htmlBody"), (as_text, "textBody"), (as_subject, "subject")):
        assert payload["mailing"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", [field])]
        assert "Not a valid template" in payload["errors"][0]["message"]
    assert (await api.data(LIST))["mailings"]["edges"] == []


async def test_every_refused_field_is_named_at_once_and_blank_ones_too(api: Api) -> None:
    preference = await email_preference(api)

    bad = await create(
        api, mailing_input(preference, name=" ", subject="{{", htmlBody="{{ x.__class__ }}")
    )

    assert sorted(e["field"][0] for e in bad["errors"]) == ["name"]  # words first
    worse = await create(api, mailing_input(preference, subject="{{", htmlBody="{% for %}"))
    assert sorted(e["field"][0] for e in worse["errors"]) == ["htmlBody", "subject"]


async def test_a_mailing_goes_under_an_email_or_topic_preference_of_its_organisation(
    api: Api, other_api: Api
) -> None:
    phone = await save_preference(api, name="Calls", kind="PHONE", statement="Call me.")
    topic = await save_preference(api, name="Family", kind="TOPIC", statement="Family shows.")
    retired = await email_preference(api)
    assert (await api.data(RETIRE, {"id": retired["id"]}))["retireContactPreference"][
        "errors"
    ] == []
    theirs = await email_preference(other_api)

    refused = {
        name: (await create(api, mailing_input(p)))["errors"]
        for name, p in (("phone", phone), ("retired", retired), ("theirs", theirs))
    }
    kept = await create(api, mailing_input(topic))

    assert [(e["code"], e["field"]) for e in refused["phone"]] == [("VALIDATION", ["preferenceId"])]
    assert [(e["code"], e["field"]) for e in refused["retired"]] == [("CONFLICT", ["preferenceId"])]
    assert [(e["code"], e["field"]) for e in refused["theirs"]] == [("NOT_FOUND", ["preferenceId"])]
    assert kept["errors"] == []


async def test_a_preview_renders_for_one_customer_with_their_values_escaped_in_html(
    api: Api,
) -> None:
    preference = await email_preference(api)
    customer = await create_individual(
        api, firstName="<b>Ada</b>", lastName="Lovelace", emails=[{"address": "ada@example.org"}]
    )
    mailing = (await create(api, mailing_input(preference)))["mailing"]["id"]

    shown = (await api.data(PREVIEW, {"m": mailing, "c": customer["id"]}))["previewMailing"]

    assert shown["subject"] == "Hello <b>Ada</b>"
    assert "Dear &lt;b&gt;Ada&lt;/b&gt; Lovelace" in shown["html"]
    assert "Dear <b>Ada</b> Lovelace" in shown["text"] and "Unsubscribe:" in shown["text"]
    assert shown["to"] == "<b>Ada</b> Lovelace <ada@example.org>"
    assert "As a friend" in shown["text"]


async def test_a_subject_renders_as_one_line_in_the_preview_as_it_is_sent(api: Api) -> None:
    """A template can write line breaks; the header it becomes cannot hold them, so the
    preview shows the one line the customer gets, with no header of its own after it."""
    preference = await email_preference(api)
    customer = await create_individual(api, firstName="Ada", emails=[{"address": "a@x.org"}])
    subject = 'Hi{{ "\\r\\nBcc: all@example.org" }}  {{ first_name }}'
    mailing = (await create(api, mailing_input(preference, subject=subject)))["mailing"]["id"]

    shown = (await api.data(PREVIEW, {"m": mailing, "c": customer["id"]}))["previewMailing"]

    assert shown["subject"] == "Hi Bcc: all@example.org Ada"


async def test_every_id_is_checked_against_the_callers_organisation(
    api: Api, other_api: Api
) -> None:
    preference = await email_preference(api)
    mailing = (await create(api, mailing_input(preference)))["mailing"]["id"]
    customer = (await create_individual(api, firstName="Ada"))["id"]
    their_preference = await email_preference(other_api)
    their_mailing = (await create(other_api, mailing_input(their_preference)))["mailing"]["id"]
    their_customer = (await create_individual(other_api, firstName="Bo"))["id"]
    engine = api.runtime.sync_engine
    their_list = freeze_list(engine, tenant_id(engine, other_api.slug), [])
    our_list = to_global_id("CustomerList", freeze_list(engine, tenant_id(engine, api.slug), []))

    async def errors(query: str, variables: dict[str, Any], name: str) -> list[Any]:
        return [(e["code"], e["field"]) for e in (await api.data(query, variables))[name]["errors"]]

    assert (await api.data(ONE, {"id": their_mailing}))["mailing"] is None
    assert (await api.data(NODE, {"id": their_mailing}))["node"] is None
    assert await errors(
        EDIT, {"id": their_mailing, "i": mailing_input(preference)}, "editMailing"
    ) == [("NOT_FOUND", ["id"])]
    assert await errors(SEND, {"m": their_mailing, "l": our_list}, "sendMailing") == [
        ("NOT_FOUND", ["mailingId"])
    ]
    assert await errors(
        SEND, {"m": mailing, "l": to_global_id("CustomerList", their_list)}, "sendMailing"
    ) == [("NOT_FOUND", ["listId"])]
    assert await errors(
        SEND, {"m": mailing, "s": to_global_id("Segment", 10**12)}, "sendMailing"
    ) == [("NOT_FOUND", ["segmentId"])]
    assert await errors(SEND, {"m": mailing}, "sendMailing") == [("VALIDATION", ["segmentId"])]
    assert await errors(
        SEND, {"m": mailing, "l": our_list, "s": to_global_id("Segment", 1)}, "sendMailing"
    ) == [("VALIDATION", ["segmentId"])]
    assert await errors(SEND, {"m": customer, "l": our_list}, "sendMailing") == [
        ("NOT_FOUND", ["mailingId"])
    ]
    assert await errors(CANCEL, {"m": their_mailing}, "cancelMailing") == [
        ("NOT_FOUND", ["mailingId"])
    ]
    for m, c in ((their_mailing, customer), (mailing, their_customer)):
        result = await api.call(PREVIEW, {"m": m, "c": c})
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await api.data(LIST))["mailings"]["edges"] == [
        {"node": {"id": mailing, "name": "Autumn"}}
    ]


async def test_mailings_need_insights_on_every_path(api: Api) -> None:
    preference = await email_preference(api)
    mailing = (await create(api, mailing_input(preference)))["mailing"]["id"]
    customer = (await create_individual(api, firstName="Ada"))["id"]
    sales = await api.key_with(Role.SALES, Role.OPPORTUNITIES, Role.SETTINGS_ADMIN)
    insights = await api.key_with(Role.INSIGHTS)

    calls = [
        (ONE, {"id": mailing}),
        (LIST, {}),
        (NODE, {"id": mailing}),
        (PREVIEW, {"m": mailing, "c": customer}),
        (CREATE, {"i": mailing_input(preference)}),
        (EDIT, {"id": mailing, "i": mailing_input(preference)}),
        (SEND, {"m": mailing, "l": to_global_id("CustomerList", 1)}),
        (CANCEL, {"m": mailing}),
        (PACE, {"n": 10}),
    ]
    for query, variables in calls:
        result = await api.call(query, variables, key=sales)
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", query
    paced = await api.call(PACE, {"n": 10}, key=insights)
    assert paced["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert (await api.data(ONE, {"id": mailing}, key=insights))["mailing"] == {"name": "Autumn"}


async def test_the_pace_is_between_one_and_ten_thousand_a_second_or_none(api: Api) -> None:
    for wrong in (0, -5, 10_001):
        saved = (await api.data(PACE, {"n": wrong}))["saveMailSettings"]
        assert saved == {
            "messagesPerSecond": None,
            "errors": [{"code": "VALIDATION", "field": ["messagesPerSecond"]}],
        }
    assert (await api.data(PACE, {"n": 50}))["saveMailSettings"]["messagesPerSecond"] == 50
    assert (await api.data("{ mailMessagesPerSecond }"))["mailMessagesPerSecond"] == 50
    assert (await api.data(PACE, {"n": None}))["saveMailSettings"]["errors"] == []
    assert (await api.data("{ mailMessagesPerSecond }"))["mailMessagesPerSecond"] is None


async def test_a_segment_of_someone_else_not_shared_cannot_be_mailed(api: Api) -> None:
    preference = await email_preference(api)
    mailing = (await create(api, mailing_input(preference)))["mailing"]["id"]
    engine, now = api.runtime.sync_engine, utc_now()
    with engine.begin() as db:
        private = db.execute(
            i.segment.insert()
            .values(
                tenant_id=tenant_id(engine, api.slug),
                name="Mine",
                description="",
                criteria=to_json(TagCriterion("Friends")),
                owner_kind="USER",
                owner_id=10**9,
                owner="a colleague",
                shared=False,
                created_at=now,
                updated_at=now,
            )
            .returning(i.segment.c.id)
        ).scalar_one()

    # An insights admin sees every segment (they decide what is shared); a marketer does not.
    marketer = await api.key_with(Role.INSIGHTS)
    refused = await api.data(SEND, {"m": mailing, "s": to_global_id("Segment", private)}, marketer)

    assert [(e["code"], e["field"]) for e in refused["sendMailing"]["errors"]] == [
        ("NOT_FOUND", ["segmentId"])
    ]
