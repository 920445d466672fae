"""What every resolver gets: the services built at start-up and the caller of this request."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.actors import Actor
from domain.errors import Conflict, NotAuthenticated
from domain.ports import UnitOfWork
from infra.auth.caller_cache import CallerCache
from infra.auth.links import LinkSigner, link_secret
from infra.auth.passwords import Passwords
from infra.auth.throttle import LoginThrottle
from infra.clock import utc_now
from infra.db.outage import DependencyWatch
from infra.db.queries.jobs import tenant_row
from infra.db.snapshot import RequestReads
from infra.db.unit_of_work import SqlUnitOfWork
from infra.settings import Settings
from infra.storage import FileStore
from resolvers.authentication import authenticate
from resolvers.loaders import Loaders
from resolvers.read_modes import ReadModes

T = TypeVar("T")


@dataclass
class Services:
    """Built once in the composition root and shared by every request."""

    engine: AsyncEngine
    settings: Settings
    files: FileStore
    passwords: Passwords
    # Called after a commit that wrote outbox messages, so the relay need not wait to poll.
    wake_relay: Callable[[], None] = lambda: None
    # Whether the database answers, as the requests last found it (resolvers/availability.py).
    database: DependencyWatch = dataclasses.field(
        default_factory=lambda: DependencyWatch("database", logging.getLogger("foyer.api"))
    )
    callers: CallerCache = dataclasses.field(default_factory=CallerCache)
    read_modes: ReadModes = dataclasses.field(default_factory=ReadModes)

    def request_reads(self) -> RequestReads:
        """For one request, which must `end()` it."""
        return RequestReads(self.engine)

    @functools.cached_property
    def login_throttle(self) -> LoginThrottle:
        s = self.settings
        return LoginThrottle(
            s.login_failures_per_email,
            s.login_failures_per_address,
            timedelta(seconds=s.login_failure_window_seconds),
        )

    @functools.cached_property
    def links(self) -> LinkSigner:
        """Signs and checks links that need no login (built when the app is)."""
        secret = self.settings.link_secret.get_secret_value()
        return LinkSigner(link_secret(secret, self.settings.files_dir))


@dataclass
class RequestContext:
    services: Services
    # Every read of this request: one connection, one snapshot (infra/db/snapshot.py).
    reads: RequestReads
    # The request's Authorization header, read into `actor` by `identify` before the
    # operation runs, and only when it asks for more than meta fields (schema/documents.py).
    authorization: str | None = None
    actor: Actor | None = None
    # Why there is no actor when credentials were sent but not accepted.
    credentials_problem: str | None = None
    bearer: str | None = None
    request_id: str = ""
    # The client's IP address, as the server saw it; log-in failures are counted by it.
    client_address: str | None = None
    # Read with the caller (resolvers/authentication.py); looked up only when missing.
    known_currency: str | None = None
    # Told the name of the operation the request runs (None: it has none) and whether it
    # is a mutation, for the access log and the answer to a request stopped at its deadline.
    name_operation: Callable[[str | None, bool], None] = lambda name, mutation: None
    # The HTTP request as Starlette has it; read for `base_url` only when a field needs it.
    request: Any = None

    async def identify(self, writes: bool = False) -> None:
        """Who is calling, from the Authorization header; `writes` for a mutation."""
        credentials = await authenticate(
            self.reads, self.services.callers, self.authorization, writes
        )
        if credentials.bearer is not None:  # the database was asked, and answered
            self.services.database.answered()
        self.actor = credentials.actor
        self.credentials_problem = credentials.problem
        self.bearer = credentials.bearer
        self.known_currency = credentials.currency

    @functools.cached_property
    def base_url(self) -> str:
        """Scheme, host and port the client used (http://127.0.0.1:8000), for absolute
        links; built when a field asks (5% of a `{ __typename }`'s CPU otherwise)."""
        return "" if self.request is None else str(self.request.base_url).rstrip("/")

    @property
    def caller(self) -> Actor:
        """The authenticated caller; fields reach here only past their permission check."""
        if self.actor is None:
            raise NotAuthenticated(self.credentials_problem or "Authentication required.")
        return self.actor

    @functools.cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.reads, self.caller, self.now())

    async def read_again(self) -> None:
        """Before the operation runs again in one snapshot (infra/db/snapshot.py): nothing
        the first run read is kept, in the loaders either, and the caller is checked again,
        with the snapshot's BEGIN, so the check and the data are of one moment again."""
        await self.reads.read_again()
        self.__dict__.pop("loaders", None)
        await self.identify()

    def now(self) -> datetime:
        """The time this request was served, in UTC."""
        return utc_now()

    async def currency(self) -> str:
        """The caller's organisation's currency."""
        if self.known_currency is None:
            row = await self.reads.run(lambda db: tenant_row(db, self.caller.tenant_id))
            self.known_currency = str(row.currency)
        return self.known_currency

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.services.engine,
            self.caller,
            self.services.wake_relay,
            self.known_currency,
            self.reads.take_writer(),
        )

    async def perform(self, operation: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run a domain service in one transaction and commit it; any error rolls back.

        The rules check for duplicates before writing, but two requests can pass the check
        at the same moment; the database's unique constraints then refuse the second, which
        is a conflict to report, not a failure to mask."""
        # One connection at a time per request: the reads' goes back before the write's is
        # taken (twenty writes at once must not hold forty). The write's may be the one the
        # caller's check began its transaction on (infra/db/snapshot.py).
        await self.reads.end(keep_writer=True)
        try:
            uow = self.unit_of_work()
            try:
                result = await _committed(uow, operation)
            except DBAPIError as error:
                # A pooled connection that died with a restarted server, found before the
                # COMMIT was sent: the server wrote nothing of it, so one more try on a new
                # connection runs the operation once.
                if not error.connection_invalidated or uow.commit_sent:
                    raise
                result = await _committed(self.unit_of_work(), operation)
            # What the payload reads next must include what was just written.
            await self.reads.end()
        except IntegrityError:
            raise Conflict(
                "Another change to the same records was made at the same moment; "
                "nothing was written. Read them again and retry."
            ) from None
        return result


async def _committed(uow: SqlUnitOfWork, operation: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    async with uow:
        result = await operation(uow)
        await uow.commit()
    return result
