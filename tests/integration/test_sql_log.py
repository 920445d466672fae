"""FOYER_LOG_SQL=true prints each statement once, through the application's log handler."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.composition import build_runtime
from infra.settings import Settings


@pytest.fixture
def application_log() -> Iterator[io.StringIO]:
    """What `foyer` configures (logging.basicConfig), into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root, engine_logger = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = root.level, engine_logger.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(levels[0])
    engine_logger.setLevel(levels[1])


def test_each_statement_is_printed_once_with_sql_logging_on(
    tmp_path: Path, application_log: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'foyer.db'}",
        broker_url="",
        files_dir=tmp_path / "files",
        log_sql=True,
    )
    runtime = build_runtime(settings)
    try:
        with runtime.sync_engine.connect() as db:
            db.exec_driver_sql("SELECT 4242 AS marker")
    finally:
        asyncio.run(runtime.close())
    captured = capsys.readouterr()
    printed = application_log.getvalue() + captured.out + captured.err
    assert printed.count("SELECT 4242 AS marker") == 1
