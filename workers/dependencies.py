"""What actors need, handed to them when they are declared (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from infra.mail import MailTransport
from infra.storage import FileStore


@dataclass(frozen=True)
class WorkerDependencies:
    engine: Engine
    files: FileStore
    mail: MailTransport
