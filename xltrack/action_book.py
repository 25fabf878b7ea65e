"""Writing the key-work table without losing what people typed into it.

A new table is laid out here; every later change is surgical (openpyxl load, change only the
cells xltrack owns, save): the user's columns, values, formats, comments, extra sheets and row
order stay as they were, and the previous file goes to backup/. A table open in Excel is not
touched. xltrack owns, in every row, the three formula columns; in a row it adds, every column
of its own; at roll-over, 当前期限, 期限调整, 滚动月数 and 新期限 of the rows carried over.

Month by month the tables are named key-work-YYYY-MM.xlsx beside the first one: `current_table`
finds the latest, so every door (CLI, control workbook, report) uses the new month's table the
moment the roll-over has written it, with no path to edit.
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from collections.abc import Iterable
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.formula.translate import Translator
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from .action_table import (
    COLUMNS,
    COMPUTED,
    DATES,
    HEADER_ROW,
    SHEET,
    TABLE,
    KeyWork,
    TableProblem,
    column_positions,
    formulas,
    open_table,
    read_key_work,
)
from .actions import (
    DEFAULT_CADENCE,
    SOURCE_WORDS,
    STATUS_WORDS,
    ActionItem,
    Cadence,
    Source,
    Status,
    items_for_major_variances,
)
from .errors import UsageError
from .report.cells import put_text
from .report.placement import Placed, is_open, place, write_atomically
from .report.special import read_assessment, report_name

SPARE_ROWS = 200  # blank rows with the formulas ready, for items typed by hand
VALIDATED_ROWS = 2000
_DATED = re.compile(r"^(?P<base>.+)-(?P<month>\d{4}-\d{2})$")
_FONT = Font(name="Microsoft YaHei", size=9)
_WRAP = Alignment(vertical="top", wrap_text=True)


def current_table(path: Path) -> Path:
    """The table in force: a month's table named as such, else the latest key-work-YYYY-MM
    beside `path`, else `path` itself."""
    if _DATED.match(path.stem):
        return path
    pattern = f"{glob.escape(path.stem)}-[0-9][0-9][0-9][0-9]-[0-9][0-9]{path.suffix}"
    dated = sorted(p for p in path.parent.glob(pattern) if _DATED.match(p.stem))
    return dated[-1] if dated else path


def month_table(path: Path, month: str) -> Path:
    """The name of `month`'s table beside `path` (key-work.xlsx → key-work-2026-12.xlsx)."""
    found = _DATED.match(path.stem)
    base = found.group("base") if found else path.stem
    return path.with_name(f"{base}-{month}{path.suffix}")


def load_key_work(named: Path, cadence: Cadence = DEFAULT_CADENCE) -> KeyWork | None:
    """The table in force for `named`, read without ever raising (for the monthly run): a
    file that cannot be read at all is one problem. None when there is no table."""
    path = current_table(named)
    if not path.exists():
        return None
    try:
        return read_key_work(path, cadence)
    except UsageError as exc:
        return KeyWork(path, problems=[TableProblem("", "", None, exc.zh, exc.en)],
                       cadence=cadence)


def refuse_if_open(path: Path) -> None:
    if path.exists() and is_open(path):
        raise UsageError(f"{path} 正在 Excel 中打开，未做任何修改；请关闭后再试。",
                         f"{path.name} is open in Excel; nothing was changed. Close it and "
                         "try again.")


def write_table(path: Path, items: Iterable[ActionItem], as_of: dt.date | None = None,
                cadence: Cadence = DEFAULT_CADENCE, title: str = "", lang: str = "zh") -> Path:
    """A new tracking table at `path` (atomically), with `items` in the given order."""
    items = list(items)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    wb.properties.title, wb.properties.creator = title or "重点工作跟踪表", "xltrack"
    day = as_of or dt.date.today()
    put_text(ws.cell(1, 1), title or f"重点工作跟踪表 Key-work tracking — {day}")
    ws.cell(1, 1).font = Font(name="Microsoft YaHei", size=13, bold=True)
    put_text(ws.cell(2, 1), "最近联系、下次跟进、提示为公式，自动计算；进展每行一条，"
                            "最新的在最后，如 2026-11-18 已电话督办。 Last contact, next "
                            "follow-up and flag are formulas; progress notes one per line, "
                            "newest last.")
    ws.cell(2, 1).font = Font(name="Microsoft YaHei", size=9, color="595959")
    head = Font(name="Microsoft YaHei", size=9, bold=True)
    for c, (_, header, width) in enumerate(COLUMNS, start=1):
        put_text(ws.cell(HEADER_ROW, c), header)
        ws.cell(HEADER_ROW, c).font, ws.cell(HEADER_ROW, c).alignment = head, _WRAP
        ws.column_dimensions[get_column_letter(c)].width = width
    last = HEADER_ROW + len(items) + SPARE_ROWS
    letters = {key: get_column_letter(c) for c, (key, _, _) in enumerate(COLUMNS, start=1)}
    positions = {key: c for c, (key, _, _) in enumerate(COLUMNS, start=1)}
    for r in range(HEADER_ROW + 1, last + 1):
        for c, (key, _, _) in enumerate(COLUMNS, start=1):
            cell = ws.cell(r, c)
            cell.font, cell.alignment = _FONT, _WRAP
            if key in DATES:
                cell.number_format = "yyyy-mm-dd"
        _formulas(ws, r, letters, positions, cadence)
    for r, item in enumerate(items, start=HEADER_ROW + 1):
        write_item(ws, r, item, positions, lang)
    table = Table(displayName=TABLE, ref=f"A{HEADER_ROW}:{get_column_letter(len(COLUMNS))}{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    _validations(ws, letters, lang)
    ws.freeze_panes = f"B{HEADER_ROW + 1}"
    # A4 at 90% (9 pt prints at 8.1): twenty columns squeezed onto one page width printed at
    # 3.6 pt, so the columns run on over pages, the ID column and the header row repeated.
    ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
    ws.page_setup.scale = 90
    ws.print_title_rows, ws.print_title_cols = f"{HEADER_ROW}:{HEADER_ROW}", "A:A"
    ws.oddHeader.left.text = (title or "重点工作跟踪表").replace("&", "&&")
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    write_atomically(path, wb.save)
    return path


def _validations(ws: Worksheet, letters: dict[str, str], lang: str) -> None:
    """Drop-downs in the table's language (both languages are read back), dates after 2000."""
    end = HEADER_ROW + VALIDATED_ROWS

    def rule(key: str, validation: DataValidation) -> None:
        validation.add(f"{letters[key]}{HEADER_ROW + 1}:{letters[key]}{end}")
        ws.add_data_validation(validation)
    for key, words in (("source", SOURCE_WORDS[lang]), ("status", STATUS_WORDS[lang])):
        allowed = "、".join(words.values()) if lang == "zh" else ", ".join(words.values())
        rule(key, DataValidation(type="list", formula1=f'"{",".join(words.values())}"',
                                 allow_blank=True, showErrorMessage=True,
                                 errorTitle="xltrack", error=f"只能是 Only: {allowed}"))
    for key in sorted(DATES - set(COMPUTED)):
        rule(key, DataValidation(type="date", operator="greaterThan", formula1="36526",
                                 allow_blank=True, showErrorMessage=True, errorTitle="xltrack",
                                 error="请填写日期 Type a date, e.g. 2026-11-30"))
    flag = letters["flag"]
    cells = f"{flag}{HEADER_ROW + 1}:{flag}{end}"
    first = f"{flag}{HEADER_ROW + 1}"
    ws.conditional_formatting.add(cells, FormulaRule(
        formula=[f'ISNUMBER(SEARCH("overdue",{first}))'],
        fill=PatternFill("solid", bgColor="FFC7CE"), font=Font(color="9C0006")))
    ws.conditional_formatting.add(cells, FormulaRule(
        formula=[f'ISNUMBER(SEARCH("due soon",{first}))'],
        fill=PatternFill("solid", bgColor="FFEB9C")))


def _formulas(ws: Worksheet, row: int, letters: dict[str, str], positions: dict[str, int],
              cadence: Cadence) -> None:
    for key, formula in formulas(letters, row, cadence).items():
        ws.cell(row, positions[key]).value = formula


def write_item(ws: Worksheet, row: int, item: ActionItem, positions: dict[str, int],
               lang: str) -> None:
    """Every column of xltrack's own in `row` (text always as text, never a formula)."""
    values = _values(item, lang)
    for key, column in positions.items():
        if key in COMPUTED:
            continue
        value, cell = values.get(key), ws.cell(row, column)
        if isinstance(value, dt.date):
            cell.value = value
            if not is_date_format(cell.number_format):  # a date format of theirs stays
                cell.number_format = "yyyy-mm-dd"
        elif isinstance(value, int):
            cell.value = value
        elif value in (None, ""):
            cell.value = None
        else:
            put_text(cell, value)


def _values(item: ActionItem, lang: str) -> dict[str, object]:
    row: dict[str, object] = item.model_dump()
    row["source"] = SOURCE_WORDS[lang][Source(item.source)]
    row["status"] = STATUS_WORDS[lang][Status(item.status)]
    row["notes"] = "\n".join(f"{n.on} {n.text}" for n in item.notes)
    row["history"] = "\n".join(f"{h.previous} → {h.deadline} (agreed {h.agreed_on})"
                               for h in item.history)
    row["new_deadline"] = None
    return row


def add_items(path: Path, items: list[ActionItem], lang: str,
              cadence: Cadence = DEFAULT_CADENCE) -> Placed:
    """Append `items` in the table's first blank rows (the table grows when it has none);
    nothing else of the file changes. The previous file goes to backup/."""
    refuse_if_open(path)
    wb, ws, bounds = open_table(path)
    positions = column_positions(ws, bounds)
    letters = {k: get_column_letter(c) for k, c in positions.items()}
    # A row is free only when nothing is in it: not even in a column of the user's own.
    typed = [c for c in range(bounds[0], bounds[2] + 1)
             if c not in {positions.get(k) for k in COMPUTED}]
    blank = [r for r in range(bounds[1] + 1, bounds[3] + 1)
             if all(ws.cell(r, c).value in (None, "") for c in typed)]
    last = bounds[3]
    if len(blank) < len(items):
        last = bounds[3] + len(items) - len(blank) + SPARE_ROWS
        for r in range(bounds[3] + 1, last + 1):
            for c in range(bounds[0], bounds[2] + 1):
                ws.cell(r, c)._style = copy(ws.cell(bounds[3], c)._style)
        _resize(ws, f"{get_column_letter(bounds[0])}{bounds[1]}:"
                    f"{get_column_letter(bounds[2])}{last}")
        blank += list(range(bounds[3] + 1, last + 1))
    for row, item in zip(blank, items, strict=False):
        write_item(ws, row, item, positions, lang)
    for r in range(bounds[1] + 1, last + 1):
        _formulas(ws, r, letters, positions, cadence)
    return place(path, wb.save)


def _resize(ws: Worksheet, ref: str) -> None:
    table = ws.tables[TABLE]
    table.ref = ref
    if table.autoFilter is not None:
        table.autoFilter.ref = ref


def move_row(ws: Worksheet, source: int, target: int) -> None:
    """Row `source` to row `target`: values (formulas translated), formats, comments, links,
    height; the source row is left for the caller to fill or clear."""
    for c in range(1, ws.max_column + 1):
        src, dst = ws.cell(source, c), ws.cell(target, c)
        value = src.value
        if isinstance(value, str) and value.startswith("=") and src.data_type == "f":
            value = Translator(value, origin=src.coordinate).translate_formula(dst.coordinate)
        dst.value = value
        if src.data_type == "s":
            dst.data_type = "s"
        dst._style = copy(src._style)
        dst.comment = (Comment(src.comment.text, src.comment.author or "")
                       if src.comment else None)
        dst.hyperlink = copy(src.hyperlink) if src.hyperlink else None
    ws.row_dimensions[target].height = ws.row_dimensions[source].height


def clear_row(ws: Worksheet, row: int, style_row: int) -> None:
    for c in range(1, ws.max_column + 1):
        cell = ws.cell(row, c)
        cell.value, cell.comment, cell.hyperlink = None, None, None
        cell._style = copy(ws.cell(style_row, c)._style)
    ws.row_dimensions[row].height = None


def _owner(reports: Path, project: str, period: str) -> str:
    """The owner typed in the project's special report: its workbook's 责任人 field, else
    the text typed under 责任人 (Owner) in its written report, Chinese or English."""
    from .report.written import read_assessment as read_written
    from .report.written import special_docx_name

    typed = str(read_assessment(reports / report_name(project, period)).get("责任人", "")).strip()
    for lang, label in (("zh", "责任人"), ("en", "Owner")):
        if typed:
            break
        written = read_written(reports / special_docx_name(project, period, lang), lang)
        typed = "；".join(t.strip() for t in written.get(label, []) if t.strip())
    return typed


def track_major_variances(named: Path, flags: Any, period: str, reports: Path,
                          fallback_person: str, cadence: Cadence = DEFAULT_CADENCE,
                          today: dt.date | None = None, units: dict[str, str] | None = None
                          ) -> tuple[Path, list[ActionItem]]:
    """Add one item per project with a major variance to the table in force (a new table
    when there is none), surgically; its person is the owner typed in the special report
    (the workbook's, else the written report's); its department the subsidiary, named as
    `units` (code -> name) has it."""
    path = current_table(named)
    today = today or dt.date.today()
    work = read_key_work(path, cadence) if path.exists() else KeyWork(path)
    majors = sorted(set(flags[flags.severity == "major"].project))
    owners = {str(p): _owner(reports, str(p), period) for p in majors}
    new = items_for_major_variances(flags, period, work.items, today, owners, fallback_person,
                                    units)
    if not path.exists():
        write_table(path, new, today, cadence)
    elif new:
        add_items(path, new, work.lang, cadence)
    return path, new
