"""A streamed workbook whose export fails leaves none of openpyxl's files behind."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workers.partner_export import _write_xlsx


def rows_then_failure() -> Iterator[list[Any]]:
    yield ["Ada", "Lovelace"]
    raise ConnectionError("the database went away mid-export")


def test_a_partner_sheet_that_fails_mid_write_leaves_no_file_of_openpyxl(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    streams = tmp_path / "streams"
    streams.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(streams))  # where openpyxl streams its sheet

    with pytest.raises(ConnectionError):
        _write_xlsx(tmp_path / "partner.xlsx", rows_then_failure())

    assert list(streams.iterdir()) == []
