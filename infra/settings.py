"""One settings object, read from the environment (prefix FOYER_), with embedded defaults.

With nothing set, Foyer runs on a bare laptop: SQLite in ./foyer.db, the in-process broker,
files in ./files and mail in ./mail.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOYER_", extra="ignore")

    database_url: str = "sqlite:///./foyer.db"
    # Empty means the in-process broker, with worker threads inside `foyer serve`.
    broker_url: SecretStr = SecretStr("")
    queue_prefix: str = "foyer"
    files_dir: Path = Path("./files")
    # Empty means mail is written as .eml files to mail_dir instead of sent; otherwise
    # smtp://user:pass@host:port?starttls=true or smtps://user:pass@host:port.
    smtp_url: SecretStr = SecretStr("")
    mail_dir: Path = Path("./mail")
    mail_from: str = "Foyer <no-reply@foyer.invalid>"
    host: str = "127.0.0.1"
    port: int = 8000
    session_hours: int = 12
    # Query limits; see schema/limits.py for how cost is counted.
    max_depth: int = 12
    max_tokens: int = 2000
    max_aliases: int = 30
    max_cost: int = 20000
    database_pool_size: int = 10
    relay_interval_seconds: float = 0.5
    worker_threads: int = 4
    # When the daily pledge-reminder run starts (UTC hour).
    reminder_hour_utc: int = 8
    # Failures of the world (database, broker or mail server unreachable) are retried with
    # exponential backoff and jitter, from `retry_min_backoff_seconds` doubling up to
    # `retry_max_backoff_seconds`, for `retry_window_hours` after the work was first sent;
    # failures of the input fail at once. See workers/retry_policy.py.
    retry_window_hours: float = Field(default=6.0, ge=0, le=72)
    retry_min_backoff_seconds: float = Field(default=1.0, gt=0)
    retry_max_backoff_seconds: float = Field(default=300.0, gt=0)
    # A running job or a reminder being sent holds a lease, renewed as it goes; the sweeper
    # (`foyer relay`, `foyer scheduler`, or inside `foyer serve` in the embedded default)
    # queues again what outlived its lease, every `sweep_interval_seconds`, and fails it
    # after `job_max_attempts`.
    lease_seconds: float = Field(default=60.0, gt=0)
    sweep_interval_seconds: float = Field(default=15.0, gt=0)
    job_max_attempts: int = Field(default=10, ge=1)
    # On SIGTERM a worker lets a job run on only if it can finish within this; otherwise the
    # job stops between batches and goes back to the queue for another worker.
    shutdown_grace_seconds: float = Field(default=20.0, ge=0)
    log_sql: bool = False

    @property
    def embedded_broker(self) -> bool:
        return not self.broker_url.get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
