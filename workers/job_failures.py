"""Marks a job FAILED, with a readable reason, once its message is out of retries."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from sqlalchemy import Engine

from infra.db import job_progress

log = logging.getLogger("foyer.workers")


class JobFailures(dramatiq.Middleware):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.Message,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        job_id = message.kwargs.get("job_id")
        if exception is None or job_id is None or not message.failed:
            return
        # Retries has counted this attempt already.
        attempts = message.options.get("retries", 1)
        reason = (
            f"The job failed after {attempts} attempt{'s' if attempts > 1 else ''}: "
            f"{type(exception).__name__}: {exception}"
        )
        log.error("Job %s failed for good: %s", job_id, reason)
        job_progress.fail(self.engine, int(job_id), reason)
