"""One settings object, read from the environment (prefix FOYER_), with embedded defaults.

With nothing set, Foyer runs on a bare laptop: SQLite in ./foyer.db, the in-process broker,
files in ./files and mail in ./mail.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
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
    max_cost: int = 20000
    database_pool_size: int = 10
    relay_interval_seconds: float = 0.5
    worker_threads: int = 4
    # When the daily pledge-reminder run starts (UTC hour).
    reminder_hour_utc: int = 8
    # Attempts after the first before a job is FAILED and its message dead-lettered.
    job_retries: int = 3
    log_sql: bool = False

    @property
    def embedded_broker(self) -> bool:
        return not self.broker_url.get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
