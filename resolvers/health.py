"""Readiness: does the database answer?"""

from __future__ import annotations

import logging

from sqlalchemy import text

from resolvers.context import Services

log = logging.getLogger("foyer.api")


async def database_answers(services: Services) -> bool:
    try:
        async with services.engine.connect() as db:
            await db.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("Database did not answer the readiness check", exc_info=True)
        return False
