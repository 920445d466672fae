"""The `foyer` command as an operator scripts it, and `foyer serve --demo` on a bare folder."""

from __future__ import annotations

import os
import re
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
from tests.conftest import Api, postgres_database

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


def demo_key(output: str) -> str:
    return re.search(r"API key:\s+(fyk_\S+)", output).group(1)  # type: ignore[union-attr]


def test_serve_demo_on_a_bare_folder_loads_the_demo_once_with_one_stable_key(
    tmp_path: Path,
) -> None:
    first = serve_demo_once(tmp_path)
    second = serve_demo_once(tmp_path)

    assert "created: organisation foyer-demo-theatre" in first
    assert "already loaded" in second
    assert "demo@foyer.example" in first
    assert demo_key(second) == demo_key(first)
    assert "new:" not in second
    with sqlite3.connect(tmp_path / "foyer.db") as db:
        counts = db.execute("select count(*), count(distinct reference) from customer").fetchone()
        live_keys = db.execute("select count(*) from api_key where revoked_at is null").fetchone()
    assert counts == (300, 300)
    assert live_keys == (1,)


def test_the_demo_holds_a_season_to_explore(tmp_path: Path) -> None:
    serve_demo_once(tmp_path)

    with sqlite3.connect(tmp_path / "foyer.db") as db:

        def one(sql: str) -> int:
            return int(db.execute(sql).fetchone()[0])

        assert one("select count(distinct partner_company_id) from event") == 3
        assert one("select count(*) from event_instance where starts_at > datetime('now')") > 10
        assert one("select count(*) from fund") == 3
        assert one("select count(*) from membership_scheme") == 2
        assert (
            one(
                "select count(*) from campaign where parent_id in (select id from campaign "
                "where parent_id is not null)"
            )
            == 1
        )
        assert one("select count(distinct stage_id) from opportunity") >= 4
        assert one("select count(*) from instalment_payment") > 0
        assert one("select count(*) from activity") > 0
        assert one("select count(distinct reply) from invitation") == 3
        assert one("select count(*) from customer_order") > 2000
        assert one("select count(*) from membership") > 0
        assert one("select count(distinct source) from consent_entry") >= 5
        assert one("select count(*) from consent_entry where state = 'WITHDRAWN'") > 0
        assert one("select count(distinct wording_version) from consent_entry") == 2
        assert (
            one(
                "select count(distinct preference_id) from consent_entry where preference_id in "
                "(select id from contact_preference where partner_company_id is not null)"
            )
            == 3
        )
        assert one("select count(distinct colour) from pop_up_note") == 2
        assert one("select count(distinct customer_id) from pop_up_note") >= 20
        assert one("select count(*) from segment where shared") == 5
        assert one("select count(*) from customer_list_member") > 0
        assert one("select count(*) from mailing") == 2
        assert one("select count(*) from mailing_run") == 1


def test_a_revoked_demo_key_is_replaced_and_the_reason_said(tmp_path: Path) -> None:
    first = demo_key(serve_demo_once(tmp_path))
    revoked = foyer(None, "apikey", "revoke", "--org", "foyer-demo-theatre", first, cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr

    again = serve_demo_once(tmp_path)

    assert demo_key(again) != first
    assert "was revoked on" in again


def assert_one_line_error(run: subprocess.CompletedProcess[str], *words: str) -> None:
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_the_readme_administration_commands_work_in_a_new_folder(tmp_path: Path) -> None:
    created = foyer(None, "org", "create", "Riverside Playhouse", "--currency", "GBP", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    slug = created.stdout.strip()
    user = foyer(
        None,
        *("user", "create", "--org", slug, "--email", "ada@example.org", "--roles", "SALES"),
        "--password-stdin",
        stdin="a long enough password\n",
        cwd=tmp_path,
    )
    key = foyer(None, "apikey", "create", "--org", slug, "--roles", "SALES", cwd=tmp_path)
    listed = foyer(None, "apikey", "list", "--org", slug, cwd=tmp_path)

    assert user.returncode == 0, user.stderr
    assert key.returncode == 0 and key.stdout.startswith("fyk_"), key.stderr
    assert key.stdout.strip()[:10] in listed.stdout


def test_an_admin_command_on_an_unmigrated_server_database_says_what_to_run() -> None:
    with postgres_database() as url:
        run = foyer(Settings(database_url=url), "org", "create", "Riverside Playhouse")
    assert_one_line_error(run, "foyer migrate")


def test_an_unreachable_database_is_one_line_not_a_traceback() -> None:
    unreachable = Settings(database_url=f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    run = foyer(unreachable, "apikey", "list", "--org", "anything")
    assert_one_line_error(run, "could not be reached")


def test_a_busy_port_is_said_at_once_and_leaves_no_database_behind(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        run = foyer(None, "serve", "--demo", "--port", port, cwd=tmp_path)
    assert_one_line_error(run, f"port {port}", "--port")
    assert not (tmp_path / "foyer.db").exists()


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
