"""The `foyer` command as an operator scripts it, and `foyer serve --demo` on a bare folder."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from infra.settings import Settings
from tests.conftest import Api

VIEWER = "{ viewer { kind roles organisation { slug } } }"


def foyer(
    settings: Settings | None, *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    if settings is not None:
        env["FOYER_DATABASE_URL"] = settings.database_url
    return subprocess.run(
        [sys.executable, "-m", "infra.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


async def test_an_operator_can_script_organisations_users_and_keys(
    api: Api, settings: Settings
) -> None:
    created = foyer(settings, "org", "create", "Riverside Playhouse", "--currency", "eur")
    assert created.returncode == 0, created.stderr
    slug = created.stdout.strip()
    assert slug.startswith("riverside-playhouse")

    user = foyer(
        settings,
        "user",
        "create",
        "--org",
        slug,
        "--email",
        f"ada@{slug}.example",
        "--roles",
        "OPPORTUNITIES_ADMIN",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert user.returncode == 0, user.stderr
    key = foyer(settings, "apikey", "create", "--org", slug, "--roles", "SALES,INSIGHTS")
    assert key.returncode == 0, key.stderr
    secret = key.stdout.strip()
    assert secret.startswith("fyk_") and "\n" not in secret

    viewer = await api.data(VIEWER, key=secret)
    assert viewer["viewer"] == {
        "kind": "API_KEY",
        "roles": ["INSIGHTS", "SALES"],
        "organisation": {"slug": slug},
    }
    login = await api.data(
        'mutation($e: String!) { login(email: $e, password: "a long enough password") '
        "{ token errors { code } } }",
        {"e": f"ada@{slug}.example"},
    )
    assert login["login"]["errors"] == []
    as_user = await api.data(VIEWER, key=login["login"]["token"])
    assert "OPPORTUNITIES" in as_user["viewer"]["roles"]

    listed = foyer(settings, "apikey", "list", "--org", slug)
    assert secret[:10] in listed.stdout and secret not in listed.stdout
    revoked = foyer(settings, "apikey", "revoke", "--org", slug, secret)
    assert revoked.returncode == 0, revoked.stderr
    refused = await api.call(VIEWER, key=secret)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_bad_input_to_the_command_is_a_clear_error(settings: Settings) -> None:
    roles = foyer(settings, "apikey", "create", "--org", "no-such-org", "--roles", "WIZARD")
    assert roles.returncode == 2 and "Unknown role 'WIZARD'" in roles.stderr
    org = foyer(settings, "apikey", "create", "--org", "no-such-org", "--roles", "SALES")
    assert org.returncode == 2 and "Organisation 'no-such-org' not found" in org.stderr
    short = foyer(
        settings,
        "user",
        "create",
        "--org",
        "no-such-org",
        "--email",
        "x@example.org",
        "--roles",
        "SALES",
        "--password-stdin",
        stdin="short\n",
    )
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    currency = foyer(settings, "org", "create", "Bad Money", "--currency", "pounds")
    assert currency.returncode == 2 and "currency" in currency.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], *args: str, cwd: Path | None = None) -> Iterator[ServeRun]:
    """`foyer serve ARGS` on a free port until it is ready; stopped on leaving. What it
    printed is in the yielded run's `output` once stopped."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.cli.main", "serve", "--port", str(port), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run = ServeRun(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{run.url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "foyer serve did not start"
            time.sleep(0.2)
        yield run
    finally:
        process.terminate()
        run.output, _ = process.communicate(timeout=30)


@dataclass
class ServeRun:
    url: str
    output: str = ""


def serve_demo_once(folder: Path) -> str:
    """Start `foyer serve --demo` in `folder`, wait until it answers, stop it; return what it
    printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    with serving(env, "--demo", cwd=folder) as run:
        pass
    return run.output


def test_serve_demo_on_a_bare_folder_loads_the_demo_once(tmp_path: Path) -> None:
    first = serve_demo_once(tmp_path)
    second = serve_demo_once(tmp_path)

    assert "created: organisation foyer-demo-theatre" in first
    assert "already loaded" in second
    assert "fyk_" in first and "demo@foyer.example" in first
    with sqlite3.connect(tmp_path / "foyer.db") as db:
        counts = db.execute("select count(*), count(distinct reference) from customer").fetchone()
        live_keys = db.execute("select count(*) from api_key where revoked_at is null").fetchone()
    assert counts == (300, 300)
    assert live_keys == (1,)


async def test_serve_runs_several_api_processes_on_rabbitmq_and_refuses_them_without(
    api: Api, settings: Settings
) -> None:
    if settings.embedded_broker:
        refused = foyer(settings, "serve", "--workers", "2")
        assert refused.returncode == 2 and "--workers needs FOYER_BROKER_URL" in refused.stderr
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    env["FOYER_DATABASE_URL"] = settings.database_url
    env["FOYER_BROKER_URL"] = settings.broker_url.get_secret_value()
    env["FOYER_QUEUE_PREFIX"] = settings.queue_prefix
    headers = {"Authorization": f"Bearer {api.key}"}
    with serving(env, "--workers", "2") as run:
        async with httpx.AsyncClient(base_url=run.url, headers=headers) as client:
            answers = [
                (await client.post("/graphql", json={"query": VIEWER})).json() for _ in range(4)
            ]
    assert {a["data"]["viewer"]["organisation"]["slug"] for a in answers} == {api.slug}
    assert run.output.count("Started server process") == 2
    # Each process logs requests its own way (schema/access_log.py), not uvicorn's.
    assert run.output.count("foyer.access POST /graphql 200 ") == 4
    assert '"POST /graphql HTTP/1.1"' not in run.output


def test_serve_logs_each_request_without_its_query_string(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    params = {
        "query": "query Probe($password: String) { __typename }",
        "variables": '{"password": "hunter2-in-the-url"}',
    }
    with serving(env, cwd=tmp_path) as run:
        assert httpx.get(f"{run.url}/graphql", params=params).status_code == 200
    assert "hunter2" not in run.output
    [line] = [line for line in run.output.splitlines() if "GET /graphql " in line]
    assert "foyer.access GET /graphql 200 " in line and "operation=Probe" in line
