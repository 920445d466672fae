"""What every mutation does: decode its input, run a domain service in one transaction,
present the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.types import Info


async def perform(
    info: Info,
    key: str,
    command: Callable[[], Any],
    service: Callable[[Any, Any], Awaitable[Any]],
    present: Callable[[Any], Any],
) -> dict[str, Any]:
    """Build the command (decoding ids), run the service in one transaction, present it."""
    built = command()
    result = await info.context.perform(lambda uow: service(uow, built))
    return {key: present(result) if result is not None else None}
