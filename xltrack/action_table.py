"""The key-work tracking table (重点工作跟踪表) as a workbook operations keep and edit.

One Excel table, `KeyWork`; its columns are defined here once, for reading and writing. Progress
notes are one per line ("2026-10-20 已督办"), deadline changes likewise ("2026-10-31 → 2026-11-30
(agreed 2026-10-25)"). The columns `Next follow-up` and `Flag` are computed on every write.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import ValidationError

from .actions import (
    DEFAULT_CADENCE,
    ActionItem,
    Cadence,
    Note,
    Reschedule,
    Source,
    Status,
    is_due_soon,
    is_overdue,
    next_follow_up,
)
from .errors import UsageError
from .report.cells import new_workbook
from .report.placement import write_atomically

TABLE = "KeyWork"
SHEET = "重点工作 Key work"
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
    ("next_follow_up", "下次跟进 Next follow-up", 12), ("flag", "提示 Flag", 10),
)
_COMPUTED = {"next_follow_up", "flag"}
_DATES = {"source_date", "original_deadline", "deadline", "completed_on", "new_deadline",
          "next_follow_up"}
_NOTE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(.+)$")
_MOVE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:→|->)\s*(\d{4}-\d{2}-\d{2})\s*"
                   r"\((?:agreed|商定)\s*(\d{4}-\d{2}-\d{2})\)\s*$")


def read_table(path: Path) -> tuple[list[ActionItem], dict[str, dt.date]]:
    """The items, and the new deadlines typed for roll-over. Every problem is reported at once,
    each with its sheet and cell."""
    try:
        wb = load_workbook(path, data_only=True)
    except (FileNotFoundError, InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
        raise UsageError(f"{path}: cannot open the key-work table ({exc})") from None
    found = [(ws, ws.tables[TABLE]) for ws in wb.worksheets if TABLE in ws.tables]
    if not found:
        raise UsageError(f"{path}: no table named {TABLE}; create one with "
                         "'xltrack actions init FILE'")
    ws, table = found[0]
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    headers = [str(ws.cell(min_row, c).value or "").strip() for c in range(min_col, max_col + 1)]
    position = {key: headers.index(head) for key, head, _ in COLUMNS if head in headers}
    missing = [head for key, head, _ in COLUMNS if key not in position and key not in _COMPUTED]
    if missing:
        raise UsageError(f"{path} {ws.title}: the {TABLE} table lacks {', '.join(missing)}")
    items, deadlines, problems = [], {}, []
    for r in range(min_row + 1, max_row + 1):
        values = {k: ws.cell(r, min_col + i).value for k, i in position.items()}
        if all(v in (None, "") for k, v in values.items() if k not in _COMPUTED):
            continue
        try:
            item = _item(values)
        except (ValueError, ValidationError) as exc:
            problems.append(f"{ws.title}!A{r}: {_reason(exc)}")
            continue
        items.append(item)
        if isinstance(values.get("new_deadline"), dt.date):
            deadlines[item.id] = _day(values["new_deadline"])
    if problems:
        raise UsageError(f"{path}: {len(problems)} row(s) to correct:\n  " + "\n  ".join(problems))
    return items, deadlines


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}"
                         for e in exc.errors())
    return str(exc)


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _item(values: dict[str, Any]) -> ActionItem:
    data = {k: v for k, v in values.items() if k not in _COMPUTED and k != "new_deadline"
            and v not in (None, "")}
    for key in _DATES & data.keys():
        data[key] = _day(data[key])
    for key in ("id", "reference", "project", "variance", "content", "department", "person",
                "evidence"):
        if key in data:
            data[key] = str(data[key]).strip()
    data["source"] = Source(str(data.get("source", "")).strip().lower())
    data["status"] = Status(str(data.get("status", "open")).strip().lower())
    data.setdefault("original_deadline", data.get("deadline"))
    data["notes"] = tuple(_lines(str(data.get("notes", "")), _NOTE, "note"))
    data["history"] = tuple(_lines(str(data.get("history", "")), _MOVE, "deadline change"))
    data["months_rolled"] = int(data.get("months_rolled") or 0)
    return ActionItem.model_validate(data)


def _lines(text: str, pattern: re.Pattern[str], what: str) -> list[Any]:
    out: list[Any] = []
    for line in filter(str.strip, text.splitlines()):
        m = pattern.match(line)
        if not m:
            raise ValueError(f"{what} {line.strip()!r} is not in the form "
                             + ("'2026-10-20 text'" if what == "note"
                                else "'2026-10-31 → 2026-11-30 (agreed 2026-10-25)'"))
        days = [dt.date.fromisoformat(g) for g in m.groups() if re.match(r"\d{4}-", g)]
        out.append(Note(on=days[0], text=m.group(2)) if what == "note" else
                   Reschedule(previous=days[0], deadline=days[1], agreed_on=days[2]))
    return out


def _cells(item: ActionItem, as_of: dt.date, cadence: Cadence) -> dict[str, Any]:
    row: dict[str, Any] = item.model_dump()
    row["source"], row["status"] = item.source.value, item.status.value
    row["notes"] = "\n".join(f"{n.on} {n.text}" for n in item.notes)
    row["history"] = "\n".join(f"{h.previous} → {h.deadline} (agreed {h.agreed_on})"
                               for h in item.history)
    tracked = item.status is not Status.DONE
    row["next_follow_up"] = next_follow_up(item, as_of, cadence) if tracked else None
    row["flag"] = ("overdue 逾期" if is_overdue(item, as_of) else
                   "due soon 临期" if is_due_soon(item, as_of, cadence) else "")
    row["new_deadline"] = None
    return row


def write_table(path: Path, items: list[ActionItem], as_of: dt.date,
                cadence: Cadence = DEFAULT_CADENCE, title: str = "") -> Path:
    """Write the tracking table (atomically); follow-up dates and flags as of `as_of`."""
    write_atomically(path, lambda temp: _write(temp, items, as_of, cadence, title))
    return path


def _write(path: Path, items: list[ActionItem], as_of: dt.date, cadence: Cadence,
           title: str) -> None:
    wb = new_workbook(path)
    wb.set_properties({"title": title or "重点工作跟踪表", "author": "xltrack",
                       "created": dt.datetime(2026, 1, 1)})
    base = {"font_name": "Microsoft YaHei", "font_size": 9, "valign": "top", "text_wrap": True}
    text, date = wb.add_format(base), wb.add_format({**base, "num_format": "yyyy-mm-dd"})
    head = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2"})
    red = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    amber = wb.add_format({"bg_color": "#FFEB9C"})
    ws = wb.add_worksheet(SHEET)
    ws.write_string(0, 0, title or f"重点工作跟踪表 Key-work tracking — as of {as_of}",
                    wb.add_format({**base, "bold": True, "font_size": 13, "text_wrap": False}))
    for r, item in enumerate(sorted(items, key=lambda i: (i.deadline, i.id)), start=3):
        row = _cells(item, as_of, cadence)
        for c, (key, _, _) in enumerate(COLUMNS):
            value = row.get(key)
            if value is None or value == "":
                ws.write_blank(r, c, None, date if key in _DATES else text)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif isinstance(value, int):
                ws.write_number(r, c, value, text)
            else:
                ws.write_string(r, c, str(value), text)
    last = 2 + max(len(items), 1)
    ws.add_table(2, 0, last, len(COLUMNS) - 1, {
        "name": TABLE, "style": "Table Style Light 9",
        "columns": [{"header": head_text, "header_format": head} for _, head_text, _ in COLUMNS]})
    for c, (key, _, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
        rule: dict[str, Any] | None = None
        if key == "source":
            rule = {"validate": "list", "source": [s.value for s in Source]}
        elif key == "status":
            rule = {"validate": "list", "source": [s.value for s in Status]}
        elif key in _DATES - _COMPUTED:
            rule = {"validate": "date", "criteria": ">", "value": dt.date(2000, 1, 1)}
        if rule:
            ws.data_validation(3, c, 2000, c, rule)
    flag = get_column_letter(len(COLUMNS))
    ws.conditional_format(f"{flag}4:{flag}2000", {"type": "text", "criteria": "begins with",
                                                  "value": "overdue", "format": red})
    ws.conditional_format(f"{flag}4:{flag}2000", {"type": "text", "criteria": "begins with",
                                                  "value": "due soon", "format": amber})
    ws.freeze_panes(3, 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    wb.close()
