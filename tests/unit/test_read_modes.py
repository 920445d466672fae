"""Which queries read once is learned per document, and a document that ever ran more than
one statement is read in a snapshot from then on."""

from __future__ import annotations

import pytest

from resolvers import read_modes
from resolvers.read_modes import TRUSTED_AFTER, ReadModes

DOCUMENT = "query($id: ID!) { customer(id: $id) { id } }"


def test_a_document_reads_once_after_its_requests_each_ran_one_statement() -> None:
    modes = ReadModes()
    for _ in range(TRUSTED_AFTER):
        assert not modes.reads_once(DOCUMENT)
        modes.ran(DOCUMENT, 1, False)

    assert modes.reads_once(DOCUMENT)
    assert not modes.reads_once("{ viewer { name } }")


def test_a_document_that_ran_two_statements_is_never_read_once() -> None:
    modes = ReadModes()
    modes.ran(DOCUMENT, 1, False)
    modes.ran(DOCUMENT, 2, False)
    for _ in range(TRUSTED_AFTER * 2):
        modes.ran(DOCUMENT, 1, False)

    assert not modes.reads_once(DOCUMENT)


def test_a_document_read_once_that_asked_for_a_snapshot_is_never_read_once_again() -> None:
    modes = ReadModes()
    for _ in range(TRUSTED_AFTER):
        modes.ran(DOCUMENT, 1, False)

    modes.ran(DOCUMENT, 1, True)
    modes.ran(DOCUMENT, 1, False)

    assert not modes.reads_once(DOCUMENT)


def test_a_request_that_read_nothing_teaches_nothing() -> None:
    modes = ReadModes()
    for _ in range(TRUSTED_AFTER - 1):
        modes.ran(DOCUMENT, 1, False)
    for _ in range(5):
        modes.ran(DOCUMENT, 0, False)

    assert not modes.reads_once(DOCUMENT)
    modes.ran(DOCUMENT, 1, False)
    assert modes.reads_once(DOCUMENT)


def test_a_request_refused_a_write_before_any_statement_is_never_read_once_again() -> None:
    modes = ReadModes()
    for _ in range(TRUSTED_AFTER):
        modes.ran(DOCUMENT, 1, False)

    modes.ran(DOCUMENT, 0, True)

    assert not modes.reads_once(DOCUMENT)


def test_at_most_so_many_documents_are_known_and_then_all_are_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(read_modes, "KNOWN_AT_MOST", 2)
    modes = ReadModes(trusted_after=1)
    modes.ran("{ a }", 1, False)
    modes.ran("{ b }", 1, False)
    assert modes.reads_once("{ a }") and modes.reads_once("{ b }")

    modes.ran("{ c }", 1, False)

    assert not modes.reads_once("{ a }") and not modes.reads_once("{ b }")
    assert modes.reads_once("{ c }")
