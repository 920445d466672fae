"""Failed log-ins, counted per email and per client address to throttle password guessing.

Unlike every other table these rows belong to no organisation: a log-in names an email,
not an organisation, and the counts must hold before anyone is known. They are in the
database, not in a process, so every API process refuses alike.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from infra.db.tables import Moment, metadata

login_failure = Table(
    "login_failure",
    metadata,
    # "email" (subject: SHA-256 of the lower-cased email, so no address is stored in clear)
    # or "address" (subject: the client's IP address).
    Column("scope", String(8), primary_key=True),
    Column("subject", String(64), primary_key=True),
    # The window opens with its first failure and closes `login_failure_window_seconds`
    # later; a row whose window has closed counts nothing and may be deleted.
    Column("window_started_at", Moment, nullable=False, index=True),
    Column("failures", Integer, nullable=False),
)
