"""`foyer`: run the API, workers and relay; migrate; administer organisations, users and
API keys; generate demo data; export the schema. Scriptable: secrets go to stdout alone,
messages to stderr."""

from __future__ import annotations

import asyncio
import getpass
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from domain.errors import AccessRefused, UserFacingError
from domain.roles import parse_roles
from infra.settings import Settings

app = typer.Typer(
    help="Foyer: the audience and fundraising CRM for arts organisations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
org_app = typer.Typer(help="Organisations using Foyer.", no_args_is_help=True)
user_app = typer.Typer(help="Staff users.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for integrations.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema file.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(apikey_app, name="apikey")
app.add_typer(schema_app, name="schema")
timeline_app = typer.Typer(help="Customers' timelines.", no_args_is_help=True)
app.add_typer(timeline_app, name="timeline")
figures_app = typer.Typer(help="Per-customer figures that segments read.", no_args_is_help=True)
app.add_typer(figures_app, name="figures")
# Errors are one line each however narrow the terminal: scripts grep them.
err = Console(stderr=True, soft_wrap=True)

Org = Annotated[str, typer.Option("--org", help="The organisation's slug.")]
Roles = Annotated[str, typer.Option("--roles", help="Comma-separated roles, e.g. SALES,INSIGHTS.")]


def _logging() -> None:
    from infra.logs import configure_logging

    configure_logging()


def _report(error: UserFacingError) -> None:
    for problem in error.problems:
        where = ".".join(problem.field)
        err.print(f"[red]error[/red]{f' ({where})' if where else ''}: {problem.message}")


def _runtime():  # type: ignore[no-untyped-def]
    from infra.composition import build_runtime

    return build_runtime(Settings())


def _ready_database(settings: Settings) -> None:
    """Make sure the database is migrated before a command uses it. The embedded database
    is migrated here, as `foyer serve` does, so the README's commands work in a new folder;
    a server database is the operator's to migrate, so we only say what to run."""
    from infra.db.migrate import is_current, upgrade

    if settings.is_sqlite:
        upgrade(settings.database_url)
    elif not is_current(settings.database_url):
        err.print(
            "[red]error[/red]: the database is not up to date with this version of Foyer: "
            "run `foyer migrate` first."
        )
        raise typer.Exit(2)


def _port_is_free(host: str, port: int) -> bool:
    """Whether we could listen on host:port now: asked before anything else is done, so a
    busy port is said at once and leaves nothing behind."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return True  # uvicorn reports an unknown host itself
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a port held only by connections closing (TIME_WAIT) is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return False
    return True


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic)."""
    from infra.db.migrate import upgrade

    upgrade(Settings().database_url)
    err.print("Database is up to date.")


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option(help="Load the demo organisation (once) and print how to log in.")
    ] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes sharing the port: one Python process uses one core. "
            "Needs RabbitMQ (FOYER_BROKER_URL); the in-process broker lives in one process.",
        ),
    ] = 1,
) -> None:
    """Serve the GraphQL API (and, in the embedded default, the relay and workers)."""
    import uvicorn

    from infra.composition import build_app
    from infra.db.migrate import upgrade

    _logging()
    settings = Settings()
    if workers > 1 and settings.embedded_broker:
        err.print(
            "[red]error[/red]: --workers needs FOYER_BROKER_URL: with the in-process broker, "
            "the relay and the workers live in the one API process."
        )
        raise typer.Exit(2)
    # Foyer's access log (schema/access_log.py) replaces uvicorn's, which writes query
    # strings down, and a GET to /graphql can carry a password in its variables.
    address = {
        "host": host or settings.host,
        "port": port or settings.port,
        "log_level": "info",
        "access_log": False,
        # uvicorn trusts X-Forwarded-For from localhost unless told otherwise.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": settings.trusted_proxies or None,
    }
    if not _port_is_free(address["host"], address["port"]):
        err.print(
            f"[red]error[/red]: port {address['port']} on {address['host']} is in use: stop "
            "what is listening there or choose another with --port."
        )
        raise typer.Exit(2)
    # The address it is served at, for everything built from the settings from here on (the
    # API processes of --workers too): links in mail and downloads name this port, not the
    # default one, unless FOYER_PUBLIC_URL says where the public reaches it.
    os.environ["FOYER_HOST"], os.environ["FOYER_PORT"] = address["host"], str(address["port"])
    if demo:
        upgrade(settings.database_url)
    else:
        _ready_database(settings)
    if workers > 1:
        if demo:
            _print_demo(_runtime(), address["host"], address["port"])
        uvicorn.run("infra.asgi:create_app", factory=True, workers=workers, **address)
        return
    runtime = _runtime()
    if demo:
        _print_demo(runtime, address["host"], address["port"])
    uvicorn.run(build_app(runtime, in_process_workers=settings.embedded_broker), **address)


def _print_demo(runtime, host: str, port: int) -> None:  # type: ignore[no-untyped-def]
    from infra.demo.seed import ensure_demo

    login = asyncio.run(
        ensure_demo(runtime.engine, runtime.sync_engine, runtime.settings.demo_key_file)
    )
    url = f"http://{host}:{port}"
    query = (
        '{"query": "{ customers(search: \\"jose\\", first: 5) { edges { node { reference } } } }"}'
    )
    state = "created" if login.created else "already loaded"
    lines = [
        f"[bold]Foyer demo[/bold] ({state}: organisation {login.slug})",
        f"  GraphiQL:     {url}/graphiql  (paste the API key into the Authorization header)",
        f"  API key:      {login.api_key}"
        + (f"  (new: {login.new_key_reason})" if login.new_key_reason else ""),
        f"  Staff log-in: {login.email} / {login.password}",
        f"  Try:  curl -s {url}/graphql -H 'Authorization: Bearer {login.api_key}' \\",
        f"          -H 'Content-Type: application/json' -d '{query}'",
    ]
    err.print("\n".join(lines), soft_wrap=True, highlight=False)


@app.command()
def worker(threads: Annotated[int, typer.Option(help="Worker threads.")] = 4) -> None:
    """Run background jobs from RabbitMQ until stopped (SIGTERM or Ctrl-C)."""
    from infra.composition import start_worker, stop_worker

    _logging()
    runtime = _runtime()
    if runtime.settings.embedded_broker:
        err.print(
            "[red]error[/red]: set FOYER_BROKER_URL; in the embedded default the "
            "workers run inside `foyer serve`."
        )
        raise typer.Exit(2)
    running = start_worker(runtime, threads)
    _wait_for_signal()
    stop_worker(runtime, running)


@app.command()
def relay() -> None:
    """Publish committed outbox messages to the broker until stopped."""
    _logging()
    runtime = _runtime()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runtime.sweeper.start(stop)
    runtime.relay.run(stop, runtime.settings.relay_interval_seconds)


@app.command()
def scheduler() -> None:
    """Start the daily jobs (pledge reminders) at their hour, and sweep expired leases, until
    stopped. Running two by mistake does no harm: each day's run is claimed once in the
    database."""
    from infra.db.engine import build_sync_engine
    from infra.scheduling import Scheduler
    from infra.storage import FileStore
    from infra.sweeper import Sweeper

    _logging()
    settings = Settings()
    engine = build_sync_engine(settings.database_url)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    Sweeper(engine, FileStore(settings.files_dir), settings).start(stop)
    Scheduler(engine, settings.reminder_hour_utc).run(stop)


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 currency code.")] = "GBP",
) -> None:
    """Create an organisation; prints its slug."""
    from infra.auth.accounts import create_tenant

    print(_admin(lambda e: create_tenant(e, name, currency)))


@user_app.command("create")
def user_create(
    org: Org,
    roles: Roles,
    email: Annotated[str, typer.Option("--email", help="Log-in email.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create a staff user (password from a prompt, or stdin with --password-stdin)."""
    from infra.auth.accounts import create_user

    password = (
        sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("Password: ")
    )
    role_set = parse_roles(roles.split(","))
    _admin(lambda e: create_user(e, org, email, password, role_set, name))
    err.print(f"Created user {email}.")


@apikey_app.command("create")
def apikey_create(
    org: Org,
    roles: Roles,
    name: Annotated[str, typer.Option(help="What the key is for.")] = "API key",
) -> None:
    """Create an API key; prints only its secret (shown this once)."""
    from infra.auth.accounts import create_api_key

    role_set = parse_roles(roles.split(","))
    print(_admin(lambda e: create_api_key(e, org, role_set, name)))


@apikey_app.command("revoke")
def apikey_revoke(
    org: Org,
    key: Annotated[str, typer.Argument(help="The secret, or its prefix as listed.")],
) -> None:
    """Revoke an API key."""
    from infra.auth.accounts import revoke_api_key

    _admin(lambda e: revoke_api_key(e, org, key))
    err.print("Revoked.")


@apikey_app.command("list")
def apikey_list(org: Org) -> None:
    """List an organisation's API keys (prefixes only; secrets are never stored)."""
    from infra.auth.accounts import list_api_keys

    rows = _admin(lambda e: list_api_keys(e, org))
    for row in rows:
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        print(f"{row.prefix}\t{row.name}\t{row.roles}\t{state}")


# Entries listed one by one in a rebuild's report; the count says how many in all.
SHOWN = 50


def _organisations(org: str | None) -> tuple[Any, list[Any]]:
    """An engine on the migrated database, and the organisations (id, slug) a rebuild
    goes through: `org` alone, or every one; exits with 2 when there is none."""
    from sqlalchemy import select

    from infra.db import tables as t
    from infra.db.engine import build_sync_engine

    settings = Settings()
    _ready_database(settings)
    engine = build_sync_engine(settings.database_url)
    with engine.connect() as db:
        query = select(t.tenant.c.id, t.tenant.c.slug).order_by(t.tenant.c.id)
        tenants = list(db.execute(query if org is None else query.where(t.tenant.c.slug == org)))
    if not tenants:
        engine.dispose()
        err.print(f"[red]error[/red]: no organisation {org!r}.")
        raise typer.Exit(2)
    return engine, tenants


@timeline_app.command("rebuild")
def timeline_rebuild(
    org: Annotated[
        str | None, typer.Option("--org", help="Only this organisation (default: every one).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would change, and change nothing.")
    ] = False,
) -> None:
    """Derive every timeline entry again from the record's history (and orders from
    their rows), and say what changed, with counts per type.

    One organisation at a time, each in one transaction that holds the organisation's
    writes: on PostgreSQL it locks the organisation's row FOR UPDATE, so every change in
    that organisation that adds a row (each adds a fact to the history) waits until its
    rebuild commits, while reads and other organisations go on; on SQLite it holds the
    database's write lock. Entries that come out the same are left as they are, ids and
    all; the others are removed or added, and listed.
    """
    from infra.db.timeline_rebuild import rebuild_timeline

    engine, tenants = _organisations(org)
    for tenant_id, slug in tenants:
        with engine.connect() as db, db.begin() as transaction:
            done = rebuild_timeline(db, tenant_id, lambda line, s=slug: err.print(f"{s}: {line}"))
            if dry_run:
                transaction.rollback()
        derived = ", ".join(f"{k} {n}" for k, n in sorted(done.derived.items())) or "none"
        print(f"{slug}: derived {sum(done.derived.values())} ({derived})")
        for what, entries in (("not derived again", done.dropped), ("new", done.added)):
            print(f"{slug}: {len(entries)} {what}")
            for entry in entries[:SHOWN]:
                print(f"  {what}: {entry}")
            if len(entries) > SHOWN:
                print(f"  … and {len(entries) - SHOWN} more {what}")
    engine.dispose()


@figures_app.command("rebuild")
def figures_rebuild(
    org: Annotated[
        str | None, typer.Option("--org", help="Only this organisation (default: every one).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say how many rows differ, and change nothing.")
    ] = False,
) -> None:
    """Compare the figures kept per customer (bookings, donations, spend) and the latest
    consent answers with a recomputation from the orders, items and consent ledger, and
    write again those of an organisation where any differ.

    The database's triggers keep them in the same statement as the rows, so a difference
    means something went round them. One organisation at a time, each in one transaction;
    on PostgreSQL, writes of orders, items and consent entries wait while it runs, reads
    go on. Exits 1 when a --dry-run found differences.
    """
    from infra.db.figures_rebuild import rebuild_figures

    engine, tenants = _organisations(org)
    differed = False
    for tenant_id, slug in tenants:
        with engine.connect() as db, db.begin():
            found = rebuild_figures(db, tenant_id, write=not dry_run)
        differed = differed or found.differing > 0
        done = "differed" if dry_run or not found.differing else "differed, rewritten"
        print(
            f"{slug}: {found.figures} customer figures, {found.bookings} bookings, "
            f"{found.consent_states} consent states {done}"
        )
    engine.dispose()
    if dry_run and differed:
        raise typer.Exit(1)


@app.command("demo")
def demo_generate(
    customers: Annotated[int, typer.Option(help="How many customers to generate.")] = 1000,
    org: Annotated[
        str | None,
        typer.Option("--org", help="Into this organisation (default: the demo organisation)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    order_items: Annotated[
        int,
        typer.Option(
            help="Then generate orders with this many items in all, for existing customers."
        ),
    ] = 0,
) -> None:
    """Generate made-up customers and orders in bulk (COPY on PostgreSQL), with progress."""
    from rich.progress import Progress
    from sqlalchemy import select

    from infra.db import tables as t
    from infra.db.engine import build_sync_engine
    from infra.db.migrate import upgrade
    from infra.demo.generator import generate_customers
    from infra.demo.seed import DEMO_SLUG, ensure_demo

    settings = Settings()
    upgrade(settings.database_url)
    if org is None:
        runtime = _runtime()
        asyncio.run(ensure_demo(runtime.engine, runtime.sync_engine, settings.demo_key_file))
    engine = build_sync_engine(settings.database_url)
    with engine.connect() as db:
        tenant_id = db.execute(
            select(t.tenant.c.id).where(t.tenant.c.slug == (org or DEMO_SLUG))
        ).scalar_one_or_none()
    if tenant_id is None:
        err.print(f"[red]error[/red]: no organisation {org!r}.")
        raise typer.Exit(2)
    started = time.perf_counter()
    with Progress(console=err) as progress:
        task = progress.add_task("Customers", total=customers)
        generate_customers(engine, tenant_id, customers, seed, lambda n: progress.advance(task, n))
    seconds = time.perf_counter() - started
    err.print(f"{customers} customers in {seconds:.1f} s: {customers / seconds:,.0f} customers/s")
    if order_items:
        from infra.demo.orders import generate_orders

        started = time.perf_counter()
        with Progress(console=err) as progress:
            task = progress.add_task("Order items", total=order_items)
            orders = generate_orders(
                engine, tenant_id, order_items, seed, progress=lambda n: progress.advance(task, n)
            )
        seconds = time.perf_counter() - started
        err.print(
            f"{orders} orders, {order_items} items in {seconds:.1f} s: "
            f"{order_items / seconds:,.0f} items/s"
        )


@schema_app.command("export")
def schema_export(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("schema.graphql"),
    check: Annotated[bool, typer.Option(help="Fail if the file is not up to date.")] = False,
) -> None:
    """Write the GraphQL schema (SDL) to a file, or check that it is current."""
    from schema.build import build_schema
    from schema.limits import Limits

    sdl = str(build_schema(Limits.of(Settings()))) + "\n"
    if check:
        if not path.exists() or path.read_text() != sdl:
            err.print(f"[red]{path} is stale[/red]: run `foyer schema export`.")
            raise typer.Exit(1)
        err.print(f"{path} is up to date.")
        return
    path.write_text(sdl)
    err.print(f"Wrote {path}.")


def _admin(work):  # type: ignore[no-untyped-def]
    """Run an administrative coroutine `work(engine)` on a migrated database."""
    from infra.db.engine import build_async_engine

    settings = Settings()
    _ready_database(settings)

    async def run():  # type: ignore[no-untyped-def]
        engine = build_async_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def main() -> None:
    """The `foyer` command. Errors a user can cause (bad input, a database that cannot be
    reached) are one readable line and exit status 2, never a traceback."""
    from sqlalchemy.exc import DBAPIError

    try:
        app()
    except UserFacingError as error:
        _report(error)
        raise SystemExit(2) from None
    except AccessRefused as error:
        err.print(f"[red]error[/red]: {error.message}")
        raise SystemExit(2) from None
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        err.print(f"[red]error[/red]: the database refused or could not be reached: {reason}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
