"""Writing cells safely: text from submissions is always text, never a formula."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from openpyxl.cell.cell import Cell


def put_text(cell: Cell, text: object) -> None:
    """Write `text` as a text cell even when it starts with = + - or @."""
    cell.value = "" if text is None else str(text)
    cell.data_type = "s"


def new_workbook(path: Path) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook for a report. Text is written as text, never as a formula, a
    number or a link; the parts are built in memory rather than in a temporary file each (a
    report is small, and that halves the time to write a small one)."""
    return xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_numbers": False,
                                           "strings_to_urls": False, "in_memory": True})
