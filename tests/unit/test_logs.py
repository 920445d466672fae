"""A log call never waits for stderr: with nobody reading the pipe behind it (a log
collector fallen behind), a process goes on working, and its lines are all written once
the pipe drains."""

from __future__ import annotations

import subprocess
import sys
import threading

LINES = 20_000  # 2 MB of lines, far more than a pipe holds

LOGGING = f"""
import logging, sys
from infra.logs import configure_logging
configure_logging()
for n in range({LINES}):
    logging.getLogger("foyer.test").info("line %d %s", n, "x" * 80)
print("done", flush=True)
"""


def test_logging_goes_on_while_nobody_reads_stderr() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", LOGGING],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    said: list[str] = []
    assert child.stdout is not None
    reader = threading.Thread(target=lambda: said.append(child.stdout.readline()))
    reader.start()
    reader.join(timeout=30)
    # Blocked on a full stderr pipe, the child never gets as far as saying it is done.
    done = said == ["done\n"]
    _, written = child.communicate(timeout=60)  # now drain it: every line arrives
    assert done
    assert child.returncode == 0
    lines = written.splitlines()
    assert len(lines) == LINES and lines[-1].endswith(f"line {LINES - 1} {'x' * 80}")
    assert " INFO foyer.test line 0 " in lines[0]
