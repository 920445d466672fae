"""Limits on what a request may send: how many bytes (checked as they arrive, before the
body is read), and what its JSON may hold (valid UTF-8, a bounded nesting, no lone
surrogates, no NaN)."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.http_refusals import Refused, refusal

# A UTF-16 surrogate left in decoded text is half of a character: "\ud800" in JSON. It
# cannot be stored (UTF-8 has no encoding for it) and fails wherever it is written.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Only an escape can make one (strict UTF-8 decoding refuses an encoded surrogate), so
# text without such escapes need not be searched string by string.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses (413) a request whose body is over `max_bytes`: at once when its
    Content-Length says so, else as soon as the bytes received pass the limit (a chunked
    body), without reading the rest."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        responded = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def noting_send(message: Message) -> None:
            nonlocal responded
            responded = responded or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except _BodyTooLarge:
            if responded:  # an app that answered before reading its body
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The rest of the body is never read, so the connection cannot carry another
        # request: say so, and the server closes it after the answer.
        response = refusal(
            413,
            f"The request body is over the limit of {self.max_bytes} bytes.",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # the server refuses a malformed length before we see it
    return 0


def decode_json(data: str | bytes, max_depth: int) -> Any:
    """A request's JSON, or a 400 saying what is wrong with it."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Refused(
                400, f"The request is not valid UTF-8 (at byte {error.start}).", "INVALID_UTF8"
            ) from None
    try:
        decoded = json.loads(data, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise Refused(400, f"The request is not valid JSON: {error}.", "INVALID_JSON") from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    _check_values(decoded, max_depth, strings=_SURROGATE_ESCAPE.search(data) is not None)
    return decoded


_JSON_KINDS = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def json_object(decoded: Any) -> dict[str, Any]:
    """`decoded`, which must be an object: a GraphQL request is one (there is no batching)."""
    if not isinstance(decoded, dict):
        raise Refused(
            400,
            'Send a JSON object: {"query": "…", "variables": {…}}, not '
            f"{_JSON_KINDS.get(type(decoded), 'that')}.",
            "BAD_REQUEST",
        )
    return decoded


def _no_constant(name: str) -> Any:
    raise Refused(400, f"The request is not valid JSON: {name} is not a number.", "INVALID_JSON")


def _too_deep(max_depth: int) -> Refused:
    return Refused(
        400, f"The request's JSON is nested more than {max_depth} deep.", "JSON_TOO_DEEP"
    )


def _check_values(value: Any, max_depth: int, strings: bool) -> None:
    """Every container within `max_depth` and, with `strings`, every string whole
    characters. Without a stack of calls, so any nesting json.loads accepts is walked."""
    _check_text(value, strings)
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        container, depth = pending.pop()
        if depth > max_depth:
            raise _too_deep(max_depth)
        children = container.values() if isinstance(container, dict) else container
        for child in children:
            if isinstance(child, dict | list):
                pending.append((child, depth + 1))
            elif strings:
                _check_text(child, strings)
        if strings and isinstance(container, dict):
            for key in container:
                _check_text(key, strings)


def _check_text(value: Any, strings: bool) -> None:
    if strings and isinstance(value, str) and _LONE_SURROGATE.search(value):
        raise Refused(
            400,
            "The request's JSON has a lone surrogate (such as \\ud800), half of a "
            "character: send whole characters (UTF-8, or \\u escapes in pairs).",
            "LONE_SURROGATE",
        )
