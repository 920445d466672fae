"""The Donor Profile as an Excel workbook: one sheet per section, typed cells (dates as
dates, money as numbers in the organisation's currency format), frozen header rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.donor_profile import DonorProfile, ReportSection
from domain.money import Money
from infra.exports.cells import xlsx_string_cell

DATE_FORMAT = "dd mmm yyyy"
MOMENT_FORMAT = "dd mmm yyyy hh:mm"


def money_format(currency: str) -> str:
    return f'"{currency}" #,##0.00;-"{currency}" #,##0.00'


def render_xlsx(profile: DonorProfile, output: Path) -> None:
    workbook = Workbook(write_only=True)
    for section in profile.sections:
        sheet = workbook.create_sheet(section.title[:31])
        _sheet(sheet, section, profile)
    workbook.save(output)


def _sheet(sheet: WriteOnlyWorksheet, section: ReportSection, profile: DonorProfile) -> None:
    sheet.freeze_panes = "A2"
    for index, column in enumerate(section.columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in section.columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        if column.numeric:
            cell.alignment = Alignment(horizontal="right")
        header.append(cell)
    sheet.append(header)
    if section.title == "Summary":
        for label, value in _about(profile):
            sheet.append(
                [_cell(sheet, label, profile.currency), _cell(sheet, value, profile.currency)]
            )
    for row in section.rows:
        sheet.append([_cell(sheet, value, profile.currency) for value in row])


def _about(profile: DonorProfile) -> list[tuple[str, Any]]:
    return [
        ("Organisation", profile.organisation),
        ("Customer", f"{profile.customer_name} ({profile.customer_reference})"),
        ("Period from", profile.starts_on),
        ("Period to", profile.ends_on),
        ("Prepared (UTC)", profile.generated_at),
    ]


def _cell(sheet: WriteOnlyWorksheet, value: Any, currency: str) -> WriteOnlyCell:
    if isinstance(value, Money):
        cell = WriteOnlyCell(sheet, value=value.amount / 100)
        cell.number_format = money_format(value.currency or currency)
    elif isinstance(value, datetime):
        # Excel has no time zones; the values are UTC.
        cell = WriteOnlyCell(sheet, value=value.astimezone(UTC).replace(tzinfo=None))
        cell.number_format = MOMENT_FORMAT
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        cell = xlsx_string_cell(sheet, value)
        cell.alignment = Alignment(wrap_text=len(value) > 60, vertical="top")
    else:
        cell = WriteOnlyCell(sheet, value=value)
    return cell
