"""`viewer` latency while clients loop on bad log-ins, for a baseline checkout and this code.

Each variant is `foyer serve` (SQLite, the in-process broker) on a free loopback port with
a database of its own, migrated and given an organisation, a staff user and an API key by
its own code's `foyer` commands. Per round: `{ viewer { name } }` with the key, one at a
time every 50 ms, for `--seconds` and `--requests` at least, while idle, then the same
while `--attackers` clients each loop on `login` with a wrong password (a new unknown email
each time, as credential stuffing does). The report gives each variant's median over the
rounds, and its ratio to the baseline's.

    .venv/bin/python -m tests.bench.login_contention --baseline /work/main \\
        [--rounds 3] [--seconds 10] [--requests 10] [--attackers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.bench.database import foyer_command
from tests.bench.server import FoyerServer

VIEWER = "{ viewer { name } }"
LOGIN = 'mutation($e: String!) { login(email: $e, password: "wrong password") { errors { code } } }'
EMAIL, PASSWORD = "staff@bench.example", "a long enough password"
# The throttle as good as off: what the thread pool does alone.
NO_THROTTLE = {
    "FOYER_LOGIN_FAILURES_PER_EMAIL": "1000000000",
    "FOYER_LOGIN_FAILURES_PER_ADDRESS": "1000000000",
}


@dataclass(frozen=True)
class Variant:
    label: str
    code: Path  # the checkout whose packages the server imports
    env: dict[str, str]


@dataclass(frozen=True)
class Round:
    idle_p50: float  # ms
    attacked_p50: float  # ms
    logins_per_second: float
    outcomes: Counter[str]


def _run(variant_env: dict[str, str], *arguments: str, stdin: str = "") -> str:
    done = subprocess.run(
        foyer_command(*arguments),
        env=variant_env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _environment(variant: Variant, folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(variant.code),
        FOYER_DATABASE_URL=f"sqlite:///{folder / 'foyer.db'}",
        FOYER_BROKER_URL="",
        FOYER_FILES_DIR=str(folder / "files"),
        FOYER_MAIL_DIR=str(folder / "mail"),
        **variant.env,
    )
    return env


def _prepare(env: dict[str, str]) -> str:
    """Migrate, create the organisation, user and key; return the key."""
    _run(env, "migrate")
    slug = _run(env, "org", "create", "Bench Theatre")
    _run(
        env,
        *("user", "create", "--org", slug, "--email", EMAIL, "--roles", "SALES"),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return _run(env, "apikey", "create", "--org", slug, "--roles", "SALES")


async def _viewer_p50(client: httpx.AsyncClient, key: str, requests: int, seconds: float) -> float:
    """The median of at least `requests` viewer requests, one every 50 ms as a person's
    browser might send them, over at least `seconds`."""
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    while len(latencies) < requests or time.perf_counter() < until:
        started = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {key}"}
        )
        latencies.append(time.perf_counter() - started)
        assert response.json()["data"]["viewer"]["name"], response.text
        await asyncio.sleep(0.05)
    return statistics.median(latencies) * 1000


async def _attack(client: httpx.AsyncClient, stop: asyncio.Event, outcomes: Counter[str]) -> None:
    while not stop.is_set():
        email = f"guess-{uuid.uuid4().hex[:10]}@bench.example"
        response = await client.post("/graphql", json={"query": LOGIN, "variables": {"e": email}})
        errors = response.json()["data"]["login"]["errors"]
        outcomes[errors[0]["code"] if errors else "OK"] += 1


async def _round(base_url: str, key: str, requests: int, seconds: float, attackers: int) -> Round:
    limits = httpx.Limits(max_connections=attackers + 1)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        idle = await _viewer_p50(client, key, requests, seconds)
        stop, outcomes = asyncio.Event(), Counter[str]()
        loops = [asyncio.create_task(_attack(client, stop, outcomes)) for _ in range(attackers)]
        await asyncio.sleep(1.0)  # let the loops get going
        started, before = time.perf_counter(), sum(outcomes.values())
        attacked = await _viewer_p50(client, key, requests, seconds)
        rate = (sum(outcomes.values()) - before) / (time.perf_counter() - started)
        stop.set()
        await asyncio.gather(*loops)
    return Round(idle, attacked, rate, outcomes)


def measure(
    variant: Variant, rounds: int, requests: int, seconds: float, attackers: int
) -> list[Round]:
    with tempfile.TemporaryDirectory(prefix="foyer-login-bench-") as name:
        folder = Path(name)
        env = _environment(variant, folder)
        key = _prepare(env)
        with FoyerServer(env, folder / "serve.log") as server:
            return [
                asyncio.run(_round(server.base_url, key, requests, seconds, attackers))
                for _ in range(rounds)
            ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="e.g. /work/main")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=10, help="viewer requests, at least")
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase, at least")
    parser.add_argument("--attackers", type=int, default=4)
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[2]
    variants = [
        Variant(f"baseline ({args.baseline})", args.baseline, {}),
        Variant("this code, throttle lifted", here, NO_THROTTLE),
        Variant("this code, default throttle", here, {}),
    ]
    results = {
        v.label: measure(v, args.rounds, args.requests, args.seconds, args.attackers)
        for v in variants
    }
    base = statistics.median(r.attacked_p50 for r in results[variants[0].label])
    print(
        f"viewer p50 (ms), median of {args.rounds} rounds of >= {args.requests} requests "
        f"over >= {args.seconds:.0f} s; "
        f"{args.attackers} clients looping on bad log-ins"
    )
    print(f"{'variant':<40} {'idle':>8} {'attacked':>9} {'÷ base':>7} {'logins/s':>9}  outcomes")
    for label, rounds in results.items():
        idle = statistics.median(r.idle_p50 for r in rounds)
        attacked = statistics.median(r.attacked_p50 for r in rounds)
        rate = statistics.median(r.logins_per_second for r in rounds)
        outcomes = sum((r.outcomes for r in rounds), Counter[str]())
        ratio = attacked / base
        print(
            f"{label:<40} {idle:8.1f} {attacked:9.1f} {ratio:7.3f} {rate:9.1f}  "
            + ", ".join(f"{code} {n}" for code, n in outcomes.most_common())
        )


if __name__ == "__main__":
    main()
