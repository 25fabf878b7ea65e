"""The key-work tracking table (重点工作跟踪表): its columns, its live formulas, and reading it.

One Excel table, `KeyWork`; its columns are defined here once, found by their header (so a
person may move them, or add columns of their own). Progress notes are one per line, oldest
first ("2026-10-20 已督办"), deadline changes likewise ("2026-10-31 → 2026-11-30 (agreed
2026-10-25)"). 最近联系, 下次跟进 and 提示 are formulas of the table's own, so rows typed by hand
are right in Excel and LibreOffice without xltrack; xltrack never reads them.

Reading never stops at a bad cell: every problem is a `TableProblem` naming its cell and the
value typed, in 中文 and English; the good rows are still read.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from .actions import (
    DEFAULT_CADENCE,
    DUE_SOON,
    OVERDUE,
    SOURCE_WORDS,
    STATUS_WORDS,
    ActionItem,
    Cadence,
    Note,
    Reschedule,
    Status,
    parse_source,
    parse_status,
)
from .errors import UsageError

TABLE = "KeyWork"
SHEET = "重点工作 Key work"
HEADER_ROW = 3  # 1-based: the title, a line of help, then the table
COLUMNS: tuple[tuple[str, str, int], ...] = (  # key, header, width
    ("id", "编号 ID", 10), ("source", "来源 Source", 12), ("reference", "文号 Reference", 14),
    ("source_date", "来源日期 Source date", 12), ("project", "项目 Project", 11),
    ("variance", "关联差异 Variance", 20), ("content", "工作内容 Content", 36),
    ("department", "责任部门 Department", 14), ("person", "责任人 Person", 10),
    ("original_deadline", "原定期限 Original deadline", 12),
    ("deadline", "当前期限 Deadline", 12), ("history", "期限调整 Deadline history", 30),
    ("status", "状态 Status", 11), ("notes", "进展 Progress notes", 36),
    ("completed_on", "完成日期 Completed on", 12), ("evidence", "完成证明 Evidence", 24),
    ("months_rolled", "滚动月数 Months rolled", 9), ("new_deadline", "新期限 New deadline", 12),
    ("last_contact", "最近联系 Last contact", 12),
    ("next_follow_up", "下次跟进 Next follow-up", 12), ("flag", "提示 Flag", 12),
)
HEADERS = {key: head for key, head, _ in COLUMNS}
COMPUTED = ("last_contact", "next_follow_up", "flag")
DATES = {"source_date", "original_deadline", "deadline", "completed_on", "new_deadline",
         "last_contact", "next_follow_up"}
REQUIRED = ("id", "source", "source_date", "content", "department", "person", "deadline")
_NOTE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(.+)$")
_MOVE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:→|->)\s*(\d{4}-\d{2}-\d{2})\s*"
                   r"\((?:agreed|商定)\s*(\d{4}-\d{2}-\d{2})\)\s*$")
_DATE_HINT = "请填写日期，如 2026-11-30 / type a date such as 2026-11-30"


@dataclass(frozen=True)
class TableProblem:
    """One cell of the key-work table to correct."""

    sheet: str
    cell: str  # "K6"
    value: Any  # what was typed
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}: " if self.cell else ""
        return f"{where}{self.zh} {self.en}".strip()

    def text(self, lang: str) -> str:
        """The cell and what to correct, in one language (the sheet keeps its own name)."""
        where = f"{self.sheet}!{self.cell}: " if self.cell else ""
        return f"{where}{self.zh if lang == 'zh' else self.en}".strip()


@dataclass
class KeyWork:
    """What a key-work table holds: its items, the new deadlines typed for roll-over, every
    problem, and where each item's row is (for surgical edits and exact messages)."""

    path: Path
    items: list[ActionItem] = field(default_factory=list)
    new_deadlines: dict[str, dt.date] = field(default_factory=dict)
    problems: list[TableProblem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # item id → 1-based sheet row
    letters: dict[str, str] = field(default_factory=dict)  # column key → column letter
    sheet: str = SHEET
    lang: str = "zh"
    cadence: Cadence = DEFAULT_CADENCE

    def cell(self, item_id: str, key: str) -> str:
        return f"{self.letters.get(key, '?')}{self.rows.get(item_id, '?')}"


def open_table(path: Path) -> tuple[Workbook, Worksheet, tuple[int, int, int, int]]:
    """The workbook (formulas, not cached values), the sheet holding the KeyWork table, and
    the table's bounds (min_col, min_row, max_col, max_row)."""
    try:
        wb = load_workbook(path)
    except (FileNotFoundError, InvalidFileException, zipfile.BadZipFile, KeyError,
            OSError, ValueError) as exc:
        raise UsageError(f"{path}：无法打开重点工作表（{exc}）",
                         f"{path}: cannot open the key-work table ({exc})") from None
    for ws in wb.worksheets:
        if TABLE in ws.tables:
            bounds = range_boundaries(ws.tables[TABLE].ref)
            return wb, ws, (int(bounds[0]), int(bounds[1]), int(bounds[2]), int(bounds[3]))
    raise UsageError(f"{path}：没有名为 {TABLE} 的表格；请用 xltrack actions init FILE 新建",
                     f"{path}: no table named {TABLE}; create one with "
                     "'xltrack actions init FILE'")


def column_positions(ws: Worksheet, bounds: tuple[int, int, int, int]) -> dict[str, int]:
    """Column key → 1-based column, found by header: the whole header or its Chinese word."""
    min_col, min_row, max_col, _ = bounds
    found: dict[str, int] = {}
    for c in range(min_col, max_col + 1):
        text = str(ws.cell(min_row, c).value or "").strip()
        for key, head, _ in COLUMNS:
            if key not in found and text and (text == head or text == head.split(" ")[0]):
                found[key] = c
    return found


def table_language(ws: Worksheet) -> str:
    """zh when the status drop-down offers the Chinese words, else en."""
    for rule in ws.data_validations.dataValidation:
        if STATUS_WORDS["zh"][Status.OPEN] in str(rule.formula1 or ""):
            return "zh"
        if f'"{",".join(STATUS_WORDS["en"].values())}"' == str(rule.formula1 or ""):
            return "en"
    return "zh"


def read_key_work(path: Path, cadence: Cadence = DEFAULT_CADENCE) -> KeyWork:
    """Read the table; rows with problems are left out and each problem is named by its cell.

    Raises UsageError only when the file or its table cannot be found at all."""
    wb, ws, bounds = open_table(path)
    positions = column_positions(ws, bounds)
    work = KeyWork(path, sheet=ws.title, lang=table_language(ws), cadence=cadence,
                   letters={k: get_column_letter(c) for k, c in positions.items()})
    missing = [HEADERS[k] for k in (*REQUIRED, "status") if k not in positions]
    if missing:
        work.problems.append(TableProblem(
            ws.title, f"{get_column_letter(bounds[0])}{bounds[1]}", None,
            f"表格缺少列：{'、'.join(missing)}。", f"The table lacks the column(s) "
            f"{', '.join(missing)}."))
        return work
    seen: dict[str, int] = {}  # ID → the first row it is in
    for r in range(bounds[1] + 1, bounds[3] + 1):
        cells = {k: ws.cell(r, c) for k, c in positions.items() if k not in COMPUTED}
        values = {k: cell.value for k, cell in cells.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        problems: list[TableProblem] = []
        typed_formulas = {k for k, cell in cells.items() if cell.data_type == "f"}
        item = _item(values, typed_formulas, RowCells(ws.title, r, work.letters), problems)
        typed_id = _shown(values.get("id") or "")
        if typed_id and typed_id in seen:  # also when the other row has problems of its own
            problems.append(RowCells(ws.title, r, work.letters).problem(
                "id", typed_id, f"编号“{typed_id}”与第 {seen[typed_id]} 行重复；每项须有唯一编号。",
                f"ID {typed_id!r} is used in row {seen[typed_id]} too; every item needs "
                "its own ID."))
        seen.setdefault(typed_id, r)
        work.problems.extend(problems)
        if item is None or problems:
            continue
        work.items.append(item)
        work.rows[item.id] = r
        new_deadline = values.get("new_deadline")
        if isinstance(new_deadline, dt.date):
            work.new_deadlines[item.id] = _day(new_deadline)
    return work


def read_table(path: Path, cadence: Cadence = DEFAULT_CADENCE) -> tuple[list[ActionItem],
                                                                         dict[str, dt.date]]:
    """The items and the new deadlines, refusing (UsageError listing every cell) when any
    cell must be corrected first: for the commands that rewrite the table."""
    work = read_key_work(path, cadence)
    refuse_problems(work)
    return work.items, work.new_deadlines


def problem_lines(work: KeyWork | None, lang: str | None = None) -> list[str]:
    """The table's problems as lines for a terminal or a log, each with the file: in `lang`,
    or in both languages when none is given (a log, --json)."""
    if work is None:
        return []
    return [f"{work.path.name} {p if lang is None else p.text(lang)}" for p in work.problems]


def refuse_problems(work: KeyWork) -> None:
    if work.problems:
        raise UsageError(f"{work.path}：须先更正 {len(work.problems)} 处：\n  "
                         + "\n  ".join(p.text("zh") for p in work.problems),
                         f"{work.path}: {len(work.problems)} cell(s) to correct first:\n  "
                         + "\n  ".join(p.text("en") for p in work.problems))


@dataclass(frozen=True)
class RowCells:
    """One row's cells, for messages that name them."""

    sheet: str
    row: int
    letters: dict[str, str]

    def problem(self, key: str, value: Any, zh: str, en: str) -> TableProblem:
        return TableProblem(self.sheet, f"{self.letters.get(key, '?')}{self.row}", value, zh, en)


_LABELS = {key: (head.split(" ", 1)[0], head.split(" ", 1)[1]) for key, head, _ in COLUMNS}


def _shown(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return f"{_day(value)}"
    return str(value).strip()


def _item(values: dict[str, Any], typed_formulas: set[str], row: RowCells,
          problems: list[TableProblem]) -> ActionItem | None:
    """One row as an item, or None with its problems; a formula in a cell people fill is a
    problem (its cached value is never trusted), a text that merely starts with = is text."""
    data: dict[str, Any] = {}
    for key, value in values.items():
        zh, en = _LABELS[key]
        if key in typed_formulas:
            problems.append(row.problem(key, value, f"{zh}是公式“{value}”；请直接填写值。",
                                        f"{en} holds a formula {value!r}; type the value."))
        elif value is None or str(value).strip() == "":
            if key in REQUIRED:
                problems.append(row.problem(key, None, f"{zh}未填写；每项都必须填写{zh}。",
                                            f"{en} is empty; every item needs one."))
        elif key in DATES:
            if isinstance(value, dt.date):
                data[key] = _day(value)
            else:
                problems.append(row.problem(key, value, f"{zh}填写为“{_shown(value)}”，不是日期；"
                                            f"{_DATE_HINT.split(' / ')[0]}。",
                                            f"{en}: {_shown(value)!r} is not a date; "
                                            f"{_DATE_HINT.split(' / ')[1]}."))
        else:
            data[key] = value
    _words(data, row, problems)
    _texts(data, row, problems)
    if problems:
        return None
    data.setdefault("original_deadline", data.get("deadline"))
    data.pop("new_deadline", None)
    try:
        return ActionItem.model_validate(data)
    except ValidationError:  # every rule is checked above; this is the last guard
        problems.append(row.problem("id", data.get("id"), "此行无法读取，请核对各列。",
                                    "This row cannot be read; check its cells."))
        return None


def _words(data: dict[str, Any], row: RowCells, problems: list[TableProblem]) -> None:
    """来源 and 状态, in either language; a blank status is 未开始 (open)."""
    for key, parse, words in (("source", parse_source, SOURCE_WORDS),
                              ("status", parse_status, STATUS_WORDS)):
        if key not in data:
            continue
        code = parse(str(data[key]))
        if code is None:
            zh, en = _LABELS[key]
            problems.append(row.problem(
                key, data[key], f"{zh}填写为“{_shown(data[key])}”；{zh}只能是："
                f"{'、'.join(words['zh'].values())}。",
                f"{en} {_shown(data[key])!r} is not allowed; it can only be "
                f"{', '.join(words['en'].values())}."))
        else:
            data[key] = code
    if data.get("status") is Status.DONE:
        for key in ("completed_on", "evidence"):
            if key not in data:
                zh, en = _LABELS[key]
                problems.append(row.problem(key, None, f"状态为已完成，但{zh}未填写；请填写{zh}，"
                                            "或把状态改回进行中。", f"The item is done but {en} is "
                                            "empty; fill it in, or set the status back to "
                                            "in progress."))


def _texts(data: dict[str, Any], row: RowCells, problems: list[TableProblem]) -> None:
    for key in ("id", "reference", "project", "variance", "content", "department", "person",
                "evidence"):
        if key in data:
            value = data[key]
            data[key] = str(int(value) if isinstance(value, float) and value.is_integer()
                            else value).strip()
    if "months_rolled" in data:
        value = data["months_rolled"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 \
                or not float(value).is_integer():
            problems.append(row.problem("months_rolled", value,
                                        f"滚动月数填写为“{_shown(value)}”，应为 0 或正整数。",
                                        f"Months rolled {_shown(value)!r} must be a whole "
                                        "number, 0 or more."))
        else:
            data["months_rolled"] = int(value)
    for key, pattern, form in (("notes", _NOTE, "2026-11-18 已电话督办"),
                               ("history", _MOVE, "2026-10-31 → 2026-11-30 (agreed 2026-10-25)")):
        lines: list[Any] = []
        for line in filter(str.strip, str(data.get(key, "")).splitlines()):
            parsed = _line(line, pattern, key)
            if parsed is None:
                zh, en = _LABELS[key]
                problems.append(row.problem(key, line.strip(), f"{zh}中“{line.strip()}”格式不对；"
                                            f"每行一条，如“{form}”。", f"{en}: the line "
                                            f"{line.strip()!r} is not in the form {form!r} "
                                            "(one per line)."))
            else:
                lines.append(parsed)
        data[key] = tuple(lines)


def _line(line: str, pattern: re.Pattern[str], key: str) -> Note | Reschedule | None:
    m = pattern.match(line)
    if not m:
        return None
    try:
        if key == "notes":
            return Note(on=dt.date.fromisoformat(m.group(1)), text=m.group(2).strip())
        return Reschedule(previous=dt.date.fromisoformat(m.group(1)),
                          deadline=dt.date.fromisoformat(m.group(2)),
                          agreed_on=dt.date.fromisoformat(m.group(3)))
    except ValueError:  # 2026-02-30: the shape of a date, not a date
        return None


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def formulas(letters: dict[str, str], row: int, cadence: Cadence) -> dict[str, str]:
    """The three live columns of one row, as formulas of the table's own.

    最近联系 is the source date or the date the last line of the progress notes starts with,
    whichever is later; 下次跟进 is actions.next_follow_up written for Excel (the same three
    candidates); 提示 is overdue (deadline before today) or due soon (within the near band).
    Only the columns the table has are given; a table without 最近联系 (an older layout) gets
    its expression inline. Without the four columns they read, there is nothing to compute.
    """
    c = {key: f"{letter}{row}" for key, letter in letters.items()}
    if not {"notes", "source_date", "deadline", "status"} <= c.keys():
        return {}
    notes, source, deadline, status = c["notes"], c["source_date"], c["deadline"], c["status"]
    # The notes without blank lines, \r or line breaks at the ends (as Python reads them):
    # spaces to CHAR(1), line breaks to spaces, TRIM, and back.
    lines = (f'SUBSTITUTE(SUBSTITUTE(TRIM(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({notes},CHAR(13),""),'
             f'" ",CHAR(1)),CHAR(10)," "))," ",CHAR(10)),CHAR(1)," ")')
    last_line = f'TRIM(RIGHT(SUBSTITUTE({lines},CHAR(10),REPT(" ",LEN({notes}))),LEN({notes})))'
    note_day = f"DATEVALUE(LEFT({last_line},10))"
    done = (f'OR(TRIM({status})="{STATUS_WORDS["zh"][Status.DONE]}",'
            f'LOWER(TRIM({status}))="{Status.DONE.value}")')
    contact = f'IF({source}="","",MAX({source},IFERROR({note_day},{source})))'
    last = c.get("last_contact", f"({contact})")
    live = {
        "last_contact": f"={contact}",
        "next_follow_up": (
            f'=IF(OR({deadline}="",{last}="",{done}),"",MAX(TODAY(),MIN('
            f"MAX({last}+{cadence.near_every},{deadline}-{cadence.near_days}),"
            f"MAX({last}+{cadence.month_every},{deadline}-{cadence.month_days}),"
            f"EDATE({last},1),{deadline})))"),
        "flag": (f'=IF(OR({deadline}="",{done}),"",IF({deadline}<TODAY(),"{OVERDUE}",'
                 f'IF({deadline}-TODAY()<={cadence.near_days},"{DUE_SOON}","")))'),
    }
    return {key: formula for key, formula in live.items() if key in c}
