"""The segments benchmark, on demand only: `pytest -m bench -s tests/bench/test_bench_segments.py`
runs it small (20,000 customers, 100,000 order items); the issue's size is
`python -m tests.bench.segments_bench` (README). It prints figures and asserts nothing about
speed; it fails only when it cannot run or Foyer and the hand-written SQL disagree.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.bench
def test_segment_count_and_breakdown_against_hand_written_sql() -> None:
    command = [
        sys.executable,
        "-m",
        "tests.bench.segments_bench",
        "--customers",
        "20000",
        "--items",
        "100000",
        "--database",
        "foyer_bench_segments_small",
        "--requests",
        "10",
    ]
    assert subprocess.run(command, cwd=ROOT, timeout=1800).returncode == 0
