"""Closing the key-work month at its cut-off: the summary sheet and next month's table.

The closed month's table gets a 月度小结 sheet (counts per department and person, for the
performance review) and nothing else changes in it. Next month's table is a copy of it, so
every column, format, comment and extra sheet people made comes along; only the rows of the
items finished by the cut-off leave it (the rows below move up), and of the rows carried over
xltrack changes 当前期限, 期限调整, 滚动月数 and 新期限. A next-month table that exists
already is never overwritten: it may hold edits, so the roll-over refuses and changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.styles import Font
from openpyxl.styles.numbers import is_date_format
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .action_book import clear_row, current_table, month_table, move_row, refuse_if_open
from .action_table import (
    HEADERS,
    KeyWork,
    TableProblem,
    column_positions,
    formulas,
    open_table,
    read_key_work,
    refuse_problems,
)
from .actions import (
    DEFAULT_CADENCE,
    SUMMARY_COUNTS,
    Cadence,
    cutoff,
    is_tracked,
    month_summary,
    rolled,
)
from .errors import UsageError
from .models import add_months as add_period
from .models import check_period
from .report.cells import put_text
from .report.placement import Placed, place, write_atomically

SUMMARY_PREFIX = "月度小结 "
SUMMARY_HEADERS = ("责任部门 Department", "责任人 Person", "按期完成 Done on time",
                   "逾期完成 Done late", "未完成 Open", "已逾期 Overdue", "滚动 Rolled over")


@dataclass
class Closed:
    month: str
    cutoff: dt.date
    closed: Placed  # the closed month's table, with its summary sheet
    table: Path  # next month's table
    carried: list[str]
    summary: dict[str, Any]


def key_work_month(day: dt.date, cadence: Cadence = DEFAULT_CADENCE) -> str:
    """The key-work month `day` belongs to: up to and including the cut-off day, its own
    month; after it, the next one (26 November is in December's table)."""
    month = f"{day:%Y-%m}"
    return month if day <= cutoff(month, cadence) else add_period(month, 1)


def close_month(named: Path, month: str, cadence: Cadence = DEFAULT_CADENCE,
                out: Path | None = None) -> Closed:
    """Summarise `month` in its table and write next month's table beside it."""
    table = current_table(named)
    work = read_key_work(table, cadence)
    refuse_problems(work)
    end = cutoff(check_period(month), cadence)
    following = add_period(month, 1)
    target = out or month_table(table, following)
    if target.exists():
        raise UsageError(f"{target} 已存在，可能已有人编辑；未做任何修改。如需重新结转，请先移走"
                         "该文件。",
                         f"{target.name} exists already and may hold edits: the roll-over "
                         "refused and changed nothing. Move it aside to roll over again.")
    refuse_if_open(table)
    deadlines = _new_deadlines(work, end)
    summary = month_summary(work.items, month, cadence)
    closed = place(table, lambda temp: _with_summary(table, summary).save(temp))
    carried = [rolled(i, deadlines[i.id], end) for i in work.items if is_tracked(i)]
    write_atomically(target, lambda temp: _next_table(
        closed.path, work, carried, following, cadence, end).save(temp))
    return Closed(month, end, closed, target, [i.id for i in carried], summary)


def _new_deadlines(work: KeyWork, end: dt.date) -> dict[str, dt.date]:
    """Every unfinished item's newly agreed deadline, after the cut-off; else UsageError
    naming each 新期限 cell."""
    problems = []
    for item in work.items:
        if not is_tracked(item):
            continue
        typed = work.new_deadlines.get(item.id)
        if typed is None:
            problems.append(TableProblem(
                work.sheet, work.cell(item.id, "new_deadline"), None,
                f"{item.id} 未完成，须填写晚于截止日 {end} 的新期限。",
                f"{item.id} is unfinished: type its newly agreed deadline, after the cut-off "
                f"{end}, in {HEADERS['new_deadline']}."))
        elif typed <= end:
            problems.append(TableProblem(
                work.sheet, work.cell(item.id, "new_deadline"), typed,
                f"新期限填写为 {typed}，须晚于截止日 {end}。",
                f"The new deadline {typed} must be after the cut-off {end}."))
    if problems:
        raise UsageError(f"{work.path}：{len(problems)} 项未完成事项不能结转，未写入任何内容：\n  "
                         + "\n  ".join(p.text("zh") for p in problems),
                         f"{work.path}: {len(problems)} unfinished item(s) cannot roll over; "
                         "nothing was written:\n  " + "\n  ".join(p.text("en") for p in problems))
    return {i: d for i, d in work.new_deadlines.items()}


def _with_summary(path: Path, summary: dict[str, Any]) -> Workbook:
    wb, _, _ = open_table(path)
    name = f"{SUMMARY_PREFIX}{summary['month']}"
    if name in wb.sheetnames:  # xltrack's own sheet, from an earlier close of the month
        del wb[name]
    write_summary(wb.create_sheet(name), summary)
    return wb


def write_summary(ws: Worksheet, summary: dict[str, Any]) -> None:
    bold = Font(name="Microsoft YaHei", size=9, bold=True)
    put_text(ws.cell(1, 1), f"重点工作月度小结 Key-work summary {summary['month']}: "
                            f"{summary['from']} – {summary['cutoff']}（含首尾 both days included）")
    ws.cell(1, 1).font = Font(name="Microsoft YaHei", size=12, bold=True)
    for c, header in enumerate(SUMMARY_HEADERS, start=1):
        put_text(ws.cell(3, c), header)
        ws.cell(3, c).font = bold
        ws.column_dimensions[ws.cell(3, c).column_letter].width = 16
    rows = summary_rows(summary)
    for r, row in enumerate(rows, start=4):
        for c, value in enumerate(row, start=1):
            if isinstance(value, int):
                ws.cell(r, c).value = value
            else:
                put_text(ws.cell(r, c), value)
            if row[0] == "合计 Total":
                ws.cell(r, c).font = bold
    r = len(rows) + 5
    for label, key in (("完成 Done", "done"), ("未完成 Open", "open"), ("逾期 Overdue", "overdue")):
        put_text(ws.cell(r, 1), label)
        put_text(ws.cell(r, 2), ", ".join(summary[key]) or "—")
        r += 1


def summary_rows(summary: dict[str, Any]) -> list[list[Any]]:
    """One row per department and person, a subtotal per department, then the total."""
    rows: list[list[Any]] = []
    for (department, person), counts in summary["people"].items():
        rows.append([department, person, *(counts[k] for k in SUMMARY_COUNTS)])
    total = [sum(c[k] for c in summary["departments"].values()) for k in SUMMARY_COUNTS]
    for department, counts in summary["departments"].items():
        rows.append([department, "小计 Subtotal", *(counts[k] for k in SUMMARY_COUNTS)])
    rows.append(["合计 Total", "", *total])
    return rows


def _next_table(path: Path, work: KeyWork, carried: list[Any], following: str,
                cadence: Cadence, end: dt.date) -> Workbook:
    wb, ws, bounds = open_table(path)
    for name in [n for n in wb.sheetnames if n.startswith(SUMMARY_PREFIX)]:
        del wb[name]  # the closed month's summaries stay in the closed month's table
    positions = column_positions(ws, bounds)
    first, last = bounds[1] + 1, bounds[3]
    # An item finished after the cut-off (the roll-over run a few days late) is next month's:
    # it stays, done, so that next month's summary counts it.
    done_rows = {work.rows[i.id] for i in work.items if not is_tracked(i)
                 and i.completed_on is not None and i.completed_on <= end}
    kept = [r for r in range(first, last + 1) if r not in done_rows]
    moved = dict(zip(kept, range(first, first + len(kept)), strict=True))
    for source, target in moved.items():
        if source != target:
            move_row(ws, source, target)
    for r in range(first + len(kept), last + 1):
        clear_row(ws, r, style_row=last if last not in done_rows else first)
    for item in carried:
        _carry(ws, moved[work.rows[item.id]], item, positions)
    letters = {k: ws.cell(1, c).column_letter for k, c in positions.items()}
    for r in range(first, last + 1):
        for key, formula in formulas(letters, r, cadence).items():
            ws.cell(r, positions[key]).value = formula
    title = ws.cell(1, 1)
    if isinstance(title.value, str) and title.value.startswith("重点工作跟踪表"):
        put_text(title, f"重点工作跟踪表 Key-work tracking {following}")
    return wb


def _carry(ws: Worksheet, row: int, item: Any, positions: dict[str, int]) -> None:
    """The four cells of a carried row that xltrack owns (a column someone removed is left
    out: the item's history is then in 期限调整 of the closed table only)."""
    if "deadline" in positions:
        cell = ws.cell(row, positions["deadline"])
        cell.value = item.deadline
        if not is_date_format(cell.number_format):  # a date format of theirs stays
            cell.number_format = "yyyy-mm-dd"
    if "history" in positions:
        put_text(ws.cell(row, positions["history"]), "\n".join(
            f"{h.previous} → {h.deadline} (agreed {h.agreed_on})" for h in item.history))
    if "months_rolled" in positions:
        ws.cell(row, positions["months_rolled"]).value = item.months_rolled
    if "new_deadline" in positions:
        ws.cell(row, positions["new_deadline"]).value = None
