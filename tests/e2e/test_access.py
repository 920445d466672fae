"""Who may call: staff sessions, API keys, roles, and protected attributes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from domain.roles import Role
from infra.auth.accounts import create_user, revoke_api_key
from infra.auth.secrets import digest
from infra.clock import utc_now
from infra.db import tables as t
from tests.conftest import Api
from tests.e2e.fundraising_fixtures import refusals
from tests.e2e.test_customers import CREATE_INDIVIDUAL, create_individual, search

PASSWORD = "correct horse battery"

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token expiresAt errors { code message field } }
}"""

VIEWER = "{ viewer { kind name roles organisation { slug } } }"

ATTRIBUTES = """
query($id: ID!) { customer(id: $id) { attributes { key value protected } } }"""

UPDATE_ATTRIBUTES = """
mutation($id: ID!, $attributes: [AttributeInput!]) {
  updateIndividual(input: {customerId: $id, attributes: $attributes}) {
    individual { attributes { key value protected } }
    errors { code message field }
  }
}"""

SECRET = {"key": "wealth", "value": "Lottery winner", "protected": True}
SHOE_SIZE = {"key": "shoe size", "value": "9", "protected": False}


async def staff_user(api: Api, *roles: Role) -> str:
    """A new staff user of `api`'s organisation; returns their email."""
    email = f"staff-{uuid.uuid4().hex[:8]}@example.org"
    await create_user(api.runtime.engine, api.slug, email, PASSWORD, frozenset(roles))
    return email


async def log_in(api: Api, email: str, password: str = PASSWORD) -> dict[str, Any]:
    return (await api.data(LOGIN, {"email": email, "password": password}, key=""))["login"]  # type: ignore[no-any-return]


async def session(api: Api, *roles: Role) -> str:
    payload = await log_in(api, await staff_user(api, *roles))
    assert payload["errors"] == [], payload["errors"]
    return payload["token"]  # type: ignore[no-any-return]


async def refusal(api: Api, key: str) -> dict[str, Any]:
    """The single GraphQL error of asking for `viewer` with `key`."""
    result = await api.call(VIEWER, key=key)
    assert result["data"] is None
    [error] = result["errors"]
    return error  # type: ignore[no-any-return]


async def test_a_staff_user_logs_in_and_is_the_viewer_with_implied_roles(api: Api) -> None:
    email = await staff_user(api, Role.OPPORTUNITIES_ADMIN, Role.SALES)
    payload = await log_in(api, email.upper())
    assert payload["errors"] == []
    assert payload["token"] and payload["expiresAt"]
    viewer = (await api.data(VIEWER, key=payload["token"]))["viewer"]
    assert viewer == {
        "kind": "USER",
        "name": email,
        "roles": ["OPPORTUNITIES", "OPPORTUNITIES_ADMIN", "SALES"],
        "organisation": {"slug": api.slug},
    }


async def test_a_wrong_password_and_an_unknown_email_look_the_same(api: Api) -> None:
    email = await staff_user(api, Role.SALES)
    wrong_password = await log_in(api, email, "not the password")
    unknown_email = await log_in(api, f"nobody-{uuid.uuid4().hex[:8]}@example.org")
    assert wrong_password == unknown_email
    assert wrong_password["token"] is None
    assert [e["code"] for e in wrong_password["errors"]] == ["INVALID_CREDENTIALS"]


async def test_logging_out_revokes_the_token(api: Api) -> None:
    token = await session(api, Role.SALES)
    data = await api.data("mutation { logout { loggedOut errors { code } } }", key=token)
    assert data["logout"] == {"loggedOut": True, "errors": []}
    error = await refusal(api, token)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "revoked" in error["message"]


async def test_an_api_key_cannot_log_out_and_keeps_working(api: Api) -> None:
    data = await api.data("mutation { logout { loggedOut errors { code message } } }")
    assert data["logout"]["loggedOut"] is False
    assert [e["code"] for e in data["logout"]["errors"]] == ["VALIDATION"]
    assert (await api.data(VIEWER))["viewer"]["kind"] == "API_KEY"


async def test_an_expired_session_is_refused(api: Api) -> None:
    token = await session(api, Role.SALES)
    # Expired in the database before its first use: a process that has already seen it
    # remembers its end too (infra/auth/caller_cache.py), but not an edit behind its back.
    with api.runtime.sync_engine.begin() as db:
        db.execute(
            update(t.staff_session)
            .where(t.staff_session.c.token_hash == digest(token))
            .values(expires_at=utc_now() - timedelta(minutes=1))
        )
    error = await refusal(api, token)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in error["message"]


async def test_a_revoked_api_key_is_refused(api: Api) -> None:
    key = await api.key_with(Role.SALES)
    assert (await api.data(VIEWER, key=key))["viewer"]["kind"] == "API_KEY"
    await revoke_api_key(api.runtime.engine, api.slug, key)
    error = await refusal(api, key)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await api.data(VIEWER))["viewer"]["kind"] == "API_KEY"  # other keys still work


async def test_missing_malformed_or_unknown_credentials_are_refused_clearly(api: Api) -> None:
    missing = await refusal(api, "")
    assert missing["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer" in missing["message"]
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Token fyk_abc"):
        response = await api.client.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": header}
        )
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHENTICATED", header
        assert "Bearer <token>" in error["message"], header
    for unknown in ("fyk_" + "x" * 43, "fys_" + "x" * 43, "garbage"):
        error = await refusal(api, unknown)
        assert error["extensions"]["code"] == "UNAUTHENTICATED", unknown
        assert "unknown" in error["message"], unknown


async def test_a_key_without_roles_reads_the_viewer_but_cannot_create(api: Api) -> None:
    no_roles = await api.key_with()
    viewer = (await api.data(VIEWER, key=no_roles))["viewer"]
    assert viewer["roles"] == []
    result = await api.call(CREATE_INDIVIDUAL, {"input": {"lastName": "Nobody"}}, key=no_roles)
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert await search(api, None) == []


async def test_protected_attributes_are_blank_without_the_protected_data_role(api: Api) -> None:
    person = await create_individual(api, attributes=[SECRET, SHOE_SIZE])
    sales = await api.key_with(Role.SALES)
    seen = (await api.data(ATTRIBUTES, {"id": person["id"]}, key=sales))["customer"]
    assert sorted(seen["attributes"], key=lambda a: a["key"]) == [
        {"key": "shoe size", "value": "9", "protected": False},
        {"key": "wealth", "value": None, "protected": True},
    ]
    everything = (await api.data(ATTRIBUTES, {"id": person["id"]}))["customer"]
    assert SECRET in everything["attributes"]


async def test_only_protected_data_holders_set_protected_attributes(api: Api) -> None:
    sales = await api.key_with(Role.SALES)
    created = await api.call(
        CREATE_INDIVIDUAL, {"input": {"lastName": "Nosy", "attributes": [SECRET]}}, key=sales
    )
    assert refusals(created) == [("PERMISSION_DENIED", ["attributes"])]
    assert await search(api, "nosy") == []
    person = await create_individual(api, attributes=[SHOE_SIZE])
    updated = await api.call(
        UPDATE_ATTRIBUTES, {"id": person["id"], "attributes": [SECRET]}, key=sales
    )
    assert refusals(updated) == [("PERMISSION_DENIED", ["attributes"])]
    stored = (await api.data(ATTRIBUTES, {"id": person["id"]}))["customer"]["attributes"]
    assert stored == [SHOE_SIZE]


async def test_changing_attributes_without_protected_data_keeps_the_protected_ones(
    api: Api,
) -> None:
    person = await create_individual(api, attributes=[SECRET, SHOE_SIZE])
    sales = await api.key_with(Role.SALES)
    changed = {**SHOE_SIZE, "value": "10"}
    updated = await api.data(
        UPDATE_ATTRIBUTES, {"id": person["id"], "attributes": [changed]}, key=sales
    )
    assert updated["updateIndividual"]["errors"] == []
    assert {"key": "wealth", "value": None, "protected": True} in updated["updateIndividual"][
        "individual"
    ]["attributes"]
    overwrite = await api.data(
        UPDATE_ATTRIBUTES,
        {"id": person["id"], "attributes": [{**SECRET, "value": "Pauper", "protected": False}]},
        key=sales,
    )
    assert [e["code"] for e in overwrite["updateIndividual"]["errors"]] == ["VALIDATION"]
    stored = (await api.data(ATTRIBUTES, {"id": person["id"]}))["customer"]["attributes"]
    assert sorted(stored, key=lambda a: a["key"]) == [changed, SECRET]
