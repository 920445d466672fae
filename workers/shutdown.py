"""Stopping a worker (SIGTERM) without waiting for its longest job.

When the worker starts shutting down, a job that reports its pace between batches carries
on only while it can still finish within the grace; otherwise it hands itself back
(PENDING, its message through the outbox) and returns, which acknowledges its delivery.
Short work (one batch of mail) simply finishes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import dramatiq


class Shutdown(dramatiq.Middleware):
    def __init__(self, grace_seconds: float) -> None:
        self.grace = grace_seconds
        self._deadline: float | None = None

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.begin()

    def begin(self) -> None:
        self._deadline = time.monotonic() + self.grace

    def seconds_left(self) -> float | None:
        """None while no shutdown was asked for."""
        return None if self._deadline is None else self._deadline - time.monotonic()

    def pace(self, total: int) -> Pace:
        return Pace(self, total, time.monotonic())


@dataclass
class Pace:
    """How fast a job goes, to tell whether it would finish within what is left of the
    grace. `must_stop` is called after each batch."""

    shutdown: Shutdown
    total: int
    started: float
    last: float = 0.0

    def must_stop(self, done: int) -> bool:
        now = time.monotonic()
        batch_seconds, self.last = now - (self.last or self.started), now
        left = self.shutdown.seconds_left()
        if left is None or done >= self.total:
            return False
        needed = (self.total - done) * (now - self.started) / max(done, 1)
        # One batch's margin: the next chance to stop comes a batch later.
        return needed + batch_seconds > left
