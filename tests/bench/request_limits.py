"""Hostile requests against `foyer serve` (SQLite, in-process broker, a temporary folder):
how fast the fragment bomb is refused and what `/healthz` costs meanwhile, the largest body
accepted, and how fast a 100 MB body is refused.

    .venv/bin/python -m tests.bench.request_limits [--rounds 5] [--levels 23]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.bench.server import HOST, FoyerServer
from tests.e2e.test_query_limits import doubling

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 1 << 16


def _ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"


def health_alone(client: httpx.Client, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.get("/healthz").raise_for_status()
        times.append(time.perf_counter() - started)
    return times


def bomb_with_health(base_url: str, levels: int) -> tuple[float, str, list[float]]:
    """The bomb's refusal time and code, and /healthz latencies while it is in flight."""
    done = threading.Event()
    answer: dict[str, object] = {}

    def bomb() -> None:
        with httpx.Client(base_url=base_url, timeout=600) as client:
            started = time.perf_counter()
            response = client.post("/graphql", json={"query": doubling(levels)})
            answer["seconds"] = time.perf_counter() - started
            answer["code"] = response.json()["errors"][0]["extensions"]["code"]
            done.set()

    with httpx.Client(base_url=base_url, timeout=600) as prober:
        prober.get("/healthz")  # connected before the bomb goes
        thread = threading.Thread(target=bomb)
        thread.start()
        during = []
        while not done.is_set() or not during:
            during += health_alone(prober, 1)
        thread.join()
    return float(answer["seconds"]), str(answer["code"]), during  # type: ignore[arg-type]


def largest_accepted(client: httpx.Client, limit: int) -> tuple[int, int]:
    """The statuses of a body of exactly `limit` bytes and of one byte more."""
    head = b'{"query": "{ __typename }", "pad": "'

    def status(size: int) -> int:
        body = head + b" " * (size - len(head) - 2) + b'"}'
        return client.post(
            "/graphql", content=body, headers={"Content-Type": "application/json"}
        ).status_code

    return status(limit), status(limit + 1)


def refuse_hundred_mb(base_url: str, chunked: bool) -> tuple[float, int]:
    """Seconds from the first byte sent to the 413, and the body bytes sent by then."""
    host, port = base_url.removeprefix("http://").split(":")
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % HUNDRED_MB
    head = b"POST /graphql HTTP/1.1\r\nHost: foyer\r\nContent-Type: application/json\r\n"
    chunk = b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK) if chunked else b" " * CHUNK
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        started = time.perf_counter()
        connection.sendall(head + framing + b"\r\n\r\n")
        connection.setblocking(False)
        sent = 0
        answer = b""
        while not answer.startswith(b"HTTP/1.1 ") and sent < HUNDRED_MB:
            try:
                answer += connection.recv(65_536)
                continue
            except BlockingIOError:
                pass
            try:
                sent += connection.send(chunk)
            except (BlockingIOError, ConnectionError):
                time.sleep(0.001)
        connection.setblocking(True)
        while b"\r\n" not in answer:
            answer += connection.recv(65_536)
        seconds = time.perf_counter() - started
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:80]
    return seconds, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--levels", type=int, default=23)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
        env["FOYER_DATABASE_URL"] = f"sqlite:///{folder}/foyer.db"
        env["FOYER_FILES_DIR"] = f"{folder}/files"
        limit = int(os.environ.get("FOYER_MAX_BODY_BYTES", 1_048_576))
        with FoyerServer(env, Path(folder) / "serve.log") as server:
            assert server.base_url.startswith(f"http://{HOST}:")
            with httpx.Client(base_url=server.base_url, timeout=60) as client:
                baseline = health_alone(client, 50)
                print(f"/healthz alone: {_ms(baseline)} (50 requests)")
                refusals, during = [], []
                for _ in range(arguments.rounds):
                    seconds, code, health = bomb_with_health(server.base_url, arguments.levels)
                    refusals.append(seconds)
                    during += health
                query = doubling(arguments.levels)
                print(
                    f"fragment bomb ({arguments.levels} levels, {len(query)} characters): {code} "
                    f"in {_ms(refusals)} over {arguments.rounds} rounds"
                )
                print(
                    f"/healthz during the bomb: {_ms(during)} ({len(during)} requests), "
                    f"median {statistics.median(during) / statistics.median(baseline):.2f}x alone"
                )
                at, over = largest_accepted(client, limit)
                print(f"body of {limit} bytes: {at}; of {limit + 1} bytes: {over}")
            for chunked in (False, True):
                times, sent = [], 0
                for _ in range(arguments.rounds):
                    seconds, sent = refuse_hundred_mb(server.base_url, chunked)
                    times.append(seconds)
                framing = "chunked" if chunked else "with Content-Length"
                print(
                    f"100 MB body {framing}: 413 in {_ms(times)}, "
                    f"{sent / 1e6:.1f} MB sent by then (last round)"
                )


if __name__ == "__main__":
    main()
