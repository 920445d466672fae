"""How every Foyer process logs: timestamped lines at INFO on stderr, for each command and
for each API process a server starts by name (`infra.asgi`)."""

from __future__ import annotations

import logging


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # pika announces every consumer and channel at INFO: a dozen lines per worker start
    # that hide Foyer's own. Its warnings and errors still show.
    logging.getLogger("pika").setLevel(logging.WARNING)
    # Foyer logs each request itself, without its query string (schema/access_log.py);
    # uvicorn's access log would write down a password sent in a GET's variables.
    logging.getLogger("uvicorn.access").disabled = True
