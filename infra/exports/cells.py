"""Cells of exported files, so that no text a person typed runs as a formula.

A spreadsheet treats text starting with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula: a customer named `=HYPERLINK(...)` would otherwise run in
the partner's spreadsheet. In XLSX the cell is marked as text (and shown with a quote
prefix); CSV has no types, so such text is prefixed with an apostrophe, as OWASP advises.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def runs_as_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_text(value: Any) -> str:
    """A CSV field: text that would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if runs_as_formula(text) else text


def xlsx_text_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """An XLSX cell for `value`; text is always a text cell, never a formula. Only text
    openpyxl would take for a formula or an error code needs a cell of its own: other text
    is written as text already, and a cell object per value would triple the export's time."""
    if not isinstance(value, str) or not (runs_as_formula(value) or value in ERROR_CODES):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
