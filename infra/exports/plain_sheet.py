"""Rows of plain values into a write-only sheet, one XML element per row.

openpyxl's write-only sheet binds every value to a cell object and writes it through three
nested `xmlfile` contexts: about thirty microseconds a cell, most of a large export's time.
Rows whose values are already plain (text, numbers, booleans, naive moments, None) need
none of that, so `plain_rows` hands the sheet's own writer one element per row, its XML
written as text and parsed by lxml in C (a quarter of the time of building it element by
element), and openpyxl still writes the package around it (workbook, styles, zip).

Text is always an inline string: a cell typed as a string, which a spreadsheet shows and
never runs, so every text cell is formula-safe by construction (infra/exports/cells.py);
characters XML cannot hold are replaced as `xlsx_cell` replaces them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from lxml.etree import XMLParser, fromstring
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from infra.exports.cells import REPLACEMENT


def plain_rows(sheet: WriteOnlyWorksheet) -> Callable[[Sequence[Any]], None]:
    """`sheet`'s append for rows of plain values, written one element per row. Use it for
    every row of the sheet (openpyxl counts the rows it is sent either way)."""
    moment = WriteOnlyCell(sheet, value=datetime(2000, 1, 1))
    date_style = moment.style_id  # the workbook's style for a moment, registered once
    epoch = sheet.parent.epoch
    letters: list[str] = []
    parser = XMLParser()

    def cell(ref: str, value: Any) -> str:
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
            return f'<c r="{ref}" t="n" s="{date_style}"><v>{to_excel(value, epoch)!r}</v></c>'
        raise TypeError(f"Not a plain cell value: {type(value).__name__}")

    def write_row(xf: Any, values: Sequence[Any], row_idx: int) -> None:
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        cells = "".join(
            cell(f"{letter}{row_idx}", value)
            for letter, value in zip(letters, values, strict=False)
            if value is not None
        )
        xf.write(fromstring(f'<row r="{row_idx}">{cells}</row>', parser))

    sheet._get_writer()
    # The two steps of the sheet's append that cost per cell, replaced for this sheet only.
    sheet._values_to_row = lambda values, _: values  # type: ignore[method-assign]
    sheet._writer.write_row = write_row
    return sheet.append
