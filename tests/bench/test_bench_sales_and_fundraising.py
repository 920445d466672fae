"""The sales and fundraising benchmarks at a small scale, on demand only:
`pytest -m bench -s tests/bench/test_bench_sales_and_fundraising.py`.

They print figures and assert nothing about speed (the machine decides that); they fail only
when a benchmark cannot run or Foyer and SQL disagree about the rows.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DATABASE = "foyer_bench_sales_small"


def run(module: str, *arguments: str) -> None:
    command = [sys.executable, "-m", f"tests.bench.{module}", "--database", DATABASE, *arguments]
    assert subprocess.run(command, cwd=ROOT, timeout=1800).returncode == 0


@pytest.mark.bench
def test_orders_over_http_at_small_scale() -> None:
    run(
        "orders_http",
        *("--customers", "5000", "--order-items", "50000", "--requests", "50"),
        *("--orders", "100", "--rounds", "1"),
    )


@pytest.mark.bench
def test_fundraising_over_http_at_small_scale() -> None:
    run(
        "fundraising_http",
        *("--customers", "5000", "--opportunities", "2000", "--donations", "20000"),
        *("--due-instalments", "2000", "--requests", "30", "--rounds", "1"),
        *("--reminder-rounds", "1"),
    )
