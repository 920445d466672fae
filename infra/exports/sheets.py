"""What a streamed workbook leaves behind when its export fails."""

from __future__ import annotations

import contextlib
import os

from openpyxl.worksheet._write_only import WriteOnlyWorksheet


def remove_sheet_file(sheet: WriteOnlyWorksheet) -> None:
    """openpyxl streams a write-only sheet through a file of its own, removed when the
    workbook is saved but otherwise only when the process exits: a worker runs for weeks."""
    writer = sheet._writer
    if writer is None or not os.path.exists(writer.out):
        return
    with contextlib.suppress(Exception):  # what failed may have left it half-written
        if not sheet.closed:
            sheet.close()  # its streams first: otherwise they write on when collected
    with contextlib.suppress(OSError, ValueError):
        writer.cleanup()
