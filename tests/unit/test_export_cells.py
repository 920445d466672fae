"""Export cells: text a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from infra.exports.cells import csv_text, xlsx_text_cell

RISKY = ["=1+2", "+44 20 7946 0000", "-5", "@SUM(A1)", "\tx", "#N/A"]


def test_csv_text_prefixes_what_would_run_as_a_formula_and_leaves_the_rest() -> None:
    assert [csv_text(v) for v in RISKY[:5]] == [
        "'=1+2",
        "'+44 20 7946 0000",
        "'-5",
        "'@SUM(A1)",
        "'\tx",
    ]
    assert [csv_text(v) for v in ("Ada", "a=b", None, 3)] == ["Ada", "a=b", "", "3"]


def test_xlsx_cells_hold_risky_text_as_text_exactly_as_typed() -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("x")
    sheet.append([xlsx_text_cell(sheet, v) for v in [*RISKY, "plain", 7]])
    saved = io.BytesIO()
    workbook.save(saved)
    row = next(load_workbook(io.BytesIO(saved.getvalue()))["x"].iter_rows())
    assert [c.value for c in row] == [*RISKY, "plain", 7]
    assert [c.data_type for c in row] == ["s"] * 7 + ["n"]
