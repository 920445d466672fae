"""One line per request: method, path, status, duration, the GraphQL operation's name and
the request id. Never the query string: a GET to /graphql can carry a password in its
variables, and the server's own access log (uvicorn's, turned off) would write it down."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import GraphQLError, OperationType
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from schema.limits import chosen_operation

log = logging.getLogger("foyer.access")

_SCOPE_KEY = "foyer.access"
# A caller's own request id is kept only when it cannot forge a log line.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass
class Access:
    request_id: str
    operation: str | None = None
    # Whether the operation is a mutation: a retry's advice differs (schema/app.py).
    mutation: bool = False

    def named(self, operation: str | None, mutation: bool) -> None:
        self.operation = operation
        self.mutation = mutation


def access_of(scope: Scope) -> Access:
    """This request's entry in the access log (a fresh one outside AccessLog)."""
    access = scope.get(_SCOPE_KEY)
    return access if isinstance(access, Access) else Access(_request_id(scope))


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            sent = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(sent):
                return sent
    return uuid.uuid4().hex[:12]


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        access = scope[_SCOPE_KEY] = Access(_request_id(scope))
        status = 500  # unless an answer starts: the app failed
        started = time.perf_counter()

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            log.info(
                "%s %s %d %.1fms operation=%s request=%s",
                scope["method"],
                scope["path"].encode("unicode_escape").decode("ascii"),
                status,
                (time.perf_counter() - started) * 1000,
                access.operation or "-",
                access.request_id,
            )


class NameOperation(SchemaExtension):
    """Tells the access log which operation the request runs, once it is parsed."""

    def on_parse(self) -> Iterator[None]:
        yield
        try:
            operation = chosen_operation(self.execution_context)
        except GraphQLError:  # refused by the query limits
            return
        if operation is not None:
            name = operation.name.value if operation.name is not None else None
            mutation = operation.operation is OperationType.MUTATION
            self.execution_context.context.name_operation(name, mutation)
