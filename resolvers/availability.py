"""The one place that decides "the database is unreachable", for every way a request can
meet it: authenticating the caller, a resolver's read, a mutation's commit, a request that
ran out of time while the database did not answer. Each becomes SERVICE_UNAVAILABLE with a
Retry-After, and the outage is logged once when it starts and once when it ends
(`Services.database`), not once per request. A request that ran out of time while the
database answered was only slow: REQUEST_TIMEOUT, and no outage."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from infra.db.outage import unreachable_reason
from resolvers.context import Services

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
T = TypeVar("T")
# A stalled server never sees psycopg's cancel request, and psycopg waits 10 s for it
# before it gives the connection up; cancelling again makes it close the connection at once.
_SECOND_CANCEL_SECONDS = 0.2


async def within(seconds: float, work: Awaitable[T]) -> T:
    """`work`'s result, or TimeoutError after `seconds` at the latest: the work is then
    cancelled and left to unwind on its own, so the caller answers on time."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    task.add_done_callback(_unwound)
    task.cancel()
    asyncio.get_running_loop().call_later(_SECOND_CANCEL_SECONDS, task.cancel)
    raise TimeoutError


def _unwound(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: the request it belonged to is answered already


def outage_reason(services: Services, error: BaseException) -> str | None:
    """Why `error` means the database cannot be used now (logging the outage if it just
    began), or None when it is some other failure."""
    reason = unreachable_reason(error)
    if reason is not None:
        services.database.lost(reason)
    return reason


def too_slow_error(services: Services, mutation: bool = False) -> dict[str, Any]:
    """The GraphQL error of a request stopped at its deadline while the database answered:
    it asked for too much at once, which no retry mends. For a mutation, whether it was
    made is unknown, so the error says how to send it again safely."""
    advice = (
        " A mutation sent with an Idempotency-Key can be sent again safely: it is made at "
        "most once."
        if mutation
        else ""
    )
    return {
        "message": (
            f"This request took longer than {services.settings.request_timeout_seconds:g} s "
            "and was stopped. Ask for less at once: smaller pages, fewer nested lists, a "
            f"narrower segment.{advice}"
        ),
        "extensions": {"code": REQUEST_TIMEOUT},
    }


def unavailable_message(services: Services) -> str:
    return (
        "Foyer cannot reach its database just now. Retry in "
        f"{services.settings.retry_after_seconds} s; a mutation sent with an Idempotency-Key "
        "is run at most once however often it is retried."
    )


def unavailable_error(services: Services) -> dict[str, Any]:
    """The GraphQL error of a request that never reached execution."""
    return {"message": unavailable_message(services), "extensions": {"code": SERVICE_UNAVAILABLE}}


def is_unavailable(response: dict[str, Any] | list[dict[str, Any]]) -> bool:
    """Whether a GraphQL response (or batch) reports an outage: it is then sent as a 503."""
    answers = response if isinstance(response, list) else [response]
    return any(
        (error.get("extensions") or {}).get("code") == SERVICE_UNAVAILABLE
        for answer in answers
        for error in answer.get("errors") or ()
    )
