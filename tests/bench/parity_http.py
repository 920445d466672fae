"""Benchmark: Foyer against PostGraphile 5 on the same PostgreSQL tables, and against one
hand-written SQL statement, for the reads clients run most.

    python -m tests.bench.parity_http --customers 100000 [--order-items 300000]
        [--opportunities 100000] [--database foyer_bench_parity] [--requests 200]
        [--rounds 3] [--concurrency 1 --concurrency 4] [--scenario NAME ...] [--json out.json]

Prints figures (medians over rounds); asserts nothing about speed. See tests/bench/README.md.
"""

# ruff: noqa: E501  (report lines are tables)

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import event

from infra.auth.secrets import digest
from infra.db.engine import build_sync_engine
from infra.demo.seed import DEMO_SLUG
from infra.settings import Settings
from tests.bench import parity_scenarios
from tests.bench.customers_http import ADMIN_URL, create_api_key, revoke_api_key
from tests.bench.database import BenchDatabase, foyer_environment, prepare, vacuum_analyze
from tests.bench.fundraising_data import generate_fundraising
from tests.bench.measure import GraphQLClient, SqlClient, Timings
from tests.bench.orders_http import ensure_orders
from tests.bench.parity_scenarios import Parity
from tests.bench.postgraphile import (
    PostGraphileServer,
    add_functions,
    install,
    rss_megabytes,
    why_not_installable,
)
from tests.bench.server import FoyerServer
from tests.conftest import StatementCounter

WAYS = ("foyer", "postgraphile", "sql")
NAMES = (
    "customer by id",
    "name search, 20",
    "100 customers + lists",
    "20 orders + items",
    "{ __typename } + key",
    "opportunities dashboard",
)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.parity_http")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--order-items", type=int, default=300_000)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--donations", type=int, default=300_000)
    parser.add_argument("--due-instalments", type=int, default=20_000)
    parser.add_argument("--database", default="foyer_bench_parity")
    parser.add_argument("--requests", type=int, default=200, help="per scenario, way and round")
    parser.add_argument("--rounds", type=int, default=3, help="medians are over rounds")
    parser.add_argument(
        "--concurrency", type=int, action="append", help="clients (repeatable; default 1 and 4)"
    )
    parser.add_argument("--scenario", action="append", choices=NAMES)
    parser.add_argument("--json", type=Path, help="also write every figure here")
    arguments = parser.parse_args(argv)
    if arguments.database in {"test", "postgres", "template0", "template1"}:
        parser.error(f"--database {arguments.database} is not the benchmark's to fill")
    arguments.concurrency = arguments.concurrency or [1, 4]
    return arguments


def prepare_data(database: BenchDatabase, env: dict[str, str], arguments: Any) -> int:
    """Customers, orders and fundraising, each made only up to what is missing."""
    _, tenant_id = prepare(database, arguments.customers, env)
    ensure_orders(database, tenant_id, arguments.order_items, 500)
    engine = build_sync_engine(database.foyer_url)
    try:
        generate_fundraising(
            engine,
            database.foyer_url,
            DEMO_SLUG,
            tenant_id,
            arguments.opportunities,
            arguments.donations,
            arguments.due_instalments,
        )
    finally:
        engine.dispose()
    vacuum_analyze(database)
    return tenant_id


class Ways:
    """The three clients of one concurrency."""

    def __init__(self, foyer: str, postgraphile: str | None, sql_url: str, key: str, n: int):
        self.foyer = GraphQLClient(foyer, key, n)
        self.postgraphile = GraphQLClient(postgraphile, None, n) if postgraphile else None
        self.sql = SqlClient(sql_url, n)

    async def __aenter__(self) -> Ways:
        await self.sql.open()
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.foyer.aclose()
        if self.postgraphile:
            await self.postgraphile.aclose()
        await self.sql.aclose()

    def available(self) -> tuple[str, ...]:
        return WAYS if self.postgraphile else ("foyer", "sql")

    async def run(self, way: str, scenario: Parity) -> tuple[Timings, list[Any]]:
        foyer, postgraphile, sql = zip(*scenario.inputs, strict=True)
        if way == "foyer":
            return await self.foyer.run(scenario.foyer, list(foyer))
        if way == "postgraphile":
            assert self.postgraphile is not None
            return await self.postgraphile.run(scenario.postgraphile, list(postgraphile))
        return await self.sql.run(scenario.sql, list(sql))


async def check_same_answers(ways: Ways, scenario: Parity) -> None:
    """Every input once each way (warming every path and the database cache); the answers
    must agree, or a ratio would compare different work."""
    shapes = {"foyer": scenario.from_foyer, "postgraphile": scenario.from_postgraphile}
    answers = {}
    for way in ways.available():
        _, found = await ways.run(way, scenario)
        answers[way] = [shapes.get(way, scenario.from_sql)(a) for a in found]
    for way, found in answers.items():
        for n, (mine, sql) in enumerate(zip(found, answers["sql"], strict=True)):
            if mine != sql:
                raise RuntimeError(
                    f"{scenario.name}: {way} and SQL disagree for input {scenario.inputs[n]}:\n"
                    f"  {way}: {mine}\n  SQL: {sql}"
                )


async def measure(
    urls: tuple[str, str | None], sql_url: str, key: str, scenarios: list[Parity], arguments: Any
) -> dict[str, Any]:
    """figures[concurrency][scenario][way] = one summary per round."""
    figures: dict[str, Any] = {}
    for concurrency in arguments.concurrency:
        per_scenario: dict[str, Any] = {}
        async with Ways(*urls, sql_url, key, concurrency) as ways:
            for scenario in scenarios:
                await check_same_answers(ways, scenario)
                rounds: dict[str, list[dict[str, float]]] = {w: [] for w in ways.available()}
                order = list(ways.available())
                for number in range(arguments.rounds):
                    # Interleaved: who goes first turns each round.
                    for way in order[number % len(order) :] + order[: number % len(order)]:
                        timings, _ = await ways.run(way, scenario)
                        rounds[way].append(timings.summary())
                per_scenario[scenario.name] = rounds
                line = "  ".join(
                    f"{w} p50 {statistics.median(r['p50'] for r in rs):.2f}"
                    for w, rs in rounds.items()
                )
                print(f"{concurrency} client(s), {scenario.name}: {line} ms", flush=True)
        figures[str(concurrency)] = per_scenario
    return figures


def count_foyer_statements(
    database: BenchDatabase, key: str, scenarios: list[Parity]
) -> dict[str, int]:
    """Each scenario's first input once through Foyer's app in this process, counting the
    statements it sends."""
    from infra.composition import build_app, build_runtime

    async def count() -> dict[str, int]:
        scratch = Path(tempfile.mkdtemp(prefix="foyer-bench-count-"))
        runtime = build_runtime(
            Settings(database_url=database.foyer_url, broker_url="", files_dir=scratch)
        )
        counted = StatementCounter()
        event.listen(runtime.engine.sync_engine, "before_cursor_execute", counted)
        found = {}
        try:
            transport = httpx.ASGITransport(app=build_app(runtime, in_process_workers=False))
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://foyer") as client:
                for scenario in scenarios:
                    variables = scenario.inputs[0][0]
                    body = {"query": scenario.foyer, "variables": variables}
                    await client.post("/graphql", json=body, headers=headers)  # warm
                    counted.count = 0
                    await client.post("/graphql", json=body, headers=headers)
                    found[scenario.name] = counted.count
        finally:
            await runtime.close()
            shutil.rmtree(scratch, ignore_errors=True)
        return found

    return asyncio.run(count())


def medians(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        concurrency: {
            name: {
                way: {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
                for way, rounds in ways.items()
            }
            for name, ways in per_scenario.items()
        }
        for concurrency, per_scenario in figures.items()
    }


def print_report(
    arguments: Any, m: dict[str, Any], statements: dict[str, int], rss: dict[str, float]
) -> None:
    print()
    print(
        f"Foyer, PostGraphile 5 and one SQL statement on the same PostgreSQL tables "
        f"({arguments.database}, {arguments.customers:,} customers); {arguments.requests} "
        f"requests per scenario, way and round x {arguments.rounds} rounds, interleaved; "
        f"medians over rounds, ms"
    )
    for concurrency, per_scenario in m.items():
        print(f"\n{concurrency} client(s)")
        print(
            f"{'scenario':26}{'Foyer p50':>10}{'p95':>7}{'PG p50':>9}{'p95':>7}{'SQL p50':>9}{'p95':>7}"
            f"{'F÷PG p50':>10}{'p95':>6}{'F÷SQL p50':>11}{'Foyer req/s':>13}{'stmts':>7}"
        )
        for name, ways in per_scenario.items():
            f, s = ways["foyer"], ways["sql"]
            pg = ways.get("postgraphile")
            pg_cells = f"{pg['p50']:9.2f}{pg['p95']:7.2f}" if pg else f"{'-':>9}{'-':>7}"
            ratio = (
                f"{f['p50'] / pg['p50']:10.2f}{f['p95'] / pg['p95']:6.2f}"
                if pg
                else f"{'-':>10}{'-':>6}"
            )
            print(
                f"{name:26}{f['p50']:10.2f}{f['p95']:7.2f}{pg_cells}{s['p50']:9.2f}{s['p95']:7.2f}"
                f"{ratio}{f['p50'] / s['p50']:11.2f}{f['rps']:13.0f}{statements.get(name, 0):7d}"
            )
    print(
        "\nResident memory after the run: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items())
    )
    print("stmts: Foyer's SQL statements for one request (the SQL baseline sends one).")


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    database = BenchDatabase(ADMIN_URL, arguments.database)
    scratch = Path(tempfile.mkdtemp(prefix="foyer-bench-parity-"))
    env = foyer_environment(database, scratch / "files")
    skipped = why_not_installable()
    try:
        tenant_id = prepare_data(database, env, arguments)
        if skipped:
            print(skipped, flush=True)
        else:
            install(scratch / "postgraphile")
            add_functions(database.url)
        key = create_api_key(env)
        try:
            with psycopg.connect(database.url) as db:
                scenarios = [
                    s
                    for s in parity_scenarios.build(db, tenant_id, arguments.requests, digest(key))
                    if not arguments.scenario or s.name in arguments.scenario
                ]
            statements = count_foyer_statements(database, key, scenarios)
            rss: dict[str, float] = {}
            with FoyerServer(env, scratch / "serve.log") as foyer:
                if skipped:
                    figures = asyncio.run(
                        measure((foyer.base_url, None), database.url, key, scenarios, arguments)
                    )
                else:
                    with PostGraphileServer(scratch / "postgraphile", database.url) as pg:
                        urls = (foyer.base_url, pg.base_url)
                        figures = asyncio.run(
                            measure(urls, database.url, key, scenarios, arguments)
                        )
                        rss["PostGraphile"] = rss_megabytes(pg.pid)
                rss["Foyer"] = rss_megabytes(foyer.pid)
        finally:
            revoke_api_key(env, key)
        m = medians(figures)
        print_report(arguments, m, statements, rss)
        if arguments.json:
            arguments.json.write_text(
                json.dumps(
                    {"rounds": figures, "medians": m, "statements": statements, "rss": rss},
                    indent=2,
                )
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
