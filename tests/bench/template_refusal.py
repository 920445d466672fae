"""What saving a hostile reminder template costs: jinja2's stock sandbox compiling it (what
the save check did before, constant folding included) against today's budgeted check
(rendering against sample values), in the same run. Medians of wall time and of peak
traced memory over the repeats.

    .venv/bin/python -m tests.bench.template_refusal [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date

from jinja2.sandbox import SandboxedEnvironment

from domain.errors import InvalidInput
from domain.fundraising.reminders import sample_values
from infra.mail.templates import OUTPUT_LIMIT, check_templates

HOSTILE = {
    "'x' * 10**8": "{{ 'x' * 10**8 }}",
    "center(10**8)": "{{ 'x'|center(100000000) }}",
    "3 nested loops of 1000": "{% for i in range(1000) %}{% for j in range(1000) %}"
    "{% for k in range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
}


def stock_compile(text: str) -> None:
    SandboxedEnvironment(autoescape=False).from_string(text)


def budgeted_check(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        check_templates(sample_values("Old Vic", "GBP", date.today()), body=(text, OUTPUT_LIMIT))


def measure(check: Callable[[str], None], text: str, repeats: int) -> tuple[float, float]:
    """Median milliseconds and median peak megabytes of `check(text)`."""
    times, peaks = [], []
    for _ in range(repeats):
        tracemalloc.start()
        start = time.perf_counter()
        check(text)
        times.append((time.perf_counter() - start) * 1000)
        peaks.append(tracemalloc.get_traced_memory()[1] / 1e6)
        tracemalloc.stop()
    return statistics.median(times), statistics.median(peaks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    print(f"{'template':26} {'stock compile':>22} {'budgeted check':>22}")
    for name, text in HOSTILE.items():
        before = measure(stock_compile, text, repeats)
        after = measure(budgeted_check, text, repeats)
        print(
            f"{name:26} {before[0]:9.1f} ms {before[1]:7.1f} MB {after[0]:9.1f} ms "
            f"{after[1]:7.1f} MB"
        )
    print("The stock compile accepts all three; the nested loops then never finish at send.")


if __name__ == "__main__":
    main()
