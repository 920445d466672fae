"""A log call never waits for stderr: with nobody reading the pipe behind it (a log
collector fallen behind), a process goes on working, and its lines are all written once
the pipe drains."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import threading

import pytest

from infra import logs

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


def test_lines_that_cannot_be_kept_are_counted_and_said_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logs, "MOST_KEPT", 3)
    out = io.StringIO()
    writer = logs.LineWriter(out)  # not started: nothing is written until it stops
    log = logging.getLogger("foyer.test.dropped")
    log.addHandler(writer)
    log.propagate = False
    try:
        for n in range(5):  # two over what it keeps
            log.warning("line %d", n)
    finally:
        log.removeHandler(writer)
        writer.stop()
    lines = out.getvalue().splitlines()
    assert [line.split(" ", 4)[-1] for line in lines[:3]] == ["line 0", "line 1", "line 2"]
    assert lines[3:] == ["2 log lines were dropped: nothing could be written."]
