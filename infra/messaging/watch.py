"""Workers log their dependencies' outages as transitions: one line when the database or the
mail server stops answering, one when it answers again, whatever the number of jobs that
meet the outage meanwhile (each job's own retry is dramatiq's and the job's business)."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq

from infra.db.outage import DependencyWatch, unreachable_reason
from infra.mail.transport import MailNotSent

log = logging.getLogger("foyer.worker")
# The queues whose jobs send mail: only their success says the mail server answers.
_MAILING_QUEUES = ("reminders", "mail")


class DependencyWatchMiddleware(dramatiq.Middleware):
    def __init__(self) -> None:
        self.database = DependencyWatch("database", log)
        self.mail = DependencyWatch("mail server", log)

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.Message[Any],
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if isinstance(exception, MailNotSent) and not exception.permanent:
            self.mail.lost(exception.reason)
            return
        reason = unreachable_reason(exception) if exception is not None else None
        if reason is not None:
            self.database.lost(reason)
            return
        self.database.answered()
        if message.queue_name.rsplit(".", 1)[-1] in _MAILING_QUEUES:
            self.mail.answered()
