"""An ASGI scope for a POST to /graphql, for tests and benchmarks that call the app
directly (no client library, no server)."""

from __future__ import annotations

from typing import Any


def graphql_post_scope(
    headers: list[tuple[bytes, bytes]], client: tuple[str, int] = ("127.0.0.1", 50000)
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": client,
        "server": ("127.0.0.1", 80),
    }
