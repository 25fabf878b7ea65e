"""The feedback workbook operations send back to a subsidiary.

A copy of their own file with each offending cell highlighted and commented, and a findings
sheet listing everything in both languages. Files that could not be read get the findings
sheet alone.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..models import Finding, Severity
from ..reader import Submission
from .cells import put_text
from .placement import write_atomically

FINDINGS_SHEET = "审核意见 Findings"
_FILL = {Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
         Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
         Severity.INFO: PatternFill("solid", fgColor="DDEBF7")}
_HEADERS = ("级别 Severity", "代码 Code", "工作表 Sheet", "单元格 Cell", "列 Key", "填写值 Value",
            "问题及修改方法", "Problem and how to fix it")
_WIDTHS = (12, 18, 16, 10, 14, 18, 60, 60)


def feedback_name(sub: Submission) -> str:
    return f"{sub.path.stem}-feedback.xlsx"


def write_feedback(sub: Submission, out_dir: Path) -> Path:
    path = out_dir / feedback_name(sub)
    write_atomically(path, lambda temp: _build(sub).save(temp))
    return path


def _build(sub: Submission) -> Workbook:
    wb = _their_copy(sub)
    if wb is None:
        wb = Workbook()
        ws = wb.active
        ws.title = FINDINGS_SHEET
    else:
        _mark_cells(wb, sub.findings)
        ws = wb.create_sheet(FINDINGS_SHEET, 0)
    assert ws is not None
    ws.append(list(_HEADERS))
    for f in sorted(sub.findings, key=lambda f: (_ORDER[f.severity], f.sheet, _row_of(f.cell))):
        ws.append([f.severity.value, f.reason.value])
        row = ws.max_row
        for col, text in enumerate((f.sheet, f.cell, f.key, f.value, f.message_zh,
                                    f.message_en), start=3):
            put_text(ws.cell(row, col), text)
        ws.cell(row, 1).fill = _FILL[f.severity]
    for col, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[chr(64 + col)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row[6:8]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = Font(bold=True)
    if ws.max_row > 1:
        table = Table(displayName="Findings", ref=f"A1:H{ws.max_row}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
    ws.freeze_panes = "A2"
    # Printed for the accountant: landscape, every column on one page wide, header repeated.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    wb.active = wb.index(ws)
    return wb


_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _row_of(cell: str) -> int:
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits) if digits else 0


def _their_copy(sub: Submission) -> Workbook | None:
    """Their workbook, without macros, when it could be read; else None."""
    if not sub.kinds:
        return None
    try:
        return load_workbook(sub.path)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError,
            TypeError):
        return None


def _mark_cells(wb: Workbook, findings: list[Finding]) -> None:
    for f in findings:
        if not f.cell or f.sheet not in wb.sheetnames:
            continue
        cell = wb[f.sheet][f.cell]
        cell.fill = _FILL[f.severity]
        text = f"{f.message_zh}\n{f.message_en}"
        if cell.comment is not None:  # never overwrite a note someone typed
            text = f"{cell.comment.text}\n---\n{text}"
        cell.comment = Comment(text, "xltrack", width=320, height=120)
