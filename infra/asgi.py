"""The API as an app factory for servers that import it by name, one app per process:
`foyer serve --workers N`, or `uvicorn --factory infra.asgi:create_app` behind your own
process manager. Settings come from the environment (FOYER_...), as for every command."""

from __future__ import annotations

from typing import Any

from infra.composition import build_app, build_runtime
from infra.logs import configure_logging
from infra.settings import Settings


def create_app() -> Any:
    # A server that imports the app by name starts a fresh process: it logs as `foyer`
    # commands do, and without uvicorn's access log.
    configure_logging()
    settings = Settings()
    return build_app(build_runtime(settings), in_process_workers=settings.embedded_broker)
