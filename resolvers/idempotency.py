"""Idempotency-Key: a mutation retried with the same key runs once.

The same key with the same request (the caller, and the query normalised, its variables and
operation name) gets the first answer again for `idempotency_hours`; with a different request
it is a CONFLICT naming the key. A request arriving while the first is still running waits
for its answer (a CONFLICT if it does not come in time). Queries ignore the header. Answers
that say the database was unreachable are not kept: the retry they ask for runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from graphql import GraphQLError, OperationType, get_operation_ast, parse, print_ast

from domain.actors import Actor
from infra.clock import utc_now
from infra.db import idempotency
from resolvers.availability import is_unavailable
from resolvers.context import Services

HEADER = "Idempotency-Key"
MAX_KEY = 200
_POLL_SECONDS = 0.05
R = TypeVar("R")


@dataclass(frozen=True)
class Answer:
    """A response to send without running the request."""

    status_code: int
    body: str
    replayed: bool = False


class Answered(Exception):
    """Raised past GraphQL's execution: send `answer` instead."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer


def _error(status_code: int, message: str, code: str) -> Answer:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return Answer(status_code, json.dumps(body))


def fingerprint(
    actor: Actor,
    query: str | None,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    max_tokens: int,
) -> str | None:
    """What identifies a mutation request; None for anything else (a query, or a document
    that does not parse, which execution then reports)."""
    try:
        document = parse(query or "", max_tokens=max_tokens)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.MUTATION:
        return None
    identity = [actor.kind, actor.id, print_ast(document), variables or {}, operation_name]
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


async def admit(services: Services, actor: Actor, key: str, signature: str) -> Answer | None:
    """None when this request may run (it now holds the key); otherwise what to answer."""
    if not 0 < len(key) <= MAX_KEY:
        message = f"The {HEADER} header must be 1 to {MAX_KEY} characters."
        return _error(400, message, "BAD_USER_INPUT")
    settings = services.settings
    kept = timedelta(hours=settings.idempotency_hours)
    # A claim outlives its request only when the process died: the request itself is over
    # by its deadline.
    abandoned = timedelta(seconds=2 * settings.request_timeout_seconds)
    give_up = time.monotonic() + settings.request_timeout_seconds / 2
    while True:
        use = await idempotency.claim(
            services.engine, actor.tenant_id, key, signature, utc_now(), kept, abandoned
        )
        if use is None:
            return None
        if use.fingerprint != signature:
            return _error(
                409,
                f"{HEADER} `{key}` was already used for a different request; "
                "send a new key for a new request.",
                "CONFLICT",
            )
        if use.status_code is not None and use.response is not None:
            return Answer(use.status_code, use.response, replayed=True)
        if time.monotonic() > give_up:
            return _error(
                409,
                f"A request with {HEADER} `{key}` is still in progress; retry shortly.",
                "CONFLICT",
            )
        await asyncio.sleep(_POLL_SECONDS)


async def run_once(
    services: Services,
    actor: Actor,
    key: str,
    signature: str,
    execute: Callable[[], Awaitable[R]],
    present: Callable[[R], Awaitable[dict[str, Any]]],
) -> R:
    """Execute the request holding `key`, and keep its answer (as `present` makes it);
    raise Answered when an earlier use of the key answers instead."""
    answer = await admit(services, actor, key, signature)
    if answer is not None:
        raise Answered(answer)
    try:
        result = await execute()
    except BaseException:
        await forget(services, actor, key)
        raise
    presented = await present(result)
    if is_unavailable(presented):
        await forget(services, actor, key)
    else:
        await keep(services, actor, key, presented)
    return result


async def keep(services: Services, actor: Actor, key: str, answer: dict[str, Any]) -> None:
    await idempotency.keep_answer(
        services.engine,
        actor.tenant_id,
        key,
        200,
        json.dumps(answer, default=str, separators=(",", ":")),
    )


async def forget(services: Services, actor: Actor, key: str) -> None:
    """Release the key of a request that got no answer worth keeping. Best effort and
    bounded: it runs while the database may be the reason, and an unreleased claim is
    taken over once abandoned anyway."""
    with contextlib.suppress(Exception):  # the claim expires on its own
        async with asyncio.timeout(services.settings.db_connect_timeout_seconds):
            await idempotency.release(services.engine, actor.tenant_id, key)
