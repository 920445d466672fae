"""Outage drills over loopback, this branch against the code it started from (its merge base
with main, exported to a temporary folder), each figure measured in the same run:

- a database cut: every request answered meanwhile, by HTTP status and error code;
- a database stall: the same, and how long the requests waited;
- a broker stall: the latency of /readyz and of a query sent at the same moment, probe by
  probe (the first pays the health timeout, the next reuse its answer for a moment);
- relay kills: messages published twice per SIGKILL of `foyer relay`, marking every 200
  messages (as before) against the configured small batch.

    .venv/bin/python -m tests.bench.outages [--seconds 3] [--repeats 3] [--backlog 3000]
        [--kills 3] [--baseline main]

Needs the local PostgreSQL and RabbitMQ (tests/conftest.py's addresses); sends nothing
beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from domain.roles import Role
from infra.auth.accounts import create_api_key, create_tenant
from infra.db.engine import build_async_engine
from infra.db.migrate import upgrade
from tests.bench.server import HOST, free_port
from tests.conftest import RABBITMQ, postgres_database
from tests.integration.relay_drill import kill_drill
from tests.integration.tcp_proxy import TcpProxy

ME = {"query": "{ viewer { name } }"}
CLIENTS = 4


def export_baseline(revision: str, folder: Path) -> Path:
    base = subprocess.run(
        ["git", "merge-base", "HEAD", revision], capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = folder / "base.tar"
    subprocess.run(["git", "archive", "-o", str(archive), base], check=True)
    code = folder / "base"
    with tarfile.open(archive) as tar:
        tar.extractall(code, filter="data")
    return code


async def _api_key(url: str) -> str:
    engine = build_async_engine(url)
    try:
        slug = await create_tenant(engine, f"Drill {uuid.uuid4().hex[:6]}")
        return await create_api_key(engine, slug, frozenset(Role), "outage drill")
    finally:
        await engine.dispose()


def _through(url: str, proxy: TcpProxy, port: int) -> str:
    return url.replace(f"127.0.0.1:{port}", f"127.0.0.1:{proxy.port}")


@contextmanager
def serving(code: Path | None, env: dict[str, str], log: Path) -> Iterator[str]:
    """`foyer serve` from `code` (None: this branch), until the block ends."""
    port = free_port()
    command = [sys.executable, "-c", "from infra.cli.main import app; app()"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "serve", "--host", HOST, "--port", str(port)],
            env=env,
            cwd=code or Path.cwd(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _outcome(response: httpx.Response) -> str:
    if "json" not in response.headers.get("content-type", ""):
        return f"{response.status_code} {response.headers.get('content-type', '?')}"
    errors = response.json().get("errors") or []
    codes = sorted({(e.get("extensions") or {}).get("code", "?") for e in errors}) or ["ok"]
    return f"{response.status_code} {','.join(codes)}"


async def during(base_url: str, key: str, seconds: float) -> tuple[collections.Counter[str], float]:
    """Requests sent by CLIENTS callers for `seconds`: outcomes, and the longest wait."""
    outcomes: collections.Counter[str] = collections.Counter()
    longest = 0.0
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {key}"}

    async def caller(client: httpx.AsyncClient) -> None:
        nonlocal longest
        while time.monotonic() < stop_at:
            started = time.monotonic()
            try:
                response = await client.post("/graphql", json=ME, headers=headers)
                outcomes[_outcome(response)] += 1
            except httpx.HTTPError as error:
                outcomes[type(error).__name__] += 1
            longest = max(longest, time.monotonic() - started)

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await asyncio.gather(*(caller(client) for _ in range(CLIENTS)))
    return outcomes, longest


async def readiness_and_query(base_url: str, key: str) -> tuple[float, float]:
    async def timed(request: Any) -> float:
        started = time.monotonic()
        await request
        return time.monotonic() - started

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        ready, query = await asyncio.gather(
            timed(client.get("/readyz")),
            timed(client.post("/graphql", json=ME, headers={"Authorization": f"Bearer {key}"})),
        )
    return ready, query


def drill(name: str, code: Path | None, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with postgres_database() as url:
        upgrade(url)
        key = asyncio.run(_api_key(url))
        database, broker = TcpProxy(5432), TcpProxy(urlparse(RABBITMQ).port or 5672)
        database.start()
        broker.start()
        env = {
            **os.environ,
            "FOYER_DATABASE_URL": _through(url, database, 5432),
            "FOYER_BROKER_URL": _through(RABBITMQ, broker, 5672),
            "FOYER_QUEUE_PREFIX": f"foyer-bench-{uuid.uuid4().hex[:6]}",
            "FOYER_FILES_DIR": str(folder / f"{name}-files"),
            "FOYER_REQUEST_TIMEOUT_SECONDS": str(args.request_timeout),
        }
        try:
            with serving(code, env, folder / f"{name}.log") as base_url:
                asyncio.run(during(base_url, key, 0.5))  # warm
                database.stop()
                figures["database cut"] = asyncio.run(during(base_url, key, args.seconds))
                database.start()
                asyncio.run(during(base_url, key, 1))  # recovered
                database.stall()
                figures["database stall"] = asyncio.run(during(base_url, key, args.seconds))
                database.resume()
                asyncio.run(during(base_url, key, 1))
                broker.stall()
                pairs = [
                    asyncio.run(readiness_and_query(base_url, key)) for _ in range(args.repeats)
                ]
                broker.resume()
                figures["broker stall"] = pairs
                log = (folder / f"{name}.log").read_text(errors="replace").splitlines()
                figures["log"] = (
                    sum("Traceback" in line for line in log),
                    sum("unreachable" in line or "answering again" in line for line in log),
                )
        finally:
            database.resume()
            broker.resume()
            database.stop()
            broker.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3, help="length of each outage")
    parser.add_argument("--repeats", type=int, default=3, help="broker-stall probes (median)")
    parser.add_argument("--backlog", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--baseline", default="main", help="compare with the merge base of this")
    parser.add_argument("--request-timeout", type=float, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        results = {
            "before": drill("before", export_baseline(args.baseline, folder), args, folder),
            "after": drill("after", None, args, folder),
        }
        for when, figures in results.items():
            print(f"\n== {when} ==")
            for outage in ("database cut", "database stall"):
                outcomes, longest = figures[outage]
                total = sum(outcomes.values())
                answers = ", ".join(f"{n} x {o}" for o, n in outcomes.most_common())
                print(f"{outage} {args.seconds:g} s: {total} requests: {answers}")
                print(f"    longest wait {longest:.2f} s")
            pairs = figures["broker stall"]
            ready = ", ".join(f"{p[0]:.2f}" for p in pairs)
            query = ", ".join(f"{p[1]:.2f}" for p in pairs)
            print(f"broker stalled, probe by probe: /readyz {ready} s; concurrent query {query} s")
            print(
                f"    medians: /readyz {statistics.median(p[0] for p in pairs):.2f} s,"
                f" query {statistics.median(p[1] for p in pairs):.2f} s"
            )
            tracebacks, transitions = figures["log"]
            print(f"server log: {tracebacks} tracebacks, {transitions} outage lines")
    for label, batch in (("marking every 200 (before)", 200), ("marking per small batch", None)):
        result = kill_drill(args.backlog, args.kills, batch)
        print(
            f"relay, {label}: {result.duplicates} duplicates in {result.kills} kills of a "
            f"{result.backlog} backlog ({result.duplicates / result.kills:.1f} per kill), "
            f"{result.backlog - result.distinct} lost"
        )


if __name__ == "__main__":
    main()
