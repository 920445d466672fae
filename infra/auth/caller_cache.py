"""Callers remembered by an API process for a few seconds, so that a request with a known
key or session costs no look-up of its own.

A revocation must still be refused at once, by every process: revoking a key or a session
adds one to its organisation's credentials generation (infra/auth/accounts.py), and a
remembered caller is used only while the generation read at the start of the request (with
the BEGIN of its snapshot, in the same round trip; alone, for a request that reads once) is
the one it was read with.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from infra.auth.accounts import Caller, actor_for
from infra.auth.secrets import digest
from infra.clock import utc_now
from infra.db.snapshot import RequestReads

REMEMBER_SECONDS = 30.0
REMEMBER_AT_MOST = 10_000


@dataclass(frozen=True)
class _Remembered:
    caller: Caller
    until: float  # on the monotonic clock


class CallerCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._callers: dict[str, _Remembered] = {}

    async def caller_for(
        self, reads: RequestReads, bearer: str, writes: bool = False
    ) -> Caller | None:
        """The caller behind `bearer`, or None when it is unknown, expired or revoked.
        `writes`: the request is a mutation, whose check need open no read snapshot."""
        key = digest(bearer)
        known = self._callers.get(key)
        if known is not None and known.until > self._clock() and not _expired(known.caller):
            check = _GENERATION.format(int(known.caller.actor.tenant_id))
            generation = await (reads.value_alone(check) if writes else reads.value(check))
            if generation == known.caller.generation:
                return known.caller
        self._callers.pop(key, None)
        caller = await reads.run(lambda db: actor_for(db, bearer), counted=False)
        if caller is not None:
            if len(self._callers) >= REMEMBER_AT_MOST:
                self._callers.clear()
            self._callers[key] = _Remembered(caller, self._clock() + REMEMBER_SECONDS)
        return caller


_GENERATION = "SELECT credentials_generation FROM tenant WHERE id = {}"


def _expired(caller: Caller) -> bool:
    return caller.expires_at is not None and caller.expires_at <= utc_now()
