"""The retry policy: what counts as a failure of the world, and how long it is retried."""

from __future__ import annotations

import smtplib
import time
from datetime import timedelta

import pika.exceptions
import pytest
from sqlalchemy import exc

from infra.mail import MailNotSent
from workers.retry_policy import RetrySchedule, failure_of_the_world


@pytest.mark.parametrize(
    "error",
    [
        exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused")),
        exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
        exc.TimeoutError("QueuePool limit reached, connection timed out"),
        ConnectionResetError("reset by peer"),
        TimeoutError("timed out"),
        pika.exceptions.AMQPConnectionError("broker away"),
        MailNotSent("Could not reach the mail server: connection refused"),
        MailNotSent("The mail server refused the mail: 451 try later"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_unreachable_or_busy_dependency_is_a_failure_of_the_world(error: Exception) -> None:
    assert failure_of_the_world(error)


@pytest.mark.parametrize(
    "error",
    [
        MailNotSent("The mail server refused ada@example.org: 550 no such mailbox", permanent=True),
        ValueError("'DRAGON' is not a valid CustomerKind"),
        exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
        exc.ProgrammingError("SELECT", {}, Exception("syntax error")),
        IsADirectoryError("the result's name is taken"),
        smtplib.SMTPNotSupportedError("SMTPUTF8 not supported"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_refused_input_or_a_bug_is_not_retried(error: Exception) -> None:
    assert not failure_of_the_world(error)


def test_backoff_doubles_with_jitter_up_to_its_ceiling() -> None:
    schedule = RetrySchedule(timedelta(hours=6), min_backoff=1.0, max_backoff=300.0)
    for retries, ceiling in ((0, 1.0), (1, 2.0), (4, 16.0), (8, 256.0), (9, 300.0), (60, 300.0)):
        delays = [schedule.delay(retries) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


def test_the_window_is_measured_from_when_the_work_was_first_sent() -> None:
    schedule = RetrySchedule(timedelta(hours=6), min_backoff=1.0, max_backoff=300.0)
    now_ms = int(time.time() * 1000)
    assert schedule.allows(now_ms - 5 * 3600 * 1000, 300.0)
    assert not schedule.allows(now_ms - 6 * 3600 * 1000 + 100_000, 300.0)
