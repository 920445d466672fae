"""Rows written as XML text (infra/exports/plain_sheet.py) read back as openpyxl would have
written them: text as string cells never run, numbers, booleans and moments typed, nothing
else accepted, and no file left behind."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from infra.exports.cells import REPLACEMENT
from infra.exports.plain_sheet import PlainSheet
from tests.unit.test_export_cells import FORMULAS


def read_back(tmp_path: Path, *rows: list[object]) -> list[list[tuple[object, str]]]:
    workbook = Workbook(write_only=True)
    plain = PlainSheet(workbook.create_sheet("Sheet"))
    try:
        for row in rows:
            plain.append(row)
        plain.close()
        workbook.save(tmp_path / "plain.xlsx")
    finally:
        plain.release()
    sheet = load_workbook(tmp_path / "plain.xlsx")["Sheet"]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def test_formula_like_text_and_error_codes_are_string_cells_kept_exactly(tmp_path: Path) -> None:
    texts = [*FORMULAS[:4], "#N/A", "a < b & c", " spaced "]
    assert read_back(tmp_path, texts) == [[(text, "s") for text in texts]]


def test_values_keep_their_types_and_a_gap_stays_empty(tmp_path: Path) -> None:
    moment = datetime(2027, 1, 15, 12, 30)
    [row] = read_back(tmp_path, [3, 2.5, True, moment, None, "Zoë"])
    assert row == [(3, "n"), (2.5, "n"), (True, "b"), (moment, "d"), (None, "n"), ("Zoë", "s")]


def test_rows_are_numbered_in_order(tmp_path: Path) -> None:
    rows = read_back(tmp_path, ["Reference"], ["C-1"], ["C-2"])
    assert [r[0][0] for r in rows] == ["Reference", "C-1", "C-2"]


def test_characters_xml_cannot_hold_are_replaced(tmp_path: Path) -> None:
    assert read_back(tmp_path, ["bell\x07"]) == [[(f"bell{REPLACEMENT}", "s")]]


@pytest.mark.parametrize("value", [datetime(2027, 1, 1, tzinfo=UTC), object(), b"bytes"])
def test_a_value_that_is_not_plain_is_refused(tmp_path: Path, value: object) -> None:
    with pytest.raises(TypeError):
        read_back(tmp_path, [value])


def test_a_date_is_a_moment_cell(tmp_path: Path) -> None:
    [[(value, kind)]] = read_back(tmp_path, [date(2027, 3, 1)])
    assert (value, kind) == (datetime(2027, 3, 1), "d")


def test_a_failed_sheet_leaves_no_file(tmp_path: Path) -> None:
    from infra.exports.sheets import remove_sheet_file

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    plain = PlainSheet(sheet)
    plain.append(["one"])
    path = sheet._writer.out
    with pytest.raises(TypeError):
        plain.append([object()])
    remove_sheet_file(sheet)
    plain.release()
    assert not Path(path).exists()
