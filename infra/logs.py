"""How every Foyer process logs: timestamped lines at INFO on stderr, for each command and
for each API process a server starts by name (`infra.asgi`).

A log call only puts its record on a queue; a thread of its own formats and writes the
line. Writing to stderr blocks when whatever reads it falls behind (a full pipe to a log
collector), and a line written on the event loop would stall every request with it; the
API also logs a line per request, whose formatting is then off the loop's thread.
"""

from __future__ import annotations

import atexit
import logging
import queue
from logging.handlers import QueueHandler, QueueListener

LINE = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:  # as basicConfig: a host that set up logging keeps its own
        lines = logging.StreamHandler()
        lines.setFormatter(logging.Formatter(LINE))
        records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        writer = QueueListener(records, lines, respect_handler_level=True)
        writer.start()
        atexit.register(writer.stop)  # what is still queued is written before the exit
        root.addHandler(QueueHandler(records))
        root.setLevel(logging.INFO)
    # pika announces every consumer and channel at INFO: a dozen lines per worker start
    # that hide Foyer's own. Its warnings and errors still show.
    logging.getLogger("pika").setLevel(logging.WARNING)
    # Foyer logs each request itself, without its query string (schema/access_log.py);
    # uvicorn's access log would write down a password sent in a GET's variables.
    logging.getLogger("uvicorn.access").disabled = True
