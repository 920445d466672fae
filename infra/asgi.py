"""The API as an app factory for servers that import it by name, one app per process:
`foyer serve --workers N`, or `uvicorn --factory infra.asgi:create_app` behind your own
process manager. Settings come from the environment (FOYER_...), as for every command."""

from __future__ import annotations

import logging
from typing import Any

from infra.composition import build_app, build_runtime
from infra.settings import Settings


def create_app() -> Any:
    # Foyer logs each request itself, without its query string (schema/access_log.py);
    # uvicorn's access log would write down a password sent in a GET's variables.
    logging.getLogger("uvicorn.access").disabled = True
    settings = Settings()
    return build_app(build_runtime(settings), in_process_workers=settings.embedded_broker)
