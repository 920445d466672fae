"""Throttling password guessing: failed log-ins counted per email and per client address.

Every attempt is counted as a failure before its password is checked, in one atomic
upsert, and given back when it succeeds. Counting first is what makes the limit hold under
concurrency: twenty guesses sent at once each get their own count, and only those within
the limit reach argon2. Checking first and counting after would let them all through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.errors import RateLimited
from infra.auth.secrets import digest
from infra.clock import utc_now
from infra.db.login_tables import login_failure

EMAIL, ADDRESS = "email", "address"


@dataclass(frozen=True)
class LoginAttempt:
    """Who is trying: the email as typed (any case) and the client's address, if known."""

    email: str
    address: str | None

    def subjects(self) -> dict[str, str]:
        """What the attempt is counted against, by scope."""
        counted = {EMAIL: digest(self.email.strip().lower())}
        if self.address:
            counted[ADDRESS] = self.address[:64]
        return counted


@dataclass(frozen=True)
class LoginThrottle:
    failures_per_email: int
    failures_per_address: int
    window: timedelta

    async def admit(self, engine: AsyncEngine, attempt: LoginAttempt) -> None:
        """Count the attempt as failed; raise RateLimited if that takes the email or the
        address past its limit (the password must then not be checked at all)."""
        now = utc_now()
        async with engine.begin() as db:
            counts = await self._count(db, attempt, now)
        if any(failures == 1 for _, failures, _ in counts):
            await self._prune(engine, now)
        limits = {EMAIL: self.failures_per_email, ADDRESS: self.failures_per_address}
        waits = [
            started + self.window - now
            for scope, failures, started in counts
            if failures > limits[scope]
        ]
        if waits:
            raise RateLimited(
                "Too many failed log-ins for this email or from this address",
                max(1, math.ceil(max(waits).total_seconds())),
            )

    async def forgive(self, db: AsyncConnection, attempt: LoginAttempt) -> None:
        """The attempt succeeded: the email starts afresh, and the address gets back the
        failure counted against it (colleagues behind one address log in all morning)."""
        subjects = attempt.subjects()
        c = login_failure.c
        await db.execute(
            delete(login_failure).where(c.scope == EMAIL, c.subject == subjects[EMAIL])
        )
        if ADDRESS in subjects:
            await db.execute(
                update(login_failure)
                .where(c.scope == ADDRESS, c.subject == subjects[ADDRESS], c.failures > 0)
                .values(failures=c.failures - 1)
            )

    async def _count(
        self, db: AsyncConnection, attempt: LoginAttempt, now: datetime
    ) -> list[tuple[str, int, datetime]]:
        """Add one failure to each subject's count in one statement, opening a new window
        where the last one has closed; the counts and window starts after the addition."""
        dialect = postgresql if db.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(login_failure).values(
            [
                {"scope": scope, "subject": subject, "window_started_at": now, "failures": 1}
                for scope, subject in attempt.subjects().items()
            ]
        )
        c, closed = login_failure.c, self._closed(now)
        statement = statement.on_conflict_do_update(
            index_elements=[c.scope, c.subject],
            set_={
                "failures": case((closed, 1), else_=c.failures + 1),
                "window_started_at": case((closed, now), else_=c.window_started_at),
            },
        ).returning(c.scope, c.failures, c.window_started_at)
        return [
            (row.scope, row.failures, row.window_started_at) for row in await db.execute(statement)
        ]

    async def _prune(self, engine: AsyncEngine, now: datetime) -> None:
        """Delete the rows whose window has closed, as often as windows open, so the table
        holds only live counts. Rows another attempt has locked are skipped: that attempt
        is counting on them, and waiting for it could deadlock."""
        c = login_failure.c
        closed = (
            select(c.scope, c.subject).where(self._closed(now)).with_for_update(skip_locked=True)
        )
        async with engine.begin() as db:
            await db.execute(delete(login_failure).where(tuple_(c.scope, c.subject).in_(closed)))

    def _closed(self, now: datetime) -> ColumnElement[bool]:
        return login_failure.c.window_started_at <= now - self.window
