"""A time limit on the whole of one mail's sending, however the server stalls.

A socket timeout bounds each wait for the server, not their sum: a server answering each of
a mail's five commands just within it takes five times as long, and the mail is still
handed over. A sending thread holds a lease on the mail (a batch's deliveries, a reminder);
should the sending outlast that lease, another attempt may take the mail over and send it
too. So each send is watched against its deadline by one thread per transport, which shuts
down the connection's socket once the deadline passes: the blocked read or write returns at
once, the mail fails as not sent (a passing failure, tried again later), and the connection
is not used again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Watched:
    """One connection being used, until when; `cut` once the watcher shut it down."""

    connection: Any  # smtplib.SMTP: its `sock` is read when cut (STARTTLS replaces it)
    deadline: float
    cut: bool = False


# While a cut connection is still watched, it is cut again this often: during STARTTLS its
# `sock` is the plain socket, already detached, until the handshake gives it the new one.
RECUT_SECONDS = 0.05


class SendDeadlines:
    def __init__(self) -> None:
        self._watched: dict[int, Watched] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._wake_at: float | None = None  # None: the watcher sleeps until told

    @contextlib.contextmanager
    def watch(self, connection: Any, deadline: float | None) -> Iterator[Watched]:
        """Watch `connection` until `deadline` while the block runs; None: no limit, never
        cut."""
        if deadline is None:
            yield Watched(connection, float("inf"))
            return
        watched = Watched(connection, deadline)
        key = id(watched)
        with self._changed:
            self._watched[key] = watched
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="foyer-mail-deadlines", daemon=True
                )
                self._thread.start()
            # Most sends come after those watched, with the same limit: the watcher needs
            # waking only for one due before it means to look again.
            if self._wake_at is None or deadline < self._wake_at:
                self._changed.notify()
        try:
            yield watched
        finally:
            with self._changed:
                self._watched.pop(key, None)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                wake_at = None
                for watched in self._watched.values():
                    if watched.deadline <= now:
                        watched.cut = True
                        _shut(watched.connection)
                        due = now + RECUT_SECONDS  # until the sender stops watching it
                    else:
                        due = watched.deadline
                    wake_at = due if wake_at is None else min(wake_at, due)
                self._wake_at = wake_at
                self._changed.wait(None if wake_at is None else wake_at - now)


def _shut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
