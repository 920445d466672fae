"""Foyer's own XLSX writer (infra/exports/plain_workbook.py), read back by openpyxl cell by
cell: text as string cells never run, numbers, booleans and moments typed, nothing else
accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from infra.exports.cells import REPLACEMENT
from infra.exports.plain_workbook import PlainWorkbook, column_letters
from tests.unit.test_export_cells import FORMULAS


def written(tmp_path: Path, *rows: list[object], **options: object) -> Path:
    path = tmp_path / "plain.xlsx"
    with PlainWorkbook(path, "Sheet", **options) as book:  # type: ignore[arg-type]
        for row in rows:
            book.append(row)
    return path


def read_back(tmp_path: Path, *rows: list[object]) -> list[list[tuple[object, str]]]:
    sheet = load_workbook(written(tmp_path, *rows))["Sheet"]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("text", ["=1+1", "+x", "-x", "@x", *FORMULAS[:4]])
def test_formula_like_text_stays_text(tmp_path: Path, text: str) -> None:
    assert read_back(tmp_path, [text]) == [[(text, "s")]]
    # Nowhere in the sheet a formula element: a spreadsheet has nothing to run.
    assert b"<f>" not in _sheet_xml(written(tmp_path, [text]))


def test_error_codes_markup_and_spaces_are_text_kept_exactly(tmp_path: Path) -> None:
    texts = ["#N/A", "a < b & c > d", " spaced ", 'say "hi"', "Zoë ✓"]
    assert read_back(tmp_path, texts) == [[(text, "s") for text in texts]]


def test_values_keep_their_types_and_a_gap_stays_empty(tmp_path: Path) -> None:
    moment = datetime(2027, 1, 15, 12, 30, 5)
    [row] = read_back(tmp_path, [3, -2.5, True, False, moment, None, "Zoë", 10**12])
    assert row == [
        (3, "n"),
        (-2.5, "n"),
        (True, "b"),
        (False, "b"),
        (moment, "d"),
        (None, "n"),
        ("Zoë", "s"),
        (10**12, "n"),
    ]


def test_a_date_is_a_date_cell(tmp_path: Path) -> None:
    [[(value, kind)]] = read_back(tmp_path, [date(2027, 3, 1)])
    assert (value, kind) == (datetime(2027, 3, 1), "d")


def test_moments_before_the_false_leap_day_read_back(tmp_path: Path) -> None:
    early = [datetime(1900, 1, 1), datetime(1900, 2, 28, 6), datetime(1900, 3, 1)]
    assert read_back(tmp_path, early) == [[(m, "d") for m in early]]


def test_every_cell_of_many_rows_reads_back_in_order(tmp_path: Path) -> None:
    rows = [[f"C-{n}", n, f"={n}", None, n * 0.5] for n in range(1, 1001)]
    rows[0] += ["far"] * 30  # columns beyond Z
    found = read_back(tmp_path, *rows)
    assert [[v for v, _ in r if v is not None] for r in found] == [
        [v for v in r if v is not None] for r in rows
    ]


def test_characters_xml_cannot_hold_are_replaced(tmp_path: Path) -> None:
    assert read_back(tmp_path, ["bell\x07", "\x00"]) == [
        [(f"bell{REPLACEMENT}", "s"), (REPLACEMENT, "s")]
    ]


@pytest.mark.parametrize("value", [datetime(2027, 1, 1, tzinfo=UTC), object(), b"bytes"])
def test_a_value_that_is_not_plain_is_refused(tmp_path: Path, value: object) -> None:
    with pytest.raises(TypeError):
        written(tmp_path, ["fine"], [value])


def test_the_header_is_bold_frozen_and_the_columns_have_their_widths(tmp_path: Path) -> None:
    path = tmp_path / "styled.xlsx"
    with PlainWorkbook(path, "Customers", widths=(11, 30), freeze_header=True) as book:
        book.header(["Reference", "=Name"])
        book.append(["C-1", "Ada"])
    sheet = load_workbook(path)["Customers"]
    assert [c.font.b for c in sheet[1]] == [True, True]
    assert [(c.value, c.data_type) for c in sheet[1]] == [("Reference", "s"), ("=Name", "s")]
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (11, 30)


def test_an_awkward_sheet_name_is_kept_readable(tmp_path: Path) -> None:
    path = tmp_path / "named.xlsx"
    with PlainWorkbook(path, "Q&A <2027> [draft]: a very long sheet name indeed") as book:
        book.append([1])
    [name] = load_workbook(path).sheetnames
    assert name == "Q&A <2027> _draft__ a very long"


def test_column_letters() -> None:
    assert [column_letters(n) for n in (1, 26, 27, 52, 53, 702, 703)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def _sheet_xml(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")
