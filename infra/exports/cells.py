"""Values as spreadsheet cells and CSV fields that a spreadsheet shows, never runs.

A customer named `=HYPERLINK("http://evil.example", "Click")` must reach the sheet as that
text. Spreadsheets run a value starting with `=`, `+`, `-` or `@` (and some a tab or
carriage return followed by one) as a formula. In XLSX a cell typed as a string is never
run, so the text is kept exactly (Foyer's own writer, infra/exports/plain_workbook.py,
writes every text as such a cell; openpyxl's sheets get one for text it would take for a
formula); CSV has no types, so such a field gets a leading
apostrophe, as OWASP advises, which spreadsheets hide.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any
from xml.sax.saxutils import escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# What a spreadsheet may run: a formula's first characters, and "|", which older Excel
# takes for a DDE call (`|calc`), found missing by a hostile probe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "\t", "\r")
# XML cannot hold most control characters; text stored before the text rules refused them
# is exported with a visible replacement rather than failing the whole export.
REPLACEMENT = "\ufffd"


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """`value` for `sheet.append`: text that could run as a formula (or that openpyxl would
    take for an error code, `#N/A`) becomes a cell typed as a string; other values go as
    they are, since a cell object per value would triple an export's time."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)
    if not text.startswith(FORMULA_TRIGGERS) and text not in ERROR_CODES:
        return text
    return xlsx_string_cell(sheet, text)


def xlsx_string_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """An openpyxl cell holding `value` as text, shown exactly and never run, whatever it
    starts with (for a sheet that styles its cells)."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value))
    # Set after the value: openpyxl types any text starting with "=" as a formula.
    cell.data_type = "s"
    return cell


def xlsx_text_cell(ref: str, value: str, attributes: str = "") -> str:
    """The XML of a cell at `ref` holding `value` as text: an inline string, which a
    spreadsheet shows and never runs, whatever it starts with. `attributes`: the cell's
    others (its style)."""
    text = escape(ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value))
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{ref}" t="inlineStr"{attributes}><is><t{space}>{text}</t></is></c>'


def csv_field(value: Any) -> Any:
    """`value` for a CSV writer: text that could run as a formula gets a leading apostrophe;
    a moment is written as ISO text (`2027-01-15 12:00:00`), its own zone being the file's."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def write_csv_rows(stream: IO[str], rows: Iterable[Iterable[Any]]) -> None:
    """Every row to `stream` as CSV, each field through `csv_field`."""
    write = csv.writer(stream).writerow
    field = csv_field
    for row in rows:
        write([field(value) for value in row])
