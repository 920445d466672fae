"""The customer benchmark at a small scale, on demand only: `pytest -m bench -s tests/bench`.

It prints figures and asserts nothing about speed (the machine decides that); it fails only
when the benchmark cannot run or Foyer and SQL disagree about the rows.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.bench
def test_customer_reads_over_http_and_in_raw_sql_at_small_scale() -> None:
    command = [
        sys.executable,
        "-m",
        "tests.bench.customers_http",
        "--customers",
        "20000",
        "--database",
        "foyer_bench_small",
        "--requests",
        "50",
        "--rounds",
        "1",
    ]
    assert subprocess.run(command, cwd=ROOT, timeout=1800).returncode == 0
