"""Which queries read once, learned per document.

A query whose requests each run one statement reading data needs no transaction
(infra/db/snapshot.py): one statement is one snapshot. Without one it is spared the BEGIN
and the ROLLBACK, a round trip after the answer whose work the process does while the
client's next request is already waiting. Whether a document reads once depends on its
selection and, through the loaders a field calls only for some rows (a customer's household,
when there is a customer), on the data; so it is learned, not worked out. After
TRUSTED_AFTER requests in a snapshot that each ran one, a document's requests read once. The
first of them that asks for a second statement (or a write) is run again in a snapshot, its
first answer thrown away, and its document is read in a snapshot from then on, by this
process. Correctness never depends on what is learned: only speed does.
"""

from __future__ import annotations

import hashlib

from infra.db.snapshot import SnapshotNeeded

__all__ = ["ReadModes", "SnapshotNeeded"]

TRUSTED_AFTER = 3
KNOWN_AT_MOST = 10_000
_NEVER = -1


class ReadModes:
    def __init__(self, trusted_after: int = TRUSTED_AFTER) -> None:
        self._trusted_after = trusted_after
        # By the digest of a document's text (a text may be as long as a request's body):
        # how many of its requests that read ran one statement each, or _NEVER.
        self._once: dict[bytes, int] = {}

    def reads_once(self, document: str) -> bool:
        """Whether requests of `document` read once, so without a transaction."""
        return self._once.get(_digest(document), 0) >= self._trusted_after

    def ran(self, document: str, statements: int, needed_snapshot: bool) -> None:
        """A request of `document` ran `statements` statements reading data
        (`needed_snapshot`: it read once and asked for another, or for a write)."""
        key = _digest(document)
        seen = self._once.get(key, 0)
        if seen == _NEVER:
            return
        if needed_snapshot or statements > 1:
            self._remember(key, _NEVER)
        elif statements == 1 and seen < self._trusted_after:
            self._remember(key, seen + 1)
        # A request that read nothing (refused, say) says nothing.

    def _remember(self, key: bytes, state: int) -> None:
        if key not in self._once and len(self._once) >= KNOWN_AT_MOST:
            self._once.clear()  # forgetting costs speed, never an answer
        self._once[key] = state


def _digest(document: str) -> bytes:
    return hashlib.blake2b(document.encode(), digest_size=16).digest()
