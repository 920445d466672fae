"""The customer's own preferences page, behind a signed expiring link, over plain HTTP."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from infra.auth.links import LinkSigner, link_secret
from infra.clock import utc_now
from tests.conftest import Api
from tests.e2e.consent_fixtures import CONSENTS, answer, email_preference, save_preference
from tests.e2e.sales_fixtures import person
from tests.e2e.test_returns_reservations_visits import pk
from tests.integration.jobs import tenant_id

CREATE_LINK = """
mutation($id: ID!) { createPreferenceLink(customerId: $id) { url expiresAt errors { code field } } }
"""


async def link_for(api: Api, customer: str) -> str:
    payload = (await api.data(CREATE_LINK, {"id": customer}))["createPreferenceLink"]
    assert payload["errors"] == []
    path = payload["url"].split("://", 1)[1]
    return path[path.index("/") :]


def form_of(html: str) -> dict[str, str]:
    """The hidden fields of the page's form, as a browser would send them."""
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]+)"', html))


async def states(api: Api, customer: str) -> list[tuple[str, str, str | None]]:
    consents = (await api.data(CONSENTS, {"id": customer}))["node"]["consents"]
    return [
        (c["preference"]["name"], c["state"], c["latest"] and c["latest"]["source"])
        for c in consents
    ]


async def two_preferences(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    email = await email_preference(api)
    post = await save_preference(
        api, name="Post", kind="POST", statement="Send me the season brochure <by post>."
    )
    return email, post


async def test_a_customer_reads_their_preferences_in_the_organisations_words_and_changes_them(
    api: Api,
) -> None:
    email, post = await two_preferences(api)
    customer = await person(api, "Ada")
    await answer(api, customer, (email, True), source="BOX_OFFICE")
    path = await link_for(api, customer)

    page = await api.client.get(path)
    assert page.status_code == 200
    assert "Email me about what is on." in page.text
    assert "Send me the season brochure &lt;by post&gt;." in page.text
    assert "<script" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    form = form_of(page.text) | {f"p{pk(email['id'])}": "no", f"p{pk(post['id'])}": "yes"}
    saved = await api.client.post(path, data=form)
    assert saved.status_code == 303
    assert "Your choices were saved." in (await api.client.get(saved.headers["location"])).text
    assert await states(api, customer) == [
        ("Email news", "WITHDRAWN", "CUSTOMER_ACCOUNT"),
        ("Post", "GRANTED", "CUSTOMER_ACCOUNT"),
    ]
    again = await api.client.post(path, data=form)  # the same choices: nothing new
    assert again.status_code == 303
    history = (await api.data(CONSENTS, {"id": customer}))["node"]["consentHistory"]["edges"]
    assert len(history) == 3


async def test_tampered_expired_or_unsigned_links_and_forms_are_refused_with_a_readable_page(
    api: Api,
) -> None:
    email, _ = await two_preferences(api)
    customer = await person(api, "Ada")
    path = await link_for(api, customer)
    token = path.rsplit("/", 1)[1]
    payload, mac = token.split(".")
    tampered = f"/preferences/{payload[:-2]}xx.{mac}"
    refused = await api.client.get(tampered)
    assert refused.status_code == 403 and "This link is not valid" in refused.text
    settings = api.runtime.settings
    signer = LinkSigner(link_secret(settings.link_secret.get_secret_value(), settings.files_dir))
    claims = {"t": tenant_id(api.runtime.sync_engine, api.slug), "c": pk(customer)}
    old = signer.sign("preferences", claims, utc_now() - timedelta(minutes=1))
    expired = await api.client.get(f"/preferences/{old}")
    assert expired.status_code == 410 and "This link has expired." in expired.text
    forged = LinkSigner(b"not our secret").sign(
        "preferences", claims, utc_now() + timedelta(days=1)
    )
    assert (await api.client.get(f"/preferences/{forged}")).status_code == 403
    no_token = {f"p{pk(email['id'])}": "yes", f"v{pk(email['id'])}": "1"}
    assert (await api.client.post(path, data=no_token)).status_code == 403
    page = await api.client.get(path)
    other_link = await link_for(api, await person(api, "Bo"))
    foreign_form = form_of(page.text) | no_token
    assert (await api.client.post(other_link, data=foreign_form)).status_code == 403
    assert await states(api, customer) == [
        ("Email news", "NEVER_ASKED", None),
        ("Post", "NEVER_ASKED", None),
    ]


async def test_a_form_with_odd_numbers_saves_nothing_odd_and_never_fails(api: Api) -> None:
    """Form fields are the customer's browser's, or anyone's: a digit that is not ASCII or
    a number of 5,000 digits is ignored like any other stray field, not a 500."""
    email, _ = await two_preferences(api)
    customer = await person(api, "Ada")
    path = await link_for(api, customer)
    shown = form_of((await api.client.get(path)).text)
    email_pk = pk(email["id"])

    answers = [
        await api.client.post(path, data=shown | odd)
        for odd in (
            {f"p{email_pk}": "yes", f"v{email_pk}": "\u00b2"},
            {"p\u00b2": "yes", "v\u00b2": "1"},
            {f"p{email_pk}": "yes", f"v{email_pk}": "9" * 5000},
            {"p" + "9" * 5000: "yes", "v" + "9" * 5000: "1"},
        )
    ]

    assert [a.status_code for a in answers] == [303, 303, 303, 303]
    assert (await states(api, customer))[0] == ("Email news", "NEVER_ASKED", None)


async def test_words_changed_while_the_page_was_open_save_nothing_and_say_so(api: Api) -> None:
    email, _ = await two_preferences(api)
    customer = await person(api, "Ada")
    path = await link_for(api, customer)
    form = form_of((await api.client.get(path)).text) | {f"p{pk(email['id'])}": "yes"}
    await save_preference(api, id=email["id"], name="Email", kind="EMAIL", statement="New words.")
    stale = await api.client.post(path, data=form)
    assert stale.status_code == 409
    assert "Some of the wording changed" in stale.text and "New words." in stale.text
    assert (await states(api, customer))[0] == ("Email", "NEVER_ASKED", None)


async def test_a_preference_link_is_only_for_a_customer_of_ones_own_organisation(
    api: Api, other_api: Api
) -> None:
    customer = await person(api, "Ada")
    foreign = (await other_api.data(CREATE_LINK, {"id": customer}))["createPreferenceLink"]
    assert foreign == {
        "url": None,
        "expiresAt": None,
        "errors": [{"code": "NOT_FOUND", "field": ["customerId"]}],
    }
