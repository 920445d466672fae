"""What every resolver gets: the services built at start-up and the caller of this request."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.actors import Actor
from domain.errors import Conflict, NotAuthenticated
from domain.ports import UnitOfWork
from infra.auth.links import LinkSigner, link_secret
from infra.clock import utc_now
from infra.db.queries.jobs import tenant_row
from infra.db.unit_of_work import SqlUnitOfWork
from infra.settings import Settings
from infra.storage import FileStore
from resolvers.loaders import Loaders

T = TypeVar("T")


@dataclass
class Services:
    """Built once in the composition root and shared by every request."""

    engine: AsyncEngine
    settings: Settings
    files: FileStore
    # Called after a commit that wrote outbox messages, so the relay need not wait to poll.
    wake_relay: Callable[[], None] = lambda: None

    @functools.cached_property
    def links(self) -> LinkSigner:
        """Signs and checks links that need no login (built when the app is)."""
        secret = self.settings.link_secret.get_secret_value()
        return LinkSigner(link_secret(secret, self.settings.files_dir))

    @functools.cached_property
    def reads(self) -> AsyncEngine:
        """The same pool for reads of one statement at a time, outside a transaction: each
        connection then costs no BEGIN and no ROLLBACK (two of its four round trips, about
        0.15 ms each time a request's reads take one). Under READ COMMITTED every statement
        has its own snapshot inside a transaction too, so the answers are the same."""
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")


@dataclass
class RequestContext:
    services: Services
    actor: Actor | None
    # Why there is no actor when credentials were sent but not accepted.
    credentials_problem: str | None = None
    bearer: str | None = None
    request_id: str = ""
    # Read with the caller (resolvers/authentication.py); looked up only when missing.
    known_currency: str | None = None

    @property
    def caller(self) -> Actor:
        """The authenticated caller; fields reach here only past their permission check."""
        if self.actor is None:
            raise NotAuthenticated(self.credentials_problem or "Authentication required.")
        return self.actor

    @functools.cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.services.reads, self.caller, self.now())

    def now(self) -> datetime:
        """The time this request was served, in UTC."""
        return utc_now()

    async def currency(self) -> str:
        """The caller's organisation's currency."""
        if self.known_currency is None:
            async with self.services.engine.connect() as db:
                self.known_currency = str((await tenant_row(db, self.caller.tenant_id)).currency)
        return self.known_currency

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.services.engine, self.caller, self.services.wake_relay, self.known_currency
        )

    async def perform(self, operation: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run a domain service in one transaction and commit it; any error rolls back.

        The rules check for duplicates before writing, but two requests can pass the check
        at the same moment; the database's unique constraints then refuse the second, which
        is a conflict to report, not a failure to mask."""
        try:
            async with self.unit_of_work() as uow:
                result = await operation(uow)
                await uow.commit()
        except IntegrityError:
            raise Conflict(
                "Another change to the same records was made at the same moment; "
                "nothing was written. Read them again and retry."
            ) from None
        return result
