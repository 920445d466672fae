"""A/B of two checkouts over HTTP: the same parity scenario against two `foyer serve`
processes side by side, one running each checkout's code, in alternating rounds.

    python -m tests.bench.ab_http --database foyer_bench_parity --a /path/to/before \\
        --b /path/to/after [--scenario "name search, 20" ...] [--rounds 40] [--requests 100]

The database must already hold the parity data (tests.bench.parity_http fills it). Each
round sends `--requests` requests to one server, then as many to the other; who goes first
alternates. Prints the median of the rounds' p50s for each and B ÷ A. On a shared machine
the two servers meet the same neighbours within a round's second, which an in-process A/B
on another event loop (profile_reads) does not reproduce. Asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

import psycopg

from infra.auth.secrets import digest
from tests.bench import parity_scenarios
from tests.bench.customers_http import ADMIN_URL, create_api_key, revoke_api_key
from tests.bench.database import BenchDatabase, demo_tenant_id, foyer_environment
from tests.bench.measure import GraphQLClient
from tests.bench.server import FoyerServer


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.ab_http")
    parser.add_argument("--database", required=True)
    parser.add_argument("--a", type=Path, required=True, help="the checkout measured first")
    parser.add_argument("--b", type=Path, required=True, help="the checkout compared with it")
    parser.add_argument("--scenario", action="append")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--requests", type=int, default=100, help="per round and server")
    return parser.parse_args(argv)


async def _compare(
    urls: dict[str, str], key: str, scenario: parity_scenarios.Parity, rounds: int, n: int
) -> dict[str, float]:
    clients = {side: GraphQLClient(url, key, 1) for side, url in urls.items()}
    inputs = [foyer for foyer, _, _ in scenario.inputs]
    p50s: dict[str, list[float]] = {side: [] for side in clients}
    try:
        for client in clients.values():  # warm, and the answers are answers
            await client.run(scenario.foyer, inputs[:50])
        for number in range(rounds):
            order = ("a", "b") if number % 2 == 0 else ("b", "a")
            for side in order:
                timings, _ = await clients[side].run(scenario.foyer, inputs[:n])
                p50s[side].append(timings.percentile(50))
    finally:
        for client in clients.values():
            await client.aclose()
    return {side: statistics.median(values) for side, values in p50s.items()}


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    database = BenchDatabase(ADMIN_URL, arguments.database)
    scratch = Path(tempfile.mkdtemp(prefix="foyer-bench-ab-"))
    env = foyer_environment(database, scratch / "files")
    key = create_api_key(env)
    try:
        tenant_id = demo_tenant_id(database)
        assert tenant_id is not None, f"{arguments.database} holds no parity data"
        with psycopg.connect(database.url) as db:
            scenarios = parity_scenarios.build(db, tenant_id, arguments.requests, digest(key))
        wanted = set(arguments.scenario or [s.name for s in scenarios])
        side_env = {
            side: {**env, "PYTHONPATH": str(path.resolve())}
            for side, path in (("a", arguments.a), ("b", arguments.b))
        }
        with (
            FoyerServer(side_env["a"], scratch / "a.log") as a,
            FoyerServer(side_env["b"], scratch / "b.log") as b,
        ):
            urls = {"a": a.base_url, "b": b.base_url}
            print(f"A {arguments.a}\nB {arguments.b}")
            print(f"{arguments.rounds} alternating rounds of {arguments.requests} requests each")
            for scenario in scenarios:
                if scenario.name not in wanted:
                    continue
                found = asyncio.run(
                    _compare(urls, key, scenario, arguments.rounds, arguments.requests)
                )
                print(
                    f"{scenario.name:28} A p50 {found['a']:7.3f} ms  B p50 {found['b']:7.3f} ms"
                    f"  B ÷ A {found['b'] / found['a']:.3f}  (medians of the rounds' p50s)"
                )
    finally:
        revoke_api_key(env, key)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
