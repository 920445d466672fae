"""Consent at scale on PostgreSQL: `consentQuestions` over HTTP against one hand-written SQL
statement, and the partner export's time and peak memory.

    .venv/bin/python -m tests.bench.consent_bench --customers 1000000 --entries 5000000 \
        [--database foyer_bench_consent] [--requests 300] [--rounds 3] [--export-rows 200000]
        [--export-rounds 3] [--only questions|export]

Fills its own database once with SQL (customers, 20 partner companies with 5 instances
each, 3 channel preferences and one per partner, `--entries` ledger entries spread over
the customers, and `--export-rows` buyers of one partner who consented to it), then serves
Foyer on a free loopback port. Each round sends the same baskets (10 instances from 5
partners, random customers, seeded) through Foyer and through SQL, alternating who goes
first, and checks both give the same questions; figures are medians over the rounds. Each
export round runs, in turn from a different one, the export's statement streamed and read
alone (the baseline), and the export in each format (`export_for_partner`, as the worker
would), each in its own process reporting its wall time and peak RSS; figures are medians,
and each format's time over the baseline's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from tests.bench.database import (
    BenchDatabase,
    create_database,
    foyer_command,
    foyer_environment,
    migrate,
)
from tests.bench.measure import GraphQLClient, SqlClient, alternate, first_of
from tests.bench.server import FoyerServer

SLUG = "bench-consent"
PARTNERS, INSTANCES_EACH, CHANNELS = 20, 5, ("EMAIL", "POST", "SMS")
QUESTIONS = """query($c: ID!, $i: [ID!]!) { consentQuestions(customerId: $c, eventInstanceIds: $i)
  { preference { id } } }"""
# The same answer in one statement: per-partner mode, asked = in use and never answered
# (or granted long enough ago for a preference asked again).
SQL = """
WITH basket AS (
  SELECT DISTINCT ev.partner_company_id FROM event_instance ei JOIN event ev ON ev.id = ei.event_id
  WHERE ei.tenant_id = %(t)s AND ei.id = ANY(%(i)s) AND ev.partner_company_id IS NOT NULL),
latest AS (
  SELECT DISTINCT ON (preference_id) preference_id, state, recorded_at FROM consent_entry
  WHERE tenant_id = %(t)s AND customer_id = %(c)s ORDER BY preference_id, id DESC)
SELECT p.id FROM contact_preference p LEFT JOIN latest l ON l.preference_id = p.id
WHERE p.tenant_id = %(t)s AND NOT p.retired
  AND (p.kind <> 'PARTNER' OR p.partner_company_id IN (SELECT partner_company_id FROM basket))
  AND (l.preference_id IS NULL OR (p.ask_again_months IS NOT NULL AND l.state = 'GRANTED'
       AND l.recorded_at + make_interval(months => p.ask_again_months) <= now()))
ORDER BY p.id"""
EXPORT = """
import json, resource, sys, time
from infra.composition import build_runtime
from infra.settings import Settings
from workers.dependencies import WorkerDependencies
from workers.partner_export import export_for_partner
runtime = build_runtime(Settings())
started = time.perf_counter()
deps = WorkerDependencies(runtime.sync_engine, runtime.files, runtime.mail)
export_for_partner(deps, int(sys.argv[1]))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": usage.ru_maxrss / 1024,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime}))
"""
# The baseline of the export: its statement's rows streamed by the same engine and read,
# no file written (what the database and the driver take, which no writer can beat).
FETCH = """
import json, resource, sys, time
from datetime import datetime
from infra.composition import build_runtime
from infra.db.queries.partner_export import partner_purchases
from infra.settings import Settings
tenant, partner, preference = (int(a) for a in sys.argv[1:4])
runtime = build_runtime(Settings())
started = time.perf_counter()
statement = partner_purchases(tenant, partner, preference, datetime.fromisoformat(sys.argv[4]),
                              datetime.fromisoformat(sys.argv[5]))
with runtime.sync_engine.connect() as db:
    found = db.execute(statement, execution_options={"stream_results": True, "yield_per": 1000})
    rows = sum(1 for _ in found)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                  "peak_rss_mb": usage.ru_maxrss / 1024,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime}))
"""
FROM, TO = "2000-01-01T00:00:00+00:00", "2100-01-01T00:00:00+00:00"


def to_global(type_name: str, pk: int) -> str:
    from resolvers.global_ids import to_global_id

    return to_global_id(type_name, pk)


def fill(db: psycopg.Connection[Any], customers: int, entries: int, export_rows: int) -> int:
    """The benchmark's organisation, filled once; returns its id."""
    found = db.execute("SELECT id FROM tenant WHERE slug = %s", (SLUG,)).fetchone()
    if found:
        return int(found[0])
    started = time.perf_counter()
    tenant = db.execute(
        "INSERT INTO tenant (slug, name, currency, next_customer_number, created_at, "
        "partner_mode) VALUES (%s, 'Consent Bench', 'GBP', %s, now(), 'PER_PARTNER') "
        "RETURNING id",
        (SLUG, customers + 1),
    ).fetchone()[0]  # type: ignore[index]
    db.execute(
        "INSERT INTO customer (tenant_id, kind, reference, first_name, last_name, active, "
        "sort_key, created_at, updated_at) SELECT %s, 'INDIVIDUAL', 'C-' || g, 'First' || g, "
        "'Last' || g, true, 'last' || g, now(), now() FROM generate_series(1, %s::bigint) g",
        (tenant, customers),
    )
    first_customer = db.execute(
        "SELECT min(id) FROM customer WHERE tenant_id = %s", (tenant,)
    ).fetchone()[0]  # type: ignore[index]
    for n in range(PARTNERS):
        company = db.execute(
            "INSERT INTO partner_company (tenant_id, name) VALUES (%s, %s) RETURNING id",
            (tenant, f"Partner {n}"),
        ).fetchone()[0]  # type: ignore[index]
        event = db.execute(
            "INSERT INTO event (tenant_id, name, partner_company_id) VALUES (%s, %s, %s) "
            "RETURNING id",
            (tenant, f"Show {n}", company),
        ).fetchone()[0]  # type: ignore[index]
        for day in range(INSTANCES_EACH):
            db.execute(
                "INSERT INTO event_instance (tenant_id, event_id, starts_at) "
                "VALUES (%s, %s, now() + make_interval(days => %s))",
                (tenant, event, day + 1),
            )
        _preference(db, tenant, f"Share with Partner {n}", "PARTNER", company)
    for kind in CHANNELS:
        _preference(db, tenant, kind.title(), kind, None)
    preferences = [
        r[0]
        for r in db.execute("SELECT id FROM contact_preference WHERE tenant_id = %s", (tenant,))
    ]
    db.execute(
        "INSERT INTO consent_entry (tenant_id, customer_id, preference_id, state, "
        "wording_version, source, recorded_by, recorded_by_kind, recorded_at) "
        "SELECT %(t)s, %(first)s + floor(random() * %(n)s)::int, "
        "(%(prefs)s::bigint[])[1 + floor(random() * %(k)s)::int], "
        "CASE WHEN random() < 0.6 THEN 'GRANTED' ELSE 'WITHDRAWN' END, 1, 'WEB', 'bench', "
        "'API_KEY', now() - make_interval(days => floor(random() * 1000)::int) "
        "FROM generate_series(1, %(e)s::bigint)",
        {
            "t": tenant,
            "first": first_customer,
            "n": customers,
            "prefs": preferences,
            "k": len(preferences),
            "e": entries,
        },
    )
    _buyers(db, tenant, first_customer, export_rows)
    db.commit()
    print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)
    return int(tenant)


def _preference(
    db: psycopg.Connection[Any], tenant: int, name: str, kind: str, company: int | None
) -> None:
    pk = db.execute(
        "INSERT INTO contact_preference (tenant_id, name, kind, marketing, partner_company_id, "
        "version, statement, retired, created_at) VALUES (%s, %s, %s, true, %s, 1, %s, false, "
        "now()) RETURNING id",
        (tenant, name, kind, company, f"{name}: yes please."),
    ).fetchone()[0]  # type: ignore[index]
    db.execute(
        "INSERT INTO preference_wording (tenant_id, preference_id, version, statement, "
        "created_at) VALUES (%s, %s, 1, %s, now())",
        (tenant, pk, f"{name}: yes please."),
    )


def _buyers(db: psycopg.Connection[Any], tenant: int, first: int, rows: int) -> None:
    """`rows` customers each with an email, an address, one ticket for Partner 0 and a
    GRANTED answer to sharing with it (the latest), so the export holds every one."""
    instance, preference = db.execute(
        "SELECT ei.id, p.id FROM event_instance ei JOIN event ev ON ev.id = ei.event_id "
        "JOIN partner_company pc ON pc.id = ev.partner_company_id JOIN contact_preference p "
        "ON p.partner_company_id = pc.id WHERE pc.tenant_id = %s AND pc.name = 'Partner 0' "
        "LIMIT 1",
        (tenant,),
    ).fetchone()  # type: ignore[misc]
    span = {"t": tenant, "a": first, "b": first + rows - 1}
    db.execute(
        "INSERT INTO customer_email (tenant_id, customer_id, position, address) "
        "SELECT %(t)s, g, 0, 'buyer' || g || '@example.org' "
        "FROM generate_series(%(a)s::bigint, %(b)s::bigint) g",
        span,
    )
    db.execute(
        "INSERT INTO customer_address (tenant_id, customer_id, position, line1, postcode, "
        "is_primary) SELECT %(t)s, g, 0, g || ' High Street', 'TR' || (g %% 20) || ' 1AA', true "
        "FROM generate_series(%(a)s::bigint, %(b)s::bigint) g",
        span,
    )
    db.execute(
        "INSERT INTO customer_order (tenant_id, owner_id, channel, currency, ordered_at, "
        "created_at) SELECT %(t)s, g, 'WEB', 'GBP', now() - interval '1 day', now() "
        "FROM generate_series(%(a)s::bigint, %(b)s::bigint) g",
        span,
    )
    db.execute(
        "INSERT INTO order_item (tenant_id, order_id, position, kind, price, commission, "
        "instance_id, price_band) SELECT %(t)s, o.id, 0, 'TICKET', 2500, 0, %(i)s, 'A' "
        "FROM customer_order o WHERE o.tenant_id = %(t)s",
        span | {"i": instance},
    )
    db.execute(
        "INSERT INTO consent_entry (tenant_id, customer_id, preference_id, state, "
        "wording_version, source, recorded_by, recorded_by_kind, recorded_at) "
        "SELECT %(t)s, g, %(p)s, 'GRANTED', 1, 'WEB', 'bench', 'API_KEY', now() "
        "FROM generate_series(%(a)s::bigint, %(b)s::bigint) g",
        span | {"p": preference},
    )


def baskets(db: psycopg.Connection[Any], tenant: int, count: int) -> list[dict[str, Any]]:
    """Seeded: a random customer and 2 instances of each of 5 random partners."""
    rng = random.Random(11)
    by_partner: dict[int, list[int]] = {}
    for instance, company in db.execute(
        "SELECT ei.id, ev.partner_company_id FROM event_instance ei JOIN event ev "
        "ON ev.id = ei.event_id WHERE ei.tenant_id = %s",
        (tenant,),
    ):
        by_partner.setdefault(company, []).append(instance)
    low, high = db.execute(
        "SELECT min(id), max(id) FROM customer WHERE tenant_id = %s", (tenant,)
    ).fetchone()  # type: ignore[misc]
    chosen = []
    for _ in range(count):
        partners = rng.sample(sorted(by_partner), 5)
        instances = [i for p in partners for i in rng.sample(by_partner[p], 2)]
        chosen.append({"t": tenant, "c": rng.randint(low, high), "i": instances})
    return chosen


async def measure_questions(
    base_url: str, key: str, sql_url: str, inputs: list[dict[str, Any]], rounds: int
) -> dict[str, float]:
    graphql, sql = GraphQLClient(base_url, key, 1), SqlClient(sql_url, 1)
    await sql.open()
    variables = [
        {"c": to_global("Individual", x["c"]), "i": [to_global("EventInstance", i) for i in x["i"]]}
        for x in inputs
    ]
    _, through_foyer = await graphql.run(QUESTIONS, variables)
    _, through_sql = await sql.run(SQL, inputs)
    for answer, rows in zip(through_foyer, through_sql, strict=True):
        asked = [q["preference"]["id"] for q in answer["consentQuestions"]]
        assert asked == [to_global("ContactPreference", r[0]) for r in rows], (asked, rows)
    figures: dict[str, list[float]] = {
        "foyer p50": [],
        "foyer p95": [],
        "sql p50": [],
        "sql p95": [],
    }
    for n in range(rounds):
        timed = await alternate(
            n,
            lambda: first_of(graphql.run(QUESTIONS, variables)),
            lambda: first_of(sql.run(SQL, inputs)),
        )
        for way, timings in timed.items():
            figures[f"{way} p50"].append(timings.percentile(50))
            figures[f"{way} p95"].append(timings.percentile(95))
    await graphql.aclose()
    await sql.aclose()
    result = {name: statistics.median(values) for name, values in figures.items()}
    result["ratio p50"] = result["foyer p50"] / result["sql p50"]
    result["ratio p95"] = result["foyer p95"] / result["sql p95"]
    return result


def _figures(env: dict[str, str], script: str, *arguments: object) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", script, *(str(a) for a in arguments)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_export(db: psycopg.Connection[Any], tenant: int, env: dict[str, str], kind: str) -> Any:
    company = _partner_0(db, tenant)[0]
    job = db.execute(
        "INSERT INTO job (tenant_id, kind, status, parameters, progress, requested_by, attempts, "
        "created_at) VALUES (%s, 'PARTNER_EXPORT', 'PENDING', %s, 0, 'bench', 0, now()) "
        "RETURNING id",
        (
            tenant,
            json.dumps({"partner_company_id": company, "from": FROM, "to": TO, "format": kind}),
        ),
    ).fetchone()[0]  # type: ignore[index]
    db.execute(
        "INSERT INTO partner_export (tenant_id, job_id, partner_company_id, bought_from, "
        "bought_before, format, requested_by, requested_at) VALUES (%s, %s, %s, %s, %s, %s, "
        "'bench', now())",
        (tenant, job, company, FROM, TO, kind),
    )
    db.commit()
    figures = _figures(env, EXPORT, job)
    figures["rows"] = db.execute(
        "SELECT rows FROM partner_export WHERE job_id = %s", (job,)
    ).fetchone()[0]  # type: ignore[index]
    return figures


def _partner_0(db: psycopg.Connection[Any], tenant: int) -> tuple[int, int]:
    """Partner 0's company id and sharing preference id."""
    return db.execute(  # type: ignore[return-value]
        "SELECT pc.id, p.id FROM partner_company pc JOIN contact_preference p "
        "ON p.partner_company_id = pc.id WHERE pc.tenant_id = %s AND pc.name = 'Partner 0'",
        (tenant,),
    ).fetchone()


def measure_exports(
    db: psycopg.Connection[Any], tenant: int, env: dict[str, str], rounds: int
) -> dict[str, Any]:
    """Per round, in turn from a different one: the rows streamed alone (the baseline),
    the CSV and the XLSX export, each in a process of its own; medians over the rounds."""
    company, preference = _partner_0(db, tenant)
    ways: dict[str, Any] = {
        "fetch": lambda: _figures(env, FETCH, tenant, company, preference, FROM, TO),
        "CSV": lambda: measure_export(db, tenant, env, "CSV"),
        "XLSX": lambda: measure_export(db, tenant, env, "XLSX"),
    }
    names = list(ways)
    found: dict[str, list[Any]] = {name: [] for name in names}
    for n in range(rounds):
        for name in names[n % 3 :] + names[: n % 3]:
            figures = ways[name]()
            print(f"  round {n + 1} {name}: {figures}", flush=True)
            found[name].append(figures)
    result: dict[str, Any] = {}
    for name, runs in found.items():
        result[f"{name} s"] = statistics.median(r["seconds"] for r in runs)
        # The worker's own CPU time (start-up included): what other users of the machine
        # change least.
        result[f"{name} CPU s"] = statistics.median(r["cpu_seconds"] for r in runs)
        result[f"{name} peak RSS MB"] = max(r["peak_rss_mb"] for r in runs)
        result[f"{name} rows"] = runs[-1]["rows"]
    for kind in ("CSV", "XLSX"):
        result[f"{kind} / fetch"] = result[f"{kind} s"] / result["fetch s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--export-rows", type=int, default=200_000)
    parser.add_argument("--database", default="foyer_bench_consent")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--export-rounds", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=("questions", "export"),
        help="measure one of the two (the data is built either way, once)",
    )
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    database = BenchDatabase(args.admin_url, args.database)
    files = Path(tempfile.mkdtemp(prefix="foyer-bench-consent-"))
    env = foyer_environment(database, files)
    create_database(database)
    migrate(database, env)
    with psycopg.connect(database.url) as db:
        tenant = fill(db, args.customers, args.entries, args.export_rows)
    with psycopg.connect(database.url, autocommit=True) as db:
        db.execute("VACUUM (ANALYZE)")
        print(db.execute("SELECT count(*) FROM consent_entry").fetchone(), "ledger entries")
        inputs = baskets(db, tenant, args.requests)
    key = subprocess.run(
        foyer_command("apikey", "create", "--org", SLUG, "--roles", "SALES", "--name", "bench"),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if args.only != "export":
        with FoyerServer(env, files / "serve.log") as server:
            questions = asyncio.run(
                measure_questions(server.base_url, key, database.url, inputs, args.rounds)
            )
        print("consentQuestions (ms, medians of rounds):", json.dumps(questions, indent=1))
    if args.only != "questions":
        with psycopg.connect(database.url) as db:
            exports = measure_exports(db, tenant, env, args.export_rounds)
        print("partner export (medians of rounds):", json.dumps(exports, indent=1), flush=True)


if __name__ == "__main__":
    main()
