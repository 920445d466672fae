"""The timeline benchmark, on demand only: `pytest -m bench -s tests/bench/test_bench_timeline.py`.

It prints figures and asserts nothing about speed; it fails only when the benchmark cannot
run or Foyer and SQL disagree about the rows.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.bench
def test_timeline_pages_over_http_and_in_raw_sql() -> None:
    command = [sys.executable, "-m", "tests.bench.timeline_http", "--requests", "100"]
    assert subprocess.run(command, cwd=ROOT, timeout=1800).returncode == 0
