"""Logging in under attack: password checks off the event loop, failed log-ins throttled."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from domain.roles import Role
from infra.auth.secrets import digest
from infra.clock import utc_now
from infra.composition import Runtime, build_app, build_runtime
from infra.db.login_tables import login_failure
from infra.settings import Settings
from tests.conftest import Api, client_address
from tests.e2e.test_access import PASSWORD, VIEWER, staff_user
from tests.e2e.test_cli import serving

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token retryAfterSeconds errors { code message field }
  }
}"""
WRONG = "not the password at all"
STRICT_EMAIL, STRICT_ADDRESS = 2, 3
WINDOW = timedelta(seconds=Settings().login_failure_window_seconds)


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Any:
    response = await client.post(
        "/graphql", json={"query": LOGIN, "variables": {"email": email, "password": password}}
    )
    return response.json()["data"]["login"]


def codes(payload: Any) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def unknown_email() -> str:
    return f"nobody-{uuid.uuid4().hex[:8]}@example.org"


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of the thread of every argon2 check made while the test runs."""
    threads: list[str] = []
    original = PasswordHasher.verify

    def verify(self: PasswordHasher, hash: str, password: str) -> bool:
        threads.append(threading.current_thread().name)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    yield threads


@pytest.fixture(scope="module")
def strict(runtime: Runtime) -> Iterator[Any]:
    """The API on the same database with lower limits, so that a test reaches them with a
    few password checks (a tenth of a second each, more on a busy machine)."""
    lower = {
        "login_failures_per_email": STRICT_EMAIL,
        "login_failures_per_address": STRICT_ADDRESS,
    }
    strict = dataclasses.replace(runtime, settings=runtime.settings.model_copy(update=lower))
    yield build_app(strict, in_process_workers=False)
    strict.passwords.close()


@asynccontextmanager
async def caller(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` calling from an address of its own."""
    transport = httpx.ASGITransport(app=app, client=(client_address(), 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://foyer.test") as client:
        yield client


@pytest.fixture
async def elsewhere(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The same API, called from another address."""
    async with caller(app) as client:
        yield client


@pytest.fixture
def open_windows_earlier(api: Api) -> Callable[[timedelta], None]:
    """Moves back the windows this test opened (tests run one at a time), as time would."""
    started = utc_now()

    def move(by: timedelta) -> None:
        c = login_failure.c
        with api.runtime.sync_engine.begin() as db:
            opened = db.execute(select(login_failure).where(c.window_started_at >= started))
            for row in opened.all():
                db.execute(
                    update(login_failure)
                    .where(c.scope == row.scope, c.subject == row.subject)
                    .values(window_started_at=row.window_started_at - by)
                )

    return move


async def test_a_login_checking_its_password_does_not_hold_up_other_requests(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = await staff_user(api, Role.SALES)
    checking, answered, seen = threading.Event(), threading.Event(), []
    original = PasswordHasher.verify

    def verify_until_answered(self: PasswordHasher, hash: str, password: str) -> bool:
        # On the event loop this waits in vain: the other request cannot be served.
        checking.set()
        seen.append(answered.wait(timeout=10))
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify_until_answered)
    login = asyncio.create_task(log_in(api.client, email, WRONG))
    await asyncio.to_thread(checking.wait, 10)
    viewer = await api.data(VIEWER)
    answered.set()
    assert codes(await login) == ["INVALID_CREDENTIALS"]
    assert viewer["viewer"]["kind"] == "API_KEY"
    assert seen == [True]


async def test_an_unknown_email_costs_one_password_check_like_a_known_one(
    api: Api, password_checks: list[str]
) -> None:
    email = await staff_user(api, Role.SALES)
    await log_in(api.client, email, WRONG)
    await log_in(api.client, unknown_email(), WRONG)
    assert len(password_checks) == 2
    assert all(name.startswith("foyer-password") for name in password_checks)


async def test_past_the_limit_for_an_email_even_the_right_password_waits_unchecked(
    api: Api,
    strict: Any,
    password_checks: list[str],
    open_windows_earlier: Callable[[timedelta], None],
) -> None:
    email = await staff_user(api, Role.SALES)
    async with caller(strict) as client:
        failed = [await log_in(client, email.upper(), WRONG) for _ in range(STRICT_EMAIL)]
        refused = await log_in(client, email, PASSWORD)
        open_windows_earlier(WINDOW - timedelta(seconds=60))
        later = await log_in(client, email, PASSWORD)
    assert [codes(p) for p in failed] == [["INVALID_CREDENTIALS"]] * STRICT_EMAIL
    assert [p["retryAfterSeconds"] for p in failed] == [None] * STRICT_EMAIL
    assert codes(refused) == ["RATE_LIMITED"] and refused["token"] is None
    assert 0 < refused["retryAfterSeconds"] <= WINDOW.total_seconds()
    assert "try again in" in refused["errors"][0]["message"]
    assert codes(later) == ["RATE_LIMITED"] and 0 < later["retryAfterSeconds"] <= 60
    assert len(password_checks) == STRICT_EMAIL  # the refused attempts checked none


async def test_the_right_password_logs_in_once_the_window_has_passed(
    api: Api, strict: Any, open_windows_earlier: Callable[[timedelta], None]
) -> None:
    email = await staff_user(api, Role.SALES)
    async with caller(strict) as client:
        for _ in range(STRICT_EMAIL):
            await log_in(client, email, WRONG)
        open_windows_earlier(WINDOW)
        payload = await log_in(client, email)
    assert payload["errors"] == [] and payload["token"]


async def test_a_successful_login_clears_the_failures_of_its_email(api: Api, strict: Any) -> None:
    email = await staff_user(api, Role.SALES)
    async with caller(strict) as client:
        before = await log_in(client, email, WRONG)
        success = await log_in(client, email)
        after = [await log_in(client, email, WRONG) for _ in range(STRICT_EMAIL)]
    assert codes(before) == ["INVALID_CREDENTIALS"] and success["errors"] == []
    assert [codes(p) for p in after] == [["INVALID_CREDENTIALS"]] * STRICT_EMAIL


async def test_failures_from_one_address_refuse_every_email_from_it_but_not_elsewhere(
    api: Api, strict: Any
) -> None:
    email = await staff_user(api, Role.SALES)
    async with caller(strict) as one, caller(strict) as two:
        guesses = [await log_in(one, unknown_email(), WRONG) for _ in range(STRICT_ADDRESS)]
        refused = await log_in(one, email)
        from_elsewhere = await log_in(two, email)
    assert [codes(p) for p in guesses] == [["INVALID_CREDENTIALS"]] * STRICT_ADDRESS
    assert codes(refused) == ["RATE_LIMITED"]
    assert from_elsewhere["errors"] == [] and from_elsewhere["token"]


async def test_guesses_sent_at_once_get_only_five_password_checks(
    api: Api, elsewhere: httpx.AsyncClient, password_checks: list[str]
) -> None:
    email = await staff_user(api, Role.SALES)
    clients = [api.client, elsewhere] * 6
    answers = await asyncio.gather(*(log_in(client, email, WRONG) for client in clients))
    assert (
        sorted(code for p in answers for code in codes(p))
        == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 7
    )
    assert len(password_checks) == 5


async def test_failures_counted_by_one_api_process_refuse_on_another(
    api: Api, strict: Any, settings: Settings
) -> None:
    email = await staff_user(api, Role.SALES)
    # Its own engines, as another process would have, and the same limits as `strict`.
    other = build_runtime(settings.model_copy(update={"login_failures_per_email": STRICT_EMAIL}))
    try:
        async with caller(strict) as first, caller(build_app(other, False)) as second:
            for _ in range(STRICT_EMAIL):
                await log_in(first, email, WRONG)
            refused = await log_in(second, email)
    finally:
        await other.close()
    assert codes(refused) == ["RATE_LIMITED"]


async def test_counts_whose_window_has_closed_are_deleted(
    api: Api, open_windows_earlier: Callable[[timedelta], None]
) -> None:
    email = await staff_user(api, Role.SALES)
    await log_in(api.client, email, WRONG)
    subject = digest(email)
    open_windows_earlier(WINDOW)
    await log_in(api.client, unknown_email(), WRONG)  # opens a window: prunes closed ones
    with api.runtime.sync_engine.connect() as db:
        left = db.execute(
            select(func.count()).where(login_failure.c.subject == subject)
        ).scalar_one()
        closed = db.execute(
            select(func.count()).where(login_failure.c.window_started_at <= utc_now() - WINDOW)
        ).scalar_one()
    assert left == 0 and closed == 0


def address_counts(url: str, trusted_proxies: str | None) -> list[list[str]]:
    """With one failure allowed per address, the codes of three log-ins to `foyer serve`
    from this machine claiming to forward for 203.0.113.1, .2 and .1 again."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    env |= {"FOYER_DATABASE_URL": url, "FOYER_LOGIN_FAILURES_PER_ADDRESS": "1"}
    if trusted_proxies is not None:
        env["FOYER_TRUSTED_PROXIES"] = trusted_proxies
    with serving(env) as run:
        return [
            codes(
                httpx.post(
                    f"{run.url}/graphql",
                    json={
                        "query": LOGIN,
                        "variables": {"email": unknown_email(), "password": WRONG},
                    },
                    headers={"X-Forwarded-For": f"203.0.113.{last}"},
                    timeout=30,
                ).json()["data"]["login"]
            )
            for last in (1, 2, 1)
        ]


def test_x_forwarded_for_names_the_client_only_from_trusted_proxies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'foyer.db'}"
    ignored = address_counts(url, None)
    trusted = address_counts(url, "127.0.0.1")
    assert ignored == [["INVALID_CREDENTIALS"], ["RATE_LIMITED"], ["RATE_LIMITED"]]
    assert trusted == [["INVALID_CREDENTIALS"], ["INVALID_CREDENTIALS"], ["RATE_LIMITED"]]
