"""An API whose database or broker goes through a proxy the test controls, with timeouts
short enough that an outage is answered within a test's patience."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from pydantic import SecretStr

from infra.composition import Runtime, build_app, build_runtime
from infra.settings import Settings
from tests.integration.tcp_proxy import TcpProxy

SHORT_TIMEOUTS = {
    "db_connect_timeout_seconds": 2,
    "db_statement_timeout_seconds": 2,
    "db_pool_timeout_seconds": 1,
    "request_timeout_seconds": 3,
    "retry_after_seconds": 7,
    "health_timeout_seconds": 1,
    "health_cache_seconds": 0,
}


@dataclass
class Proxied:
    runtime: Runtime
    client: httpx.AsyncClient
    proxy: TcpProxy


def _through(proxy: TcpProxy, url: str, default_port: int) -> str:
    parsed = urlparse(url)
    return url.replace(
        f"{parsed.hostname}:{parsed.port or default_port}", f"127.0.0.1:{proxy.port}"
    )


@asynccontextmanager
async def proxied_api(settings: Settings, what: str, **overrides: Any) -> AsyncIterator[Proxied]:
    """The API with its `what` ("database" or "broker") reached through a proxy."""
    if what == "database":
        if settings.is_sqlite:
            pytest.skip("SQLite is a file: there is no connection to cut or stall.")
        proxy = TcpProxy(urlparse(settings.database_url).port or 5432)
        update: dict[str, Any] = {"database_url": _through(proxy, settings.database_url, 5432)}
    else:
        if settings.embedded_broker:
            pytest.skip("The in-process broker has no connection to cut or stall.")
        url = settings.broker_url.get_secret_value()
        proxy = TcpProxy(urlparse(url).port or 5672)
        update = {"broker_url": SecretStr(_through(proxy, url, 5672))}
    proxy.start()
    runtime = build_runtime(settings.model_copy(update={**SHORT_TIMEOUTS, **update, **overrides}))
    app = build_app(runtime, in_process_workers=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://foyer.test") as client:
            yield Proxied(runtime, client, proxy)
    finally:
        proxy.resume()
        proxy.close()
        await runtime.close()
