"""Workers log a dependency's outage once when it starts and once when it ends, however many
jobs meet it in between."""

from __future__ import annotations

import logging

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from infra.mail.transport import MailNotSent
from infra.messaging.watch import DependencyWatchMiddleware
from tests.e2e.test_cli import free_port


def refused_database_error() -> OperationalError:
    """A real error from connecting to a port nothing listens on."""
    engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    try:
        with engine.connect() as db:
            db.execute(text("SELECT 1"))
    except OperationalError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("a closed port answered")


def test_jobs_meeting_an_outage_log_one_line_when_it_starts_and_one_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watch = DependencyWatchMiddleware()
    broker = StubBroker()
    mail_job = dramatiq.Message("q.mail", "send", (), {}, {})
    export_job = dramatiq.Message("q.exports", "export", (), {}, {})
    caplog.set_level(logging.INFO, logger="foyer.worker")

    for _ in range(3):
        watch.after_process_message(broker, export_job, exception=refused_database_error())
        watch.after_process_message(broker, mail_job, exception=MailNotSent("SMTP refused"))
    watch.after_process_message(broker, export_job)  # the database answers; mail not yet
    watch.after_process_message(broker, mail_job)

    lines = [r.getMessage() for r in caplog.records if r.name == "foyer.worker"]
    assert [line.split(":")[0] for line in lines] == [
        "database unreachable",
        "mail server unreachable",
        "database answering again",
        "mail server answering again",
    ], lines
    assert lines[1] == "mail server unreachable: SMTP refused"
