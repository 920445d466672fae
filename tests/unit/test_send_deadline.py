"""The watcher of mail sends' deadlines, on real sockets: a connection is cut at its own
deadline whichever order the deadlines come in, and one whose socket is swapped while it is
watched (as STARTTLS does) is cut again until its sender stops watching it."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from infra.mail.send_deadline import SendDeadlines


@dataclass
class _Connection:
    sock: socket.socket


def _cut(sock: socket.socket, within: float) -> float | None:
    """How long until a read on `sock` ends (the peer sends nothing); None if not within."""
    sock.settimeout(within)
    started = time.monotonic()
    try:
        sock.recv(1)
    except TimeoutError:
        return None
    return time.monotonic() - started


def test_a_deadline_earlier_than_those_watched_is_kept() -> None:
    deadlines = SendDeadlines()
    late_ours, late_theirs = socket.socketpair()
    early_ours, early_theirs = socket.socketpair()
    with late_theirs, early_theirs:
        now = time.monotonic()
        with deadlines.watch(_Connection(late_ours), now + 5):
            time.sleep(0.1)  # the watcher now sleeps until the late one's deadline
            with deadlines.watch(_Connection(early_ours), time.monotonic() + 0.2) as early:
                waited = _cut(early_ours, 2)
        late_ours.close()
        early_ours.close()

    assert waited is not None and waited < 1 and early.cut


def test_a_socket_swapped_while_watched_is_cut_too() -> None:
    deadlines = SendDeadlines()
    detached, peer = socket.socketpair()
    os.close(detached.detach())  # as wrap_socket leaves the plain socket in a TLS handshake
    ours, theirs = socket.socketpair()
    connection = _Connection(detached)
    with peer, theirs, deadlines.watch(connection, time.monotonic() + 0.1) as watched:
        time.sleep(0.3)  # cut once already, to no effect
        connection.sock = ours  # the handshake ends
        waited = _cut(ours, 2)
    ours.close()

    assert watched.cut and waited is not None and waited < 1


def test_a_send_finished_in_time_is_not_cut() -> None:
    deadlines = SendDeadlines()
    ours, theirs = socket.socketpair()
    with ours, theirs:
        with deadlines.watch(_Connection(ours), time.monotonic() + 0.2) as watched:
            pass
        time.sleep(0.4)
        assert not watched.cut and _cut(ours, 0.1) is None
