"""What actors need, handed to them when they are declared (no globals)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from dramatiq.middleware import CurrentMessage
from sqlalchemy import Engine

from infra.auth.links import LinkSigner, link_secret
from infra.db.leases import Holder
from infra.mail import MailTransport
from infra.settings import Settings
from infra.storage import FileStore
from workers.retry_policy import RetrySchedule, attempt_holder
from workers.shutdown import Shutdown


@dataclass(frozen=True)
class WorkerDependencies:
    engine: Engine
    files: FileStore
    mail: MailTransport
    lease: timedelta = timedelta(seconds=60)
    shutdown: Shutdown = field(default_factory=lambda: Shutdown(20.0))
    retries: RetrySchedule = field(default_factory=lambda: RetrySchedule.from_settings(Settings()))
    queue_prefix: str = "foyer"
    # Signs the links in mailings (the same secret as the API's, which checks them), and
    # where they point.
    # Read when a mailing first needs it: a worker whose files folder is unusable still
    # runs every other job (and says why those fail).
    link_signer: Callable[[], LinkSigner] = field(
        default_factory=lambda: functools.cache(lambda: LinkSigner(uuid.uuid4().bytes))
    )
    public_url: str = "http://127.0.0.1:8000"
    # Where a mailing's `mailto:` unsubscribe goes: the sender's address by default.
    unsubscribe_mailbox: str = "no-reply@foyer.invalid"
    max_attempts: int = 10

    @classmethod
    def from_settings(
        cls, engine: Engine, files: FileStore, mail: MailTransport, settings: Settings
    ) -> WorkerDependencies:
        return cls(
            engine,
            files,
            mail,
            timedelta(seconds=settings.lease_seconds),
            Shutdown(settings.shutdown_grace_seconds),
            RetrySchedule.from_settings(settings),
            settings.queue_prefix,
            functools.cache(
                lambda: LinkSigner(
                    link_secret(settings.link_secret.get_secret_value(), settings.files_dir)
                )
            ),
            settings.base_url,
            settings.mail_from,
            settings.job_max_attempts,
        )

    @property
    def links(self) -> LinkSigner:
        return self.link_signer()

    def holder(self) -> Holder:
        """The lease holder for the attempt being processed (outside a worker, as in a test
        calling an actor's function, one of its own)."""
        message = CurrentMessage.get_current_message()
        if message is None:
            return Holder.alone(self.lease)
        return attempt_holder(message, self.lease)
