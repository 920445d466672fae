"""Which failures are retried, and for how long: one place for every actor.

A failure of the world (the database, the broker or the mail server unreachable, reset or
timing out; a mail server's 4xx) is retried with exponential backoff and jitter for a window
of hours, measured from when the work was first sent. A failure of the input (invalid
parameters, a refused template, an address the mail server rejects for good, a bug) fails at
once, and a job is FAILED with the reason. Either way the job ends SUCCEEDED or FAILED: should
the database be down when the FAILED mark is written, the job's lease runs out and the
sweeper ends it (infra/sweeper.py).

Each attempt holds its leases under a name of its own (infra/db/leases.py), given here as
it starts; a retry inherits what its predecessor handed over. An attempt that finds its
work leased to another is sent again for when that lease runs out.
"""

from __future__ import annotations

import logging
import random
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import dramatiq
import dramatiq.errors
import pika.exceptions
from dramatiq.broker import MessageProxy
from sqlalchemy import Engine
from sqlalchemy import exc as sa

from infra.clock import utc_now
from infra.db import job_progress, mailing_sending
from infra.db.leases import HeldElsewhere, Holder, LeaseLost, heir
from infra.db.reminder_leases import REMINDERS
from infra.mail import MailNotSent
from infra.settings import Settings

log = logging.getLogger("foyer.workers")

# The option naming the attempt under way; each attempt is given a fresh one as it starts
# (what a message sent again still carries is its predecessor's, replaced then).
ATTEMPT = "foyer_attempt"
# How long past another attempt's lease a waiting one comes back: its holder renews it
# well before then.
LEASE_MARGIN_SECONDS = 1.0

_WORLD = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.TimeoutError,  # no connection free in the pool in time
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    pika.exceptions.AMQPError,
    dramatiq.errors.BrokerConnectionError,
)


def failure_of_the_world(error: BaseException) -> bool:
    """True when trying again later may succeed with the same input."""
    if isinstance(error, MailNotSent):
        return not error.permanent
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _WORLD)


@dataclass(frozen=True)
class RetrySchedule:
    window: timedelta
    min_backoff: float
    max_backoff: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrySchedule:
        return cls(
            timedelta(hours=settings.retry_window_hours),
            settings.retry_min_backoff_seconds,
            settings.retry_max_backoff_seconds,
        )

    def delay(self, retries: int) -> float:
        """Seconds before retry number `retries + 1`: doubling, capped, with jitter so that
        the work stopped by one outage does not all come back in the same second."""
        ceiling = min(self.max_backoff, self.min_backoff * 2 ** min(retries, 32))
        return random.uniform(ceiling / 2, ceiling)

    def allows(self, first_sent_ms: int, delay: float) -> bool:
        return time.time() + delay <= first_sent_ms / 1000 + self.window.total_seconds()


class RetryPolicy(dramatiq.Middleware):
    """Replaces dramatiq's Retries middleware."""

    def __init__(self, engine: Engine, schedule: RetrySchedule, lease: timedelta) -> None:
        self.engine, self.schedule, self.lease = engine, schedule, lease

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        message.options[ATTEMPT] = uuid.uuid4().hex

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or isinstance(exception, LeaseLost):
            return  # done, or taken over by another delivery: nothing to retry
        if isinstance(exception, HeldElsewhere):
            self._wait_for_lease(broker, message, exception)
            return
        job_id = message.kwargs.get("job_id")
        retries = message.options.get("retries", 0)
        holder = attempt_holder(message, self.lease)  # before the retry's number is set
        cause = f"{type(exception).__name__}: {exception}"
        if failure_of_the_world(exception):
            delay = self.schedule.delay(retries)
            if self.schedule.allows(message.message_timestamp, delay):
                message.options["retries"] = retries + 1
                log.warning(
                    "%s %s: %s; trying again in %.1f s",
                    message.actor_name,
                    message.message_id,
                    cause,
                    delay,
                )
                self._postpone(message, holder, heir(message.message_id, retries + 1), delay)
                broker.enqueue(message, delay=int(delay * 1000))
                return
            hours = self.schedule.window.total_seconds() / 3600
            cause = f"still failing after {hours:g} h, {cause}"
        message.fail()
        attempts = retries + 1
        reason = f"The job failed after {attempts} attempt{'s' if attempts > 1 else ''}: {cause}"
        log.error("%s %s failed for good: %s", message.actor_name, message.message_id, reason)
        if job_id is not None:
            self._quietly(job_progress.fail, self.engine, int(job_id), reason)

    def _wait_for_lease(
        self, broker: dramatiq.Broker, message: MessageProxy, held: HeldElsewhere
    ) -> None:
        """Send the message again for when the other attempt's lease runs out; should that
        holder still be working then, it has renewed its lease and this one waits again.
        Past the retry window it gives up (the sweeper sends what is left)."""
        seconds = max(0.0, (held.until - utc_now()).total_seconds()) + LEASE_MARGIN_SECONDS
        if not self.schedule.allows(message.message_timestamp, seconds):
            log.info("%s %s: %s; left to the sweeper", message.actor_name, message.message_id, held)
            return
        log.info("%s %s: %s; back in %.1f s", message.actor_name, message.message_id, held, seconds)
        broker.enqueue(message, delay=int(seconds * 1000))

    def _postpone(
        self, message: MessageProxy, holder: Holder, successor: str, seconds: float
    ) -> None:
        """Hand the work's leases from the failed attempt (`holder`) to its retry
        (`successor`) and hold them through the backoff: the sweeper must not send a copy
        while this work is only waiting to try again, and no other copy of the message may
        take them meanwhile."""
        handing = (holder, successor, seconds)
        if (job_id := message.kwargs.get("job_id")) is not None:
            self._quietly(job_progress.postpone, self.engine, int(job_id), *handing)
        if reminder_ids := message.kwargs.get("reminder_ids"):
            self._quietly(REMINDERS.postpone, self.engine, reminder_ids, *handing)
        if delivery_ids := message.kwargs.get("delivery_ids"):
            self._quietly(mailing_sending.postpone, self.engine, delivery_ids, *handing)

    @staticmethod
    def _quietly(mark: Any, *arguments: Any) -> None:
        """Write the job's state if the database lets us; if not, its lease runs out and
        the sweeper takes over."""
        try:
            mark(*arguments)
        except Exception as error:
            log.warning("Could not record the job's state (%s): %s", type(error).__name__, error)


def attempt_holder(message: dramatiq.Message[Any] | MessageProxy, lease: timedelta) -> Holder:
    """The holder of the attempt at `message` under way."""
    nonce = message.options.get(ATTEMPT) or uuid.uuid4().hex
    return Holder.attempt(message.message_id, message.options.get("retries", 0), nonce, lease)
