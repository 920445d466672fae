"""The mailing benchmark, on demand only: `pytest -m bench -s tests/bench/test_bench_mailings.py`.

It prints figures and asserts nothing about speed; it fails only when the benchmark cannot
run or the mailing does not reach every recipient once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.bench
def test_a_mailing_through_a_local_sink_against_the_sinks_ceiling() -> None:
    command = [sys.executable, "-m", "tests.bench.mailing_send", "--recipients", "10000"]
    assert subprocess.run(command, cwd=ROOT, timeout=1800).returncode == 0
