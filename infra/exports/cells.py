"""Cells of exported files, so that no text a person typed runs as a formula.

A spreadsheet treats text starting with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula: a customer named `=HYPERLINK(...)` would otherwise run in
the partner's spreadsheet. In XLSX the cell is marked as text (and shown with a quote
prefix); CSV has no types, so such text is prefixed with an apostrophe, as OWASP advises.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
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
    """An XLSX cell for `value`; text is always a text cell, never a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if runs_as_formula(value):
        cell.quotePrefix = True
    return cell
