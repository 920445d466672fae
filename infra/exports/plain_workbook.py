"""A workbook of one plain data sheet, streamed row by row into its zip: Foyer's own XLSX
writer for every export that is rows of values.

An XLSX file is a zip of a few XML parts. Only the sheet grows with the rows, and it is
written straight into its zip entry (deflated as it goes), so memory stays flat however
many rows there are and no temporary file is left behind when an export fails. The other
parts are fixed text: the content types, the relationships, the workbook naming the one
sheet, and three cell styles (a bold header, a date, a moment).

Values are written by type: numbers as numbers, booleans as booleans, dates and naive
moments as numbers in a date style (Excel has no time zones: a moment is given as naive
UTC), None as no cell, and every text as a string cell (infra/exports/cells.py), never a
formula. Anything else is refused.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from infra.exports.cells import xlsx_text_cell

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Cell styles by index: 0 plain, 1 bold (the header), 2 a date, 3 a moment.
BOLD, DATE, MOMENT = 1, 2, 3
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
_FROZEN_HEADER = (
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>'
    "</sheetViews>"
)
# Day 0 of Excel's 1900 date system, counting its 29 February 1900 (which never was): a
# moment from 1 March 1900 is its distance from here in days; one before, a day less.
_EXCEL_EPOCH = datetime(1899, 12, 30)
_FALSE_LEAP_DAY = datetime(1900, 3, 1)


def column_letters(number: int) -> str:
    """A column's letters, 1 → A, 27 → AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def excel_serial(moment: datetime) -> float:
    days = (moment - _EXCEL_EPOCH).total_seconds() / 86400
    return days if moment >= _FALSE_LEAP_DAY else days - 1


class PlainWorkbook:
    """`with PlainWorkbook(path, "Customers") as book: book.header(...); book.append(...)`.
    The file is complete when the block ends; if it fails, the half-written file is
    closed and the caller discards it."""

    def __init__(
        self,
        path: Path,
        sheet_name: str,
        widths: Sequence[float] = (),
        freeze_header: bool = False,
        compresslevel: int = 1,
    ) -> None:
        # Level 1: most of what deflate saves on this XML, at a fraction of the default's time.
        self._zip = zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        )
        self._letters: list[str] = []
        self._row = 0
        try:
            for name, text in (
                ("[Content_Types].xml", _CONTENT_TYPES),
                ("_rels/.rels", _PACKAGE_RELS),
                ("xl/workbook.xml", _WORKBOOK.format(name=_sheet_name(sheet_name))),
                ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                ("xl/styles.xml", _STYLES),
            ):
                self._zip.writestr(name, text)
            self._sheet: IO[bytes] = self._zip.open(
                "xl/worksheets/sheet1.xml", "w", force_zip64=True
            )
            cols = "".join(
                f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
                for n, width in enumerate(widths, 1)
            )
            self._sheet.write(
                (
                    _SHEET_HEAD
                    + (_FROZEN_HEADER if freeze_header else "")
                    + (f"<cols>{cols}</cols>" if cols else "")
                    + "<sheetData>"
                ).encode()
            )
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> PlainWorkbook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        self._zip.close()

    def header(self, titles: Sequence[str]) -> None:
        """A row of bold titles."""
        self._write(titles, BOLD)

    def append(self, values: Sequence[Any]) -> None:
        self._write(values, 0)

    def _write(self, values: Sequence[Any], style: int) -> None:
        letters = self._letters
        while len(letters) < len(values):
            letters.append(column_letters(len(letters) + 1))
        self._row += 1
        row = str(self._row)
        cells = "".join(
            _cell(letter + row, value, style)
            for letter, value in zip(letters, values, strict=False)
            if value is not None
        )
        self._sheet.write(f'<row r="{row}">{cells}</row>'.encode())


def _cell(ref: str, value: Any, style: int) -> str:
    styled = f' s="{style}"' if style else ""
    if isinstance(value, str):
        return xlsx_text_cell(ref, value, styled)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{styled}><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{styled}><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise TypeError("Excel has no time zones: give the moment as naive UTC.")
        return f'<c r="{ref}" s="{MOMENT}"><v>{excel_serial(value)!r}</v></c>'
    if isinstance(value, date):
        serial = excel_serial(datetime(value.year, value.month, value.day))
        return f'<c r="{ref}" s="{DATE}"><v>{int(serial)}</v></c>'
    raise TypeError(f"Not a plain cell value: {type(value).__name__}")


def _sheet_name(name: str) -> str:
    """A sheet's name as the workbook part holds it: at most 31 characters, none of the
    ones Excel refuses, XML-escaped."""
    kept = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]
    return kept.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
