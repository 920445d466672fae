"""Benchmark: Foyer's customer reads over HTTP against the same rows in one hand-written SQL
query through psycopg, on PostgreSQL.

    python -m tests.bench.customers_http --customers 1000000 [--database foyer_bench]
        [--requests 300] [--concurrency 1] [--rounds 3] [--json results.json]

Prints figures; asserts nothing about speed. See tests/bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from infra.auth.secrets import digest
from infra.demo.seed import DEMO_SLUG
from tests.bench.database import (
    BenchDatabase,
    Generation,
    foyer_command,
    foyer_environment,
    prepare,
    vacuum_analyze,
)
from tests.bench.measure import GraphQLClient, SqlClient, Timings
from tests.bench.scenarios import SCENARIOS, Scenario, build_scenarios
from tests.bench.server import FoyerServer

ADMIN_URL = os.environ.get("FOYER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
AUTH_SQL = (
    "SELECT id, tenant_id, name || ' (' || prefix || '…)', roles FROM api_key"
    " WHERE secret_hash = %(hash)s AND revoked_at IS NULL"
)
# Requests that isolate the fixed costs every GraphQL request pays, whatever it asks for.
PROBES = (
    "HTTP only: GET /healthz",
    "+ GraphQL: { __typename }, no credentials",
    "+ authentication: { __typename } with the key",
    "SQL round trip: SELECT 1",
    "SQL: the API-key lookup alone",
)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.customers_http")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", default="foyer_bench")
    parser.add_argument("--requests", type=int, default=300, help="per scenario and round")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="medians are over rounds")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="only this scenario (repeatable; default: all)",
    )
    arguments = parser.parse_args(argv)
    if arguments.database in {"test", "postgres", "template0", "template1"}:
        parser.error(f"--database {arguments.database} is not the benchmark's to fill")
    return arguments


def create_api_key(env: dict[str, str]) -> str:
    command = foyer_command(
        "apikey", "create", "--org", DEMO_SLUG, "--roles", "SALES,OPPORTUNITIES", "--name", "bench"
    )
    return subprocess.run(
        command, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def revoke_api_key(env: dict[str, str], key: str) -> None:
    command = foyer_command("apikey", "revoke", "--org", DEMO_SLUG, key)
    subprocess.run(command, env=env, check=False, capture_output=True)


async def check_same_rows(http: GraphQLClient, sql: SqlClient, scenario: Scenario) -> None:
    """Every input once each way (which also warms both paths and the database cache), and
    the answers must agree: a ratio over different rows would mean nothing."""
    _, from_sql = await sql.run(scenario.sql, [p for _, p in scenario.inputs])
    _, from_http = await http.run(scenario.query, [v for v, _ in scenario.inputs])
    for (variables, _), rows, data in zip(scenario.inputs, from_sql, from_http, strict=True):
        if scenario.from_graphql(data) != scenario.from_sql(rows):
            raise RuntimeError(
                f"{scenario.name}: Foyer and SQL disagree for {variables}:\n"
                f"  Foyer: {scenario.from_graphql(data)}\n  SQL:   {scenario.from_sql(rows)}"
            )


async def measure_round(
    http: GraphQLClient, sql: SqlClient, scenarios: list[Scenario], api_key: str, first: bool
) -> dict[str, dict[str, dict[str, float]]]:
    """One round of every scenario, both ways; who goes first alternates between rounds."""
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for scenario in scenarios:
        variables, parameters = zip(*scenario.inputs, strict=True)
        runs: dict[str, Timings] = {}
        for way in ("foyer", "sql") if first else ("sql", "foyer"):
            if way == "foyer":
                runs[way], _ = await http.run(scenario.query, list(variables))
            else:
                runs[way], _ = await sql.run(scenario.sql, list(parameters))
        figures[scenario.name] = {way: timings.summary() for way, timings in runs.items()}
    times = len(scenarios[0].inputs)
    typename = [{}] * times
    probes = (
        await http.run_get("/healthz", times),
        (await http.run("{ __typename }", typename, authorised=False))[0],
        (await http.run("{ __typename }", typename))[0],
        (await sql.run("SELECT 1", [{}] * times))[0],
        (await sql.run(AUTH_SQL, [{"hash": digest(api_key)}] * times))[0],
    )
    figures["probes"] = {name: t.summary() for name, t in zip(PROBES, probes, strict=True)}
    return figures


async def measure(
    base_url: str, sql_url: str, api_key: str, scenarios: list[Scenario], arguments: Any
) -> list[dict[str, Any]]:
    http = GraphQLClient(base_url, api_key, arguments.concurrency)
    sql = SqlClient(sql_url, arguments.concurrency)
    await sql.open()
    try:
        for scenario in scenarios:
            await check_same_rows(http, sql, scenario)
        rounds = []
        for number in range(arguments.rounds):
            figures = await measure_round(http, sql, scenarios, api_key, number % 2 == 0)
            print_round(number + 1, figures)
            rounds.append(figures)
        return rounds
    finally:
        await http.aclose()
        await sql.aclose()


def median_of(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the rounds."""
    first = rounds[0]
    return {
        group: {
            way: {
                figure: statistics.median(r[group][way][figure] for r in rounds)
                for figure in first[group][way]
            }
            for way in first[group]
        }
        for group in first
    }


def print_round(number: int, figures: dict[str, Any]) -> None:
    line = "  ".join(
        f"{name}: Foyer p50 {f['foyer']['p50']:.2f} / SQL {f['sql']['p50']:.2f} ms"
        for name, f in figures.items()
        if name != "probes"
    )
    print(f"round {number}: {line}", flush=True)


def print_report(
    arguments: Any, customers: int, generation: Generation, scenarios: list[Scenario], m: Any
) -> None:
    print()
    print(
        f"Foyer customer reads, PostgreSQL, {customers:,} customers ({arguments.database}); "
        f"{arguments.requests} requests per scenario x {arguments.rounds} rounds, "
        f"concurrency {arguments.concurrency}; medians over rounds"
    )
    if generation.rows_written:
        customers_made = generation.customers_after - generation.customers_before
        print(
            f"Generator: {customers_made:,} customers, {generation.rows_written:,} rows in "
            f"{generation.seconds:.1f} s: {generation.rows_per_second:,.0f} rows/s "
            f"({customers_made / generation.seconds:,.0f} customers/s)"
        )
    else:
        print(f"Generator: not needed ({generation.customers_before:,} customers present)")
    print()
    header = (
        f"{'':24}{'Foyer over HTTP':>34}   {'one SQL query, psycopg':>34}   {'Foyer ÷ SQL':>13}"
    )
    print(header)
    print(
        f"{'scenario':24}{'p50':>8}{'p95':>8}{'p99':>8}{'req/s':>10}   "
        f"{'p50':>8}{'p95':>8}{'p99':>8}{'req/s':>10}   {'p50':>6}{'p95':>7}   target p95"
    )
    for scenario in scenarios:
        f, s = m[scenario.name]["foyer"], m[scenario.name]["sql"]
        met = "met" if f["p95"] < scenario.target_p95_ms else "MISSED"
        print(
            f"{scenario.name:24}{f['p50']:8.2f}{f['p95']:8.2f}{f['p99']:8.2f}{f['rps']:10.0f}   "
            f"{s['p50']:8.2f}{s['p95']:8.2f}{s['p99']:8.2f}{s['rps']:10.0f}   "
            f"{f['p50'] / s['p50']:6.1f}{f['p95'] / s['p95']:7.1f}   "
            f"< {scenario.target_p95_ms:.0f} ms: {met}"
        )
    print("\nFixed costs of any request (ms)")
    for name, p in m["probes"].items():
        print(f"  {name:48}p50 {p['p50']:6.2f}   p95 {p['p95']:6.2f}   {p['rps']:8.0f} req/s")


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    # `kill` stops the server too: SIGTERM leaves through the `finally` blocks below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    database = BenchDatabase(ADMIN_URL, arguments.database)
    scratch = Path(tempfile.mkdtemp(prefix="foyer-bench-"))
    env = foyer_environment(database, scratch / "files")
    try:
        generation, tenant_id = prepare(database, arguments.customers, env)
        vacuum_analyze(database)
        with psycopg.connect(database.url) as db:
            scenarios = [
                s
                for s in build_scenarios(db, tenant_id, arguments.requests)
                if not arguments.scenario or s.name in arguments.scenario
            ]
        api_key = create_api_key(env)
        try:
            with FoyerServer(env, scratch / "serve.log") as server:
                rounds = asyncio.run(
                    measure(server.base_url, database.url, api_key, scenarios, arguments)
                )
        finally:
            revoke_api_key(env, api_key)
        medians = median_of(rounds)
        print_report(arguments, generation.customers_after, generation, scenarios, medians)
        if arguments.json:
            arguments.json.write_text(
                json.dumps(
                    {"generation": generation.__dict__, "rounds": rounds, "medians": medians},
                    indent=2,
                )
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
