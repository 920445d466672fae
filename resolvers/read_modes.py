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

from infra.db.snapshot import SnapshotNeeded

__all__ = ["ReadModes", "SnapshotNeeded"]

TRUSTED_AFTER = 3
KNOWN_AT_MOST = 10_000
_NEVER = -1


class ReadModes:
    def __init__(self, trusted_after: int = TRUSTED_AFTER) -> None:
        self._trusted_after = trusted_after
        # By document text: how many requests in a row read once, or _NEVER.
        self._once: dict[str, int] = {}

    def reads_once(self, document: str) -> bool:
        """Whether requests of `document` read once, so without a transaction."""
        return self._once.get(document, 0) >= self._trusted_after

    def ran(self, document: str, statements: int, needed_snapshot: bool) -> None:
        """A request of `document` ran `statements` statements reading data
        (`needed_snapshot`: it read once and asked for another)."""
        seen = self._once.get(document, 0)
        if seen == _NEVER or statements == 0:
            return  # a request that read nothing (refused, say) says nothing
        if needed_snapshot or statements > 1:
            self._remember(document, _NEVER)
        elif seen < self._trusted_after:
            self._remember(document, seen + 1)

    def _remember(self, document: str, state: int) -> None:
        if document not in self._once and len(self._once) >= KNOWN_AT_MOST:
            self._once.clear()
        self._once[document] = state
