"""A keep-alive HTTP/1.1 client over plain asyncio streams, for timing servers.

httpx spends about 0.7 ms of client CPU per request on this machine, which is more than a
warm `{ __typename }` costs the server: it inflated every latency by the same amount and
pulled every ratio towards 1. This client writes one pre-built request and reads one
response (Content-Length or chunked), so what it times is almost all the server's.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class HttpError(RuntimeError):
    """A response that is not a 2xx."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, request: bytes) -> Response:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        else:
            raise HttpError("a response with neither Content-Length nor chunks")
        return Response(status, body)

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        self.writer.close()


class LeanClient:
    """Up to `connections` kept-alive connections to `base_url`, each used by one request at
    a time."""

    def __init__(self, base_url: str, headers: dict[str, str], connections: int) -> None:
        address = urlsplit(base_url)
        self._host, self._port = address.hostname or "127.0.0.1", address.port or 80
        self._headers = {"Host": f"{self._host}:{self._port}", **headers}
        self._idle: asyncio.Queue[_Connection] = asyncio.Queue()
        self._opened = 0
        self._limit = connections

    def _request(
        self, method: str, path: str, body: bytes, headers: dict[str, str] | None
    ) -> bytes:
        fields = {**self._headers, **(headers or {})}
        if method == "POST":
            fields["Content-Type"] = "application/json"
            fields["Content-Length"] = str(len(body))
        lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in fields.items() if v)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def _connection(self) -> _Connection:
        if self._idle.empty() and self._opened < self._limit:
            self._opened += 1
            return _Connection(*await asyncio.open_connection(self._host, self._port))
        return await self._idle.get()

    async def send(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        request = self._request(method, path, body, headers)
        connection = await self._connection()
        try:
            response = await connection.exchange(request)
        except (asyncio.IncompleteReadError, ConnectionError):
            # A kept-alive connection the server closed while it was idle (uvicorn's
            # keep-alive timeout): the request never reached it, so it goes once more.
            connection.close()
            connection = _Connection(*await asyncio.open_connection(self._host, self._port))
            response = await connection.exchange(request)
        except BaseException:
            connection.close()
            self._opened -= 1
            raise
        self._idle.put_nowait(connection)
        if not 200 <= response.status < 300:
            raise HttpError(f"HTTP {response.status}: {response.body[:500]!r}")
        return response

    async def aclose(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()
        self._opened = 0
