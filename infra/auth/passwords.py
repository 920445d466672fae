"""Hashing and checking passwords (argon2) on a small pool of threads of their own.

One check costs about 0.1 s of a core and 64 MiB: on the event loop it would hold up every
other request for that long. argon2-cffi releases the GIL while it works, so the pool's
threads run beside the loop, and their number bounds the cores and memory log-ins can take.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def _yield_to_requests() -> None:
    """Lower this thread's priority (and that of argon2's own threads, which inherit it), so
    that when cores are short the event loop serving every other request goes first. Linux
    only: elsewhere a thread id passed to setpriority could name a process."""
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def hash_password(password: str) -> str:
    """For administration (`foyer user create`, the demo), which serves no requests; a
    request checks passwords through `Passwords`."""
    return PasswordHasher().hash(password)


class Passwords:
    """Built by the composition root with the runtime and closed with it."""

    def __init__(self, threads: int) -> None:
        self._hasher = PasswordHasher()
        self._pool = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="foyer-password", initializer=_yield_to_requests
        )
        # Checked when the email is unknown, so a wrong email costs what a wrong password
        # does and does not reveal which emails have accounts. Made now, in the background,
        # so that even the first unknown email does not pay for making it.
        self._dummy_hash: Future[str] = self._pool.submit(self._hasher.hash, "not a password")

    async def matches(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` is the one hashed; with no hash (no such account), checks a
        dummy hash all the same and answers False."""
        stored = password_hash or await asyncio.wrap_future(self._dummy_hash)
        checked = await asyncio.wrap_future(self._pool.submit(self._verify, stored, password))
        return checked and password_hash is not None

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
