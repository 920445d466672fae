"""How every Foyer process logs: timestamped lines at INFO on stderr, for each command and
for each API process a server starts by name (`infra.asgi`).

A log call only keeps its record; a thread of its own formats and writes what was kept,
every WRITE_EVERY seconds and at exit. Writing to stderr blocks when whatever reads it falls
behind (a full pipe to a log collector), and a line written on the event loop would stall
every request with it. The thread wakes on a clock, not on each record: waking it for
each of the API's lines (one per request) cost more than writing them.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from collections import deque
from typing import TextIO

LINE = "%(asctime)s %(levelname)s %(name)s %(message)s"
WRITE_EVERY = 0.05
# Kept while nothing can be written; past that, lines are counted and dropped rather than
# holding the memory of a log that nobody reads.
MOST_KEPT = 100_000


class LineWriter(logging.Handler):
    """Keeps each record, to be written by its own thread."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream
        self.setFormatter(logging.Formatter(LINE))
        self._kept: deque[logging.LogRecord] = deque()
        self._dropped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="foyer-log-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what is still kept, and stop; if stderr has been blocked for a while, give
        up on it (the process is ending)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        if not self._thread.is_alive():
            self._write()

    def emit(self, record: logging.LogRecord) -> None:
        # The message is formatted later, on the writer's thread: Foyer's log arguments are
        # values (names, numbers, ids), not objects that change in the meantime.
        if len(self._kept) < MOST_KEPT:
            self._kept.append(record)
        else:
            self._dropped += 1

    def _run(self) -> None:
        while not self._stop.wait(WRITE_EVERY):
            self._write()

    def _write(self) -> None:
        lines = []
        while self._kept:
            record = self._kept.popleft()
            try:
                lines.append(self.format(record))
            except Exception:
                self.handleError(record)
        if self._dropped:
            dropped, self._dropped = self._dropped, 0
            lines.append(f"{dropped} log lines were dropped: nothing could be written.")
        if lines:
            stream = self.stream or sys.stderr
            try:
                stream.write("\n".join(lines) + "\n")
                stream.flush()
            except Exception:
                pass  # stderr gone: nothing else can say so


def configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:  # as basicConfig: a host that set up logging keeps its own
        writer = LineWriter()
        writer.start()
        atexit.register(writer.stop)
        root.addHandler(writer)
        root.setLevel(logging.INFO)
    # pika announces every consumer and channel at INFO: a dozen lines per worker start
    # that hide Foyer's own. Its warnings and errors still show.
    logging.getLogger("pika").setLevel(logging.WARNING)
    # Foyer logs each request itself, without its query string (schema/access_log.py);
    # uvicorn's access log would write down a password sent in a GET's variables.
    logging.getLogger("uvicorn.access").disabled = True
