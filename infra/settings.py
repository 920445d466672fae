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
    # Addresses (or networks, or "*") of reverse proxies whose X-Forwarded-For names the
    # client. Empty: the header is ignored, so no caller can pick the address its failed
    # log-ins are counted against. Behind a proxy, set it, or every caller is the proxy.
    trusted_proxies: str = ""
    session_hours: int = 12
    # Threads that check passwords (argon2: 64 MiB and ~0.1 s of four lanes each), beside
    # the event loop and at a lower priority; their number bounds what log-ins can take.
    # One per API process, as there is one process per core (`foyer serve --workers`).
    password_threads: int = 1
    # Failed log-ins allowed per email and per client address within the window; past
    # either, `login` answers RATE_LIMITED without checking the password.
    login_failures_per_email: int = 5
    login_failures_per_address: int = 20
    login_failure_window_seconds: int = 900
    # Query limits; see schema/limits.py for how cost is counted.
    max_depth: int = 12
    max_tokens: int = 2000
    max_aliases: int = 30
    max_cost: int = 50000
    # Fields in a document with its fragments spread out, checked before validation, and
    # the work graphql-core may spend comparing fields of the same name (its default,
    # 500,000, is seconds of one core; 10,000 takes about 30 ms, and refuses a hundred
    # fields of one name in one selection).
    max_fields: int = 5000
    validation_budget: int = 10_000
    # Request bodies over this many bytes are refused (413) before they are read.
    max_body_bytes: int = 1_048_576
    # JSON nested deeper than this (arrays and objects) is refused (400).
    max_json_depth: int = 64
    database_pool_size: int = 10
    # Server-side limits, so a database that is down or stalled is a fast SERVICE_UNAVAILABLE
    # rather than a hung client: opening a connection, one statement (PostgreSQL
    # statement_timeout; SQLite waits this long for a lock), and waiting for a pooled one.
    db_connect_timeout_seconds: float = 5
    db_statement_timeout_seconds: float = 15
    db_pool_timeout_seconds: float = 5
    # The most one GraphQL request may take before it answers SERVICE_UNAVAILABLE: a stalled
    # connection answers nothing, so no server-side timeout can end its wait.
    request_timeout_seconds: float = 20
    # What a 503 tells clients to wait before retrying (Retry-After).
    retry_after_seconds: int = 5
    # How long /readyz may wait for each dependency, and how long its answer is reused.
    health_timeout_seconds: float = 2
    health_cache_seconds: float = 1.5
    # How long a mutation's answer is replayed for a repeated Idempotency-Key.
    idempotency_hours: int = 24
    relay_interval_seconds: float = 0.5
    # How long the relay in `foyer serve` waits, once woken by a commit, for the commits that
    # follow, so that their messages are published together (infra/messaging/relay.py).
    relay_gather_seconds: float = 0.02
    # Outbox messages the relay marks sent per transaction: what a crash can publish twice.
    relay_batch_size: int = 50
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
    # Where `foyer serve --demo` keeps the demo API key's secret, so it survives restarts.
    demo_key_file: Path = Path("./.foyer-demo-key")
    # Signs links that need no login (preferences pages, partner downloads). Empty on a
    # bare laptop: a random one is kept in files_dir.
    link_secret: SecretStr = SecretStr("")
    # Where links point: this install's address as customers and partners reach it.
    public_url: str = ""
    preference_link_days: int = 30
    download_link_days: int = 7

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def embedded_broker(self) -> bool:
        return not self.broker_url.get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
