"""Readiness: do the database and the broker answer?

Checked off the event loop (the broker's client blocks) and within a short timeout, so a
stalled dependency makes /readyz say so quickly without holding up any other request. The
answer is reused for a moment and only one check runs at a time, so a storm of probes costs
one check.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import text

from resolvers.availability import outage_reason, within
from resolvers.context import Services


class Readiness:
    def __init__(self, services: Services, broker_answers: Callable[[float], bool]) -> None:
        self.services = services
        self.broker_answers = broker_answers
        self._lock = asyncio.Lock()
        self._checked_at = -float("inf")
        self._checks: dict[str, bool] = {}

    async def checks(self) -> dict[str, bool]:
        """Whether each dependency answers, checked at most once every few moments."""
        cache = self.services.settings.health_cache_seconds
        async with self._lock:
            if time.monotonic() - self._checked_at >= cache:
                database, broker = await asyncio.gather(
                    database_answers(self.services), self._broker()
                )
                self._checks = {"database": database, "broker": broker}
                self._checked_at = time.monotonic()
            return self._checks

    async def _broker(self) -> bool:
        timeout = self.services.settings.health_timeout_seconds
        try:
            # The thread is bounded by the same timeout inside the client, so none lingers.
            return await asyncio.wait_for(
                asyncio.to_thread(self.broker_answers, timeout), timeout + 1
            )
        except TimeoutError:
            return False


async def database_answers(services: Services) -> bool:
    """Whether the database answers a SELECT 1 within the health timeout; when it does not,
    the outage is noted (logged once when it begins)."""

    async def select_one() -> None:
        async with services.engine.connect() as db:
            await db.execute(text("SELECT 1"))

    try:
        await within(services.settings.health_timeout_seconds, select_one())
    except TimeoutError:
        services.database.lost("no answer to the readiness check")
        return False
    except Exception as error:
        if outage_reason(services, error) is None:
            raise
        return False
    services.database.answered()
    return True
