"""The feedback workbook operations send back to a subsidiary.

A copy of their own file with each offending cell highlighted and commented, and a findings
sheet listing everything in both languages. Files that could not be read get the findings
sheet alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from copy import copy
from functools import partial
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from ..models import Finding, Severity
from ..reader import Submission
from ..safe import unique_names
from ..words import SEVERITY, both
from .cells import put_text, text_width
from .placement import keep_backup, write_atomically

FINDINGS_SHEET = "审核意见 Findings"
_FILL = {Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
         Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
         Severity.INFO: PatternFill("solid", fgColor="DDEBF7")}
_HEADERS = ("级别 Severity", "代码 Code", "工作表 Sheet", "单元格 Cell", "列 Key", "填写值 Value",
            "问题及修改方法", "Problem and how to fix it")
# Within a landscape A4 page at 100 % (cells.py reckons a width unit at 7.6 px, 1026 px to
# the page): the messages wrap in their columns instead of shrinking the page to 4 pt.
_WIDTHS = (11, 17, 12, 7, 12, 12, 28, 30)
_LINE_PT = 15  # one line of 11 pt text, Chinese glyphs included


FEEDBACK_SUFFIX = "-feedback.xlsx"


def feedback_names(subs: Sequence[Submission]) -> list[str]:
    """A distinct, safe file name for each submission's feedback workbook: its stem, made safe
    and short enough (safe.py); the same stem from two folders gets -2, -3 …"""
    return unique_names([s.path.stem for s in subs], FEEDBACK_SUFFIX)


def their_copy(sub: Submission) -> Workbook | None:
    """Their workbook to mark (without macros, their formulas turned to text), or None when
    the file is not a template that could be read. Raises whatever openpyxl raises on a file
    only calamine could read: the caller, in a worker process, writes the findings alone."""
    if not sub.kinds:
        return None
    wb = load_workbook(sub.path)
    _defuse(wb)
    return wb


def what_is_said(sub: Submission) -> str:
    """What a feedback workbook says, as a digest: the file's bytes and its findings."""
    said = json.dumps([sub.sha256, [f.to_json() for f in sub.findings]], ensure_ascii=False,
                      sort_keys=True, default=str)
    return hashlib.sha256(said.encode()).hexdigest()


def already_said(path: Path, said: str) -> bool:
    """Whether the feedback workbook at `path` says `said` already (a run that reads the same
    file again, refused for its context): it is then left as it is, with whatever was typed
    into it."""
    if not path.exists():
        return False
    try:
        wb = load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - unreadable: written again (the old one kept)
        return False
    try:
        return any(p.name == _SAID and getattr(p, "value", None) == said
                   for p in wb.custom_doc_props)
    finally:
        wb.close()


_SAID = "xltrack_feedback"  # the custom document property holding what_is_said


def write_feedback(sub: Submission, path: Path, theirs: Workbook | None,
                   said: str | None = None) -> Path:
    """The feedback workbook at `path`: `theirs` (from their_copy) marked, or the findings
    alone, `said` (what_is_said, by default of `sub` as it is) kept in it. A feedback
    workbook already there (of an earlier version of the file, or one people typed into) is
    kept in backup/ first."""
    wb = _build(sub, theirs)
    wb.custom_doc_props.append(StringProperty(name=_SAID, value=said or what_is_said(sub)))
    if path.exists():
        keep_backup(path, dt.datetime.now().strftime("%Y%m%d-%H%M%S"))
    write_atomically(path, wb.save)
    return path


def _build(sub: Submission, theirs: Workbook | None) -> Workbook:
    wb = theirs
    if wb is None:
        wb = Workbook()
        ws = wb.active
        ws.title = FINDINGS_SHEET
    else:
        _mark_cells(wb, _listed(sub.findings))
        ws = wb.create_sheet(FINDINGS_SHEET, 0)
    assert ws is not None
    last = _list_findings(ws, _listed(sub.findings))
    if len(sub.findings) > MAX_LISTED:
        last = _more(ws, last, len(sub.findings) - MAX_LISTED)
    for cell in ws[1]:
        cell.font = Font(name="Calibri", bold=True)  # the body's font, not the viewer's serif
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 2 * _LINE_PT  # "级别" over "Severity"
    if last > 1:
        taken = {name.casefold() for sheet in wb.worksheets for name in sheet.tables}
        name = next(n for n in ("Findings", "xltrack_Findings", "xltrack_Findings_2")
                    if n.casefold() not in taken)  # their tables may not be named both
        table = Table(displayName=name, ref=f"A1:H{last}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
    ws.freeze_panes = "A2"
    # Printed for the accountant: landscape, every column on one page wide, header repeated.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    ws.oddHeader.left.text, ws.oddHeader.right.text = "&F", "&A"
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页 Page &P of &N"
    wb.active = wb.index(ws)
    return wb


_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


# A file with more findings than this is broken throughout: the first ones (errors first) are
# listed and marked, and a last row says how many more there are. Without a bound, 200,000
# findings would take minutes and gigabytes, beyond any worker's budget.
MAX_LISTED = 10_000


def _listed(findings: list[Finding]) -> list[Finding]:
    ordered = sorted(findings, key=lambda f: (_ORDER[f.severity], f.sheet, _row_of(f.cell)))
    return ordered[:MAX_LISTED]


def _more(ws: Worksheet, last: int, more: int) -> int:
    ws.cell(last + 1, 1, _severity_word(Severity.INFO)).fill = _FILL[Severity.INFO]
    texts = ("", "", "", "", "", "",
             f"另有 {more:,} 条问题未列出（只列出前 {MAX_LISTED:,} 条）；请先改正以上问题，"
             "重新发送后将列出其余问题",
             f"{more:,} more findings are not listed (only the first {MAX_LISTED:,} are); "
             "correct these and send the file again to see the rest")
    for col in (7, 8):
        put_text(ws.cell(last + 1, col), texts[col - 1])
        _wrap(ws.cell(last + 1, col))
    ws.row_dimensions[last + 1].height = _height(texts)
    return last + 1


def _height(texts: Sequence[object]) -> float:
    """The row's height for its wrapped texts: LibreOffice keeps the default height of a row
    whose height is not given, and wrapped lines then print over the next row."""
    return float(max(_lines(t, w) for t, w in zip(texts, _WIDTHS, strict=True)) * _LINE_PT)


def _lines(text: object, width: float) -> int:
    """Lines a text wraps to in a column: about its width in characters to a line (a Chinese
    one counts two), less a little for the word that does not fit at a line's end."""
    per_line = max(int(width * 0.9) - 1, 1)
    return sum(max(1, -(-text_width(part) // per_line)) for part in str(text or "").split("\n"))


def _list_findings(ws: Worksheet, findings: list[Finding]) -> int:
    """One row per finding under the headers; returns the last row. Linear in the findings:
    rows are counted here (openpyxl's max_row scans every cell: 5,000 findings took 8 s and
    20,000 took 105 s), and each style is set once and copied (setting one looks it up)."""
    ws.append(list(_HEADERS))
    for col, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[chr(64 + col)].width = width
    styled: dict[object, Cell] = {}  # the first cell of each style, whose style is copied

    def style(cell: Cell, key: object, apply: Callable[[Cell], None]) -> None:
        first = styled.get(key)
        if first is None:
            apply(cell)
            styled[key] = cell
        else:
            cell._style = copy(first._style)

    last = 1
    for f in findings:  # in _listed's order
        last += 1
        severity = ws.cell(last, 1, _severity_word(f.severity))
        style(severity, f.severity, partial(_fill, _FILL[f.severity]))
        ws.cell(last, 2, f.reason.value)
        texts = (severity.value, f.reason.value, f.sheet, f.cell, f.key, f.value,
                 f.message_zh, f.message_en)
        for col, text in enumerate(texts[2:], start=3):
            cell = ws.cell(last, col)
            put_text(cell, text)
            style(cell, "wrap", _wrap)
        style(ws.cell(last, 2), "wrap", _wrap)
        ws.row_dimensions[last].height = _height(texts)
    return last


def _severity_word(severity: Severity) -> str:
    """The accountant reads words, in both languages like the rest of the sheet; the reason's
    code stays in the 代码 Code column for filters."""
    return both(SEVERITY, severity.value)


def _fill(fill: PatternFill, cell: Cell) -> None:
    cell.fill = fill
    cell.alignment = Alignment(vertical="top")  # beside the first line of a wrapped message


def _wrap(cell: Cell) -> None:
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _row_of(cell: str) -> int:
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits) if digits else 0


def _defuse(wb: Workbook) -> None:
    """Drop what would run when the copy is opened: a formula that came with the submission
    (a DDE call, HYPERLINK, WEBSERVICE …) is kept as its text; links to other workbooks and
    DDE servers, conditional formats, validations that call out and defined names that are
    not plain references are dropped."""
    for ws in wb.worksheets:
        for cells in ws.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    text = getattr(cell.value, "text", None) or str(cell.value)
                    put_text(cell, text if text.startswith("=") else f"={text}")
        # Conditional formats are evaluated as the sheet is shown (the templates have none);
        # a validation that calls out (DDE app|topic, [another workbook]) goes too.
        ws.conditional_formatting = ConditionalFormattingList()
        validations = ws.data_validations.dataValidation
        ws.data_validations.dataValidation = [
            v for v in validations if not (_calls_out(v.formula1) or _calls_out(v.formula2))]
    wb._external_links = []
    for names in (wb.defined_names, *(ws.defined_names for ws in wb.worksheets)):
        for name in [n for n, d in names.items() if not _REFERENCE.match(d.attr_text or "")]:
            del names[name]


def _calls_out(formula: str | None) -> bool:
    return formula is not None and ("|" in formula or "[" in formula)


# A defined name Excel only points with: Sheet!$A$1, 'My sheet'!A1:B9, a whole row or column.
_REFERENCE = re.compile(r"^=?(('[^']+'|[^'!()|=]+)!)?\$?[A-Z]{0,3}\$?\d*(:\$?[A-Z]{0,3}\$?\d*)?$")


def _mark_cells(wb: Workbook, findings: list[Finding]) -> None:
    anchors: dict[str, list[tuple[int, int, int, int]]] = {}
    for f in findings:
        if not f.cell or f.sheet not in wb.sheetnames:
            continue
        ws = wb[f.sheet]
        try:
            cell = ws[f.cell]
        except (ValueError, IndexError, KeyError, TypeError):
            continue  # not a cell's reference: the findings sheet still lists it
        if not isinstance(cell, Cell | MergedCell):
            continue  # a range, not one cell
        if isinstance(cell, MergedCell):  # Merge & Center: the note goes on the merged cell
            cell = _anchor(ws, cell, anchors)
            if cell is None:
                continue
        cell.fill = _FILL[f.severity]
        text = f"{f.message_zh}\n{f.message_en}"
        if cell.comment is not None:  # never overwrite a note someone typed
            text = f"{cell.comment.text}\n---\n{text}"
        cell.comment = Comment(text, "xltrack", width=320, height=120)


def _anchor(ws: Worksheet, cell: MergedCell,
            anchors: dict[str, list[tuple[int, int, int, int]]]) -> Cell | None:
    """The top-left cell of the merged range `cell` lies in (the ranges listed once a sheet)."""
    ranges = anchors.get(ws.title)
    if ranges is None:
        ranges = anchors[ws.title] = [(r.min_row, r.max_row, r.min_col, r.max_col)
                                      for r in ws.merged_cells.ranges]
    row, col = cell.row, cell.column
    for min_row, max_row, min_col, max_col in ranges:
        if min_row <= row <= max_row and min_col <= col <= max_col:
            top_left = ws.cell(min_row, min_col)
            return top_left if isinstance(top_left, Cell) else None
    return None
