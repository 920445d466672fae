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
    # Attempts after the first before a job is FAILED and its message dead-lettered.
    job_retries: int = 3
    log_sql: bool = False
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
