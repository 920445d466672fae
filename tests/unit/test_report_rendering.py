"""The Donor Profile's renderers given hostile text: it is shown as written, never run; the
PDF is tagged for screen readers, and a table's rows are laid out at one line's height only
where every cell fits on one line."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from domain.donor_profile import DonorProfile, ReportColumn, ReportSection
from domain.money import Money
from infra.reports.pdf import one_line_rows, render_pdf, typst_string
from infra.reports.xlsx import render_xlsx

HOSTILE = 'Ends "here" \\ #set page(width: 1cm) *bold* $x$ ] [ // no comment'
FORMULA = '=HYPERLINK("http://example.org", "click")'


def profile() -> DonorProfile:
    made = DonorProfile(
        "Riverside #Playhouse",
        "GBP",
        HOSTILE,
        "C-1",
        date(2025, 1, 1),
        date(2025, 12, 31),
        datetime(2026, 1, 2, 9, 30, tzinfo=UTC),
    )
    columns = (ReportColumn("Note", 40), ReportColumn("Amount", 14, numeric=True))
    made.sections = [
        ReportSection("Pop-up notes", columns, [(HOSTILE, Money(123_456, "GBP")), (FORMULA, None)])
    ]
    return made


def test_a_typst_string_escapes_quotes_backslashes_and_control_characters() -> None:
    assert typst_string('a"b\\c\nd\x01') == '"a\\"b\\\\c\\nd\\u{1}"'


def test_markup_in_user_text_is_printed_as_written(tmp_path: Path) -> None:
    render_pdf(profile(), tmp_path / "p.pdf")

    reader = PdfReader(tmp_path / "p.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)

    assert len(reader.pages) == 1
    assert " ".join(HOSTILE.split()) in text
    assert "Riverside #Playhouse" in text and "GBP 1,234.56" in text and "page 1 of 1" in text


def test_a_cell_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    render_xlsx(profile(), tmp_path / "p.xlsx")

    sheet = load_workbook(io.BytesIO((tmp_path / "p.xlsx").read_bytes()))["Pop-up notes"]

    # Kept exactly, as text: a string-typed cell is never run, so it needs no apostrophe.
    assert sheet["A3"].data_type == "s" and sheet["A3"].value == FORMULA
    assert sheet["B2"].value == 1234.56 and sheet["B2"].number_format.startswith('"GBP"')


def test_the_pdf_is_tagged_for_screen_readers_as_pdf_ua_with_its_tables_as_tables(
    tmp_path: Path,
) -> None:
    render_pdf(profile(), tmp_path / "p.pdf")

    root = PdfReader(tmp_path / "p.pdf").trailer["/Root"]

    assert bool(root["/MarkInfo"]["/Marked"])
    assert {"/H1", "/Table", "/TH", "/TD"} <= structure_types(root["/StructTreeRoot"])
    assert b"<pdfuaid:part>1</pdfuaid:part>" in root["/Metadata"].get_object().get_data()


def structure_types(element: Any) -> set[str]:
    """The types of the structure elements under `element` (a tagged PDF's tree)."""
    element = element.get_object()
    if isinstance(element, list):
        return {kind for child in element for kind in structure_types(child)}
    if not isinstance(element, dict):
        return set()
    found = {str(element["/S"])} if "/S" in element else set()
    return found | structure_types(element.get("/K", []))


def test_rows_are_one_line_high_only_where_every_cell_fits_on_one_line() -> None:
    columns = (ReportColumn("Event", 30), ReportColumn("Amount", 14, numeric=True))
    short = ReportSection("Tickets", columns, [("Hamlet", Money(2500, "GBP"))] * 3)
    long = ReportSection("Tickets", columns, [("Hamlet " * 40, Money(2500, "GBP"))])
    lines = ReportSection("Tickets", columns, [("Hamlet\nMatinee", Money(2500, "GBP"))])
    # As many letters, but capitals of the widest: they would not fit.
    lower = ReportSection("Tickets", columns, [("w" * 45, Money(2500, "GBP"))])
    upper = ReportSection("Tickets", columns, [("W" * 45, Money(2500, "GBP"))])

    assert one_line_rows(short) and one_line_rows(lower)
    assert not one_line_rows(long)
    assert not one_line_rows(lines)
    assert not one_line_rows(upper)
