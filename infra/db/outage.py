"""Telling "the database (or broker) is unreachable" from every other failure, and logging an
outage once when it starts and once when it ends, instead of a traceback per request.

One predicate for every caller (API, relay, workers), so an outage is classified the same
way everywhere: the caller retries later; a bug is still a bug.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import exc

# SQLite's own outages: the file is locked past the busy timeout, or cannot be opened. Its
# other OperationalErrors ("no such table") are bugs.
_SQLITE_OUTAGES = ("database is locked", "unable to open database", "disk i/o error")


def describe(error: BaseException) -> str:
    """An error in one line that always says something (many print as an empty string)."""
    text = _first_line(error)
    name = type(error).__name__
    return text if text != name and text.startswith(name) else f"{name}: {text}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]


def unreachable_reason(error: BaseException) -> str | None:
    """Why the database cannot be used now, or None when `error` is not an outage."""
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return _first_line(error)
    if isinstance(error, exc.DBAPIError):
        original = error.orig
        if error.connection_invalidated:
            return _first_line(original or error)
        if isinstance(error, exc.OperationalError | exc.InterfaceError):
            module = type(original).__module__ if original is not None else ""
            if module.startswith("sqlite3"):
                message = str(original).lower()
                return _first_line(original) if message.startswith(_SQLITE_OUTAGES) else None
            return _first_line(original or error)
        return None
    cause = error.__cause__
    return unreachable_reason(cause) if cause is not None and cause is not error else None


class DependencyWatch:
    """Logs `<name> unreachable: <reason>` when a dependency goes away and `<name> answering
    again` when it returns: one line per transition, however many callers notice."""

    def __init__(self, name: str, log: logging.Logger) -> None:
        self.name, self._log = name, log
        self._down: str | None = None
        self._lock = threading.Lock()

    @property
    def down(self) -> str | None:
        """Why the dependency is unreachable, or None while it answers."""
        return self._down

    def lost(self, reason: str) -> None:
        with self._lock:
            if self._down is None:
                self._log.warning("%s unreachable: %s", self.name, reason)
            self._down = reason

    def answered(self) -> None:
        if self._down is None:  # the common case, without the lock
            return
        with self._lock:
            if self._down is not None:
                self._log.warning("%s answering again", self.name)
            self._down = None
