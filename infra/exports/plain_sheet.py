"""Rows of plain values into a write-only sheet, written as XML text.

openpyxl's write-only sheet binds every value to a cell object and writes it through three
nested `xmlfile` contexts: about thirty microseconds a cell, most of a large export's time.
Rows whose values are already plain (text, numbers, booleans, naive moments, None) need
none of that: `PlainSheet` writes each row's XML as text into the sheet's own stream, and
openpyxl still writes everything else (the sheet's head and tail, workbook, styles, zip).
The stream is a file of ours that openpyxl's writer also writes to; lxml's buffer is
flushed before each row, so the two never interleave.

Text is always an inline string: a cell typed as a string, which a spreadsheet shows and
never runs, so every text cell is formula-safe by construction (infra/exports/cells.py);
characters XML cannot hold are replaced as `xlsx_cell` replaces them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter, create_temporary_file

from infra.exports.cells import REPLACEMENT


class PlainSheet:
    """A new write-only sheet's rows, all appended here, then `close()` before the
    workbook is saved (and `release()` whatever happens)."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self._sheet = sheet
        moment = WriteOnlyCell(sheet, value=datetime(2000, 1, 1))
        self._date_style = moment.style_id  # the workbook's style for a moment, once
        self._epoch = sheet.parent.epoch
        self._letters: list[str] = []
        path = create_temporary_file()
        self._stream = open(path, "wb", buffering=0)  # noqa: SIM115 - closed in release()
        writer = WorksheetWriter(sheet, out=self._stream)
        writer.out = path  # what openpyxl zips and removes; lxml keeps writing the stream
        writer.write_top()
        sheet._writer = writer
        # The two steps of the sheet's append that cost per cell, replaced for this sheet.
        sheet._values_to_row = lambda values, _: values  # type: ignore[method-assign]
        writer.write_row = self._write_row  # type: ignore[method-assign]

    def append(self, values: Sequence[Any]) -> None:
        self._sheet.append(values)

    def close(self) -> None:
        """The sheet's tail written and its file complete, ready to be zipped."""
        self._sheet.close()
        self._stream.close()

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.close()

    def _write_row(self, xf: Any, values: Sequence[Any], row_idx: int) -> None:
        letters = self._letters
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        cells = "".join(
            self._cell(f"{letter}{row_idx}", value)
            for letter, value in zip(letters, values, strict=False)
            if value is not None
        )
        xf.flush()  # what openpyxl wrote before this row (the sheet's head) goes first
        self._stream.write(f'<row r="{row_idx}">{cells}</row>'.encode())

    def _cell(self, ref: str, value: Any) -> str:
        if isinstance(value, str):
            text = escape(ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value))
            space = ' xml:space="preserve"' if value != value.strip() else ""
            return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref}" t="n"><v>{value!r}</v></c>'
        if isinstance(value, date):  # datetimes too: naive, as Excel has no time zones
            if isinstance(value, datetime) and value.tzinfo is not None:
                raise TypeError("Excel has no time zones: give the moment as naive UTC.")
            number = to_excel(value, self._epoch)
            return f'<c r="{ref}" t="n" s="{self._date_style}"><v>{number!r}</v></c>'
        raise TypeError(f"Not a plain cell value: {type(value).__name__}")
