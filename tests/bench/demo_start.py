"""How long `foyer serve --demo` takes to answer on a new folder (it migrates and loads the
demo season) and on a restart, against `foyer serve` on a new folder (migrating only) in
the same run:

    .venv/bin/python -m tests.bench.demo_start [--rounds 3]

Each round starts each of the three once, in turn, on the embedded default (SQLite, the
in-process broker); the figures are medians over the rounds of the seconds until /readyz
answers 200, and each ratio is against the plain start of the same round."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.bench.database import foyer_command
from tests.bench.server import HOST, free_port, wait_until_answering


def seconds_to_ready(folder: Path, *arguments: str) -> float:
    """Start `foyer serve ARGUMENTS` in `folder`, wait for /readyz, stop it: the wait."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOYER_")}
    port = free_port()
    log = (folder / "serve.log").open("ab")
    started = time.monotonic()
    process = subprocess.Popen(
        foyer_command("serve", "--port", str(port), *arguments),
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_answering(
            "foyer serve",
            process,
            lambda: httpx.get(f"http://{HOST}:{port}/readyz", timeout=1),
            lambda: (folder / "serve.log").read_text()[-2000:],
        )
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    figures: dict[str, list[float]] = {"plain": [], "demo, new": [], "demo, restart": []}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as plain, tempfile.TemporaryDirectory() as demo:
            figures["plain"].append(seconds_to_ready(Path(plain)))
            figures["demo, new"].append(seconds_to_ready(Path(demo), "--demo"))
            figures["demo, restart"].append(seconds_to_ready(Path(demo), "--demo"))
    baseline = statistics.median(figures["plain"])
    print(f"foyer serve to /readyz, median of {rounds} rounds (embedded default)")
    for name, seconds in figures.items():
        median = statistics.median(seconds)
        each = ", ".join(f"{s:.2f}" for s in seconds)
        print(f"  {name:14} {median:6.2f} s  {median / baseline:5.2f}x of plain   ({each})")


if __name__ == "__main__":
    main()
