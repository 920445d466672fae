"""Where a read's time goes inside the API process: the parity scenarios run in-process
(straight into the ASGI app: no client library, no server, no network) under cProfile, or
just timed.

    python -m tests.bench.profile_reads --database read_lists_small
        [--scenario "opportunities dashboard" ...] [--requests 300] [--profile out.prof]
        [--top 40]

The database must already hold the bench data (tests.bench.parity_http fills it). Prints
the mean time per request of each scenario and, with --profile, the functions that cost
most; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from infra.auth.secrets import digest
from tests.asgi_scope import graphql_post_scope
from tests.bench import parity_scenarios
from tests.bench.customers_http import ADMIN_URL, create_api_key, revoke_api_key
from tests.bench.database import BenchDatabase, demo_tenant_id, foyer_environment


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.profile_reads")
    parser.add_argument("--database", required=True)
    parser.add_argument("--scenario", action="append")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", type=Path, help="write cProfile's figures here")
    parser.add_argument("--top", type=int, default=40)
    return parser.parse_args(argv)


async def _post(app: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One POST straight into the ASGI app: no client library, so the CPU counted is the
    server's (httpx's in-process transport cost about as much as a small request)."""
    scope = graphql_post_scope(headers)
    sent = False
    status, parts = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(parts)


async def _run(
    app: Any, key: str, scenario: parity_scenarios.Parity, n: int
) -> tuple[float, float]:
    async def one(variables: dict[str, Any]) -> None:
        body = json.dumps({"query": scenario.foyer, "variables": variables}).encode()
        headers = [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {key}".encode()),
        ]
        status, answer = await _post(app, body, headers)
        data = json.loads(answer)
        if status != 200 or data.get("errors"):
            raise RuntimeError(f"{scenario.name}: {status} {data}")

    inputs = [v for v, _, _ in scenario.inputs]
    for variables in inputs[:20]:  # warm
        await one(variables)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        await one(inputs[i % len(inputs)])
    return (time.perf_counter() - started) / n, (time.process_time() - cpu) / n


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    database = BenchDatabase(ADMIN_URL, arguments.database)
    files = Path(tempfile.mkdtemp(prefix="foyer-profile-"))
    env = foyer_environment(database, files)
    os.environ.update(env)
    key = create_api_key(env)
    try:
        tenant_id = demo_tenant_id(database)
        assert tenant_id is not None
        with psycopg.connect(database.url) as db:
            scenarios = parity_scenarios.build(db, tenant_id, 100, digest(key))
        wanted = set(arguments.scenario or [s.name for s in scenarios])
        from infra.composition import build_app, build_runtime
        from infra.settings import Settings

        app = build_app(build_runtime(Settings()), in_process_workers=False)
        # CPU time, not the clock's: on a shared machine the clock counts other processes'
        # turns against whatever function was running.
        profiler = cProfile.Profile(time.process_time) if arguments.profile else None
        for scenario in scenarios:
            if scenario.name not in wanted:
                continue
            asyncio.run(_run(app, key, scenario, 20))
            if profiler:
                profiler.enable()
            wall, cpu = asyncio.run(_run(app, key, scenario, arguments.requests))
            if profiler:
                profiler.disable()
            print(
                f"{scenario.name:28} {wall * 1000:7.2f} ms a request, {cpu * 1000:7.2f} ms of"
                " CPU (in-process, means)"
            )
        if profiler:
            profiler.dump_stats(arguments.profile)
            stats = pstats.Stats(str(arguments.profile))
            stats.sort_stats("tottime").print_stats(arguments.top)
            stats.sort_stats("cumulative").print_stats(arguments.top)
    finally:
        revoke_api_key(env, key)
        subprocess.run(["rm", "-rf", str(files)], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
