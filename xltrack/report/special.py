"""The special report (专项书面报告): one workbook per project with a major variance.

Pre-filled with the figures, the rule that fired, the subsidiary's explanation and the trend
of the year so far; the assessment operations writes for the VP / GM is left in clearly marked
cells. Amounts are shown in 万元. Text from submissions is written with write_string, so it can
never become a formula.

What operations typed is theirs: every rewrite carries the assessment over from the previous
file of the same project and period (found by its labels, so a moved row still counts), keeps
the previous file in backup/, writes again the sheets people added (report/carried.py),
and does not replace a file open in Excel (the monitoring
report's rule, placement.place). A project that no longer has a major variance keeps its
report, rewritten with a banner that says so, its assessment intact.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..safe import file_name
from ..words import COMPARISON, SPAN, both, indicator_item, word
from .carried import Sheet, differs, joined, left_out, read_sheets, write_sheets
from .cells import new_workbook, records, set_print_pages, text_width
from .placement import place, redirected_copies, retire

WAN = 10_000
_FIELDS = (("原因分析", "Cause"), ("对投资价值的影响", "Impact on investment value"),
           ("纠偏措施", "Corrective action"), ("责任人", "Owner"), ("完成期限", "Due date"),
           ("领导批示", "Instruction of the VP / GM"))


_PREFIX = "专项报告-"
SHEET = "专项报告"  # the report's one sheet: any other is a person's
NO_LONGER_MAJOR = ("本期重新运行后该项目已无重大差异；本报告及已填写的意见保留备查。 "
                   "After the latest run this project no longer has a major variance; the "
                   "report and its assessment are kept for the record.")


def report_name(project: str, period: str) -> str:
    """The file name of a project's report: its ID made safe for a file name (safe.py)."""
    return file_name(f"{_PREFIX}{project}", f"-{period}.xlsx")


def read_assessment(path: Path) -> dict[str, Any]:
    """What was typed in the assessment fields of an earlier report, by field (原因分析 …).

    Formulas are kept as the text typed (never evaluated, never trusted); an unreadable or
    missing file gives nothing (the file itself is still kept in backup/ by the rewrite)."""
    if not path.exists():
        return {}
    from openpyxl import load_workbook  # an earlier report to read: not every run has one
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        return {}
    typed: dict[str, Any] = {}
    labels = {f"{zh} {en}": zh for zh, en in _FIELDS} | {zh: zh for zh, _ in _FIELDS}
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_col=1, max_col=2):
            label = str(row[0].value or "").strip()
            if label in labels and labels[label] not in typed and len(row) > 1:
                value = row[1].value
                if value is not None and str(value).strip():
                    typed[labels[label]] = value
    return typed


def write_special_report(path: Path, period: str, project: dict[str, Any],
                         flags: pd.DataFrame, trend: pd.DataFrame,
                         earned: dict[str, Any] | None, no_longer_major: bool = False) -> Path:
    """Write one project's special report to `path`, keeping the assessment typed into the
    previous one; returns where it went (another name when `path` is open in Excel)."""
    from .written import keep_placement_notes  # the documents' notes: said with theirs

    # The report, then the copies written beside it while it was open in Excel (their names
    # say when): the assessment may have been typed into either.
    copies = redirected_copies(path)
    typed, notes = read_assessment(path), []
    added = read_sheets(path, (SHEET,))
    for copy in copies:
        for label, value in read_assessment(copy).items():
            if label not in typed:
                typed[label] = value
            elif typed[label] != value:
                typed[label] = joined(typed[label], value)
                notes.append(differs(label, path, copy))
        have = {sheet.name for sheet in added}
        added += [sheet for sheet in read_sheets(copy, (SHEET,)) if sheet.name not in have]
    placed = place(path, lambda temp: _build(temp, period, project, flags, trend, earned,
                                             typed, no_longer_major, added),
                   left=lambda: left_out(added))
    if not placed.redirected:
        notes += [retire(copy, path) for copy in copies]
    keep_placement_notes([*notes, *placed.notes])
    return placed.path


def _build(path: Path, period: str, project: dict[str, Any], flags: pd.DataFrame,
           trend: pd.DataFrame, earned: dict[str, Any] | None, typed: dict[str, Any],
           no_longer_major: bool, added: list[Sheet]) -> None:
    wb = new_workbook(path)
    wb.set_properties({"title": f"专项书面报告 {project['project']} {period}",
                       "author": "xltrack", "created": dt.datetime(2026, 1, 1)})
    f = _formats(wb)
    ws = wb.add_worksheet(SHEET)
    widths = [24, *[11] * 7, 34]  # 9 columns: one A4 landscape page at 90% (9 pt text)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    set_print_pages(ws, widths, None, 0, f"专项书面报告 {project['project']} {period}", "zh")
    ws.write_string(0, 0, f"专项书面报告 Special report — {project['name']} ({project['project']})",
                    f["title"])
    segment = project.get("segment_zh") or project["segment"]  # the register's names
    subsidiary = project.get("subsidiary_name") or project["subsidiary"]
    ws.write_string(1, 0, f"期间 Period {period} · 板块 {segment} · "
                          f"单位 {subsidiary} · 金额单位：万元", f["subtitle"])
    if no_longer_major:
        ws.write_string(2, 0, NO_LONGER_MAJOR, f["banner"])
    row = _facts(ws, f, 3, project, earned)
    row = _flags(ws, f, row + 1, flags)
    row = _explanations(ws, f, row + 1, flags)
    row = _trend(wb, ws, f, row + 1, trend)
    _assessment(ws, f, row + 1, typed)
    ws.print_area(0, 0, ws.dim_rowmax or 0, 8)
    write_sheets(wb, added)  # sheets people added, after the report's own
    wb.close()


def _formats(wb: Workbook) -> dict[str, Any]:
    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14}),
        "section": wb.add_format({**base, "bold": True, "font_size": 11, "bottom": 2}),
        "head": wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1,
                               "text_wrap": True}),
        "text": wb.add_format({**base, "border": 1, "text_wrap": True}),
        "wan": wb.add_format({**base, "border": 1, "num_format": "#,##0.00"}),
        "pct": wb.add_format({**base, "border": 1, "num_format": "0.0%"}),
        "ratio": wb.add_format({**base, "border": 1, "num_format": "0.00"}),
        "major": wb.add_format({**base, "border": 1, "bg_color": "#FFC7CE", "bold": True,
                                "text_wrap": True}),
        "attention": wb.add_format({**base, "border": 1, "bg_color": "#FFEB9C",
                                    "text_wrap": True}),
        "note": wb.add_format({**base, "font_color": "#595959", "text_wrap": True}),
        "banner": wb.add_format({**base, "bold": True, "font_color": "#9C0006"}),
        "input_date": wb.add_format({**base, "bg_color": "#FFF2CC", "border": 2,
                                     "border_color": "#BF8F00", "num_format": "yyyy-mm-dd",
                                     "align": "left"}),
        # one line, never wrapped: a wrapped subtitle hid "金额单位：万元" below the row
        "subtitle": wb.add_format({**base, "font_color": "#595959"}),
        "input": wb.add_format({**base, "bg_color": "#FFF2CC", "border": 2,
                                "border_color": "#BF8F00", "text_wrap": True}),
    }


def _facts(ws: Worksheet, f: dict[str, Any], row: int, project: dict[str, Any],
           earned: dict[str, Any] | None) -> int:
    ws.write_string(row, 0, "项目概况 Project", f["section"])
    items: list[tuple[str, Any, str]] = [
        ("批准投资 Approved investment", project["approved_investment"] / WAN, "wan"),
        ("可研总投资 Feasibility total", project["fs_total_investment"] / WAN, "wan"),
        ("可研工期 Feasibility schedule",
         f"{project['fs_start']} — {project['fs_finish']}", "text")]
    if earned:
        def wan(key: str) -> float | None:  # a figure the month lacks (no plan yet) is a dash
            value = earned[key]
            return None if value is None or pd.isna(value) else float(value) / WAN

        items += [("完工预算 BAC", wan("bac"), "wan"), ("计划值 PV", wan("pv"), "wan"),
                  ("挣值 EV", wan("ev"), "wan"), ("实际成本 AC", wan("ac"), "wan"),
                  ("进度绩效 SPI", earned["spi"], "ratio"),
                  ("成本绩效 CPI", earned["cpi"], "ratio"), ("完工估算 EAC", wan("eac"), "wan")]
    for label, value, kind in items:
        row += 1
        ws.write_string(row, 0, label, f["head"])
        if text_width(label) > 22:  # a wrapped label needs its second line (see _flags)
            ws.set_row(row, 14 * -(-text_width(label) // 22) + 4)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            ws.write_string(row, 1, "—", f["text"])
        elif kind == "text":  # a date range: wider than one figure's column
            ws.merge_range(row, 1, row, 3, str(value), f["text"])
        else:
            ws.write_number(row, 1, float(value), f[kind])
    return row + 1


def _flags(ws: Worksheet, f: dict[str, Any], row: int, flags: pd.DataFrame) -> int:
    ws.write_string(row, 0, "差异 Variances", f["section"])
    head = ("比较 Comparison", "指标 Indicator", "口径 Span", "实际/当前 Actual", "对比 Expected",
            "差异 Variance", "差异率 %", "天数 Days", "规则 Rule")
    row += 1
    for col, text in enumerate(head):
        ws.write_string(row, col, text, f["head"])
    for flag in records(flags):
        row += 1
        comparison = both(COMPARISON, flag["comparison"])
        ws.write_string(row, 0, comparison,
                        f[flag["severity"]] if flag["severity"] in f else f["text"])
        ws.write_string(row, 1, indicator_item(flag["indicator"], flag["item"], "zh"), f["text"])
        ws.write_string(row, 2, word(SPAN, flag["span"]), f["text"])
        for col, key in ((3, "actual"), (4, "expected"), (5, "variance")):
            _number(ws, row, col, flag[key], f["wan"], WAN)
        _number(ws, row, 6, flag["variance_pct"], f["pct"], 1)
        _number(ws, row, 7, flag["days"], f["text"], 1)
        rule = f"{flag['rule_id']}: {flag.get('rule_zh') or flag['rule']}"
        ws.write_string(row, 8, rule, f["text"])
        # LibreOffice and Excel keep a row's height when they open the file: a wrapped text
        # needs its lines set here (column A is 24 wide, the rule column 34).
        lines = max(-(-text_width(comparison) // 22), -(-text_width(rule) // 32), 1)
        ws.set_row(row, 14 * lines + 4)
    return row + 1


def _number(ws: Worksheet, row: int, col: int, value: Any, fmt: Any, scale: float) -> None:
    if value is None or pd.isna(value):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(value) / scale, fmt)


def _explanations(ws: Worksheet, f: dict[str, Any], row: int, flags: pd.DataFrame) -> int:
    ws.write_string(row, 0, "子公司说明 Subsidiary's explanation", f["section"])
    given = [e for e in dict.fromkeys(flags.explanation) if e]
    for text in given or ["（未提供说明 No explanation was given）"]:
        row += 1
        ws.merge_range(row, 0, row, 8, "", f["text"])
        ws.write_string(row, 0, text, f["text"])  # submission text: always a string
        # A merged cell does not grow with its text: a line per ~140 characters (9 columns).
        ws.set_row(row, 16 * max(2, -(-text_width(str(text)) // 140)) + 4)
    return row + 1


def _trend(wb: Workbook, ws: Worksheet, f: dict[str, Any], row: int,
           trend: pd.DataFrame) -> int:
    ws.set_h_pagebreaks([row])  # the trend and its chart on one page, never cut in two
    ws.write_string(row, 0, "投资趋势 Investment trend (万元)", f["section"])
    row += 1
    heads = ("月份 Month", "实际 Actual", "计划 Plan", "累计实际 Cum. actual", "累计计划 Cum. plan")
    for col, text in enumerate(heads):
        ws.write_string(row, col, text, f["head"])
    first = row + 1
    cumulative_actual = cumulative_plan = 0.0
    for r in records(trend):
        row += 1
        cumulative_actual += r["actual"]
        cumulative_plan += r["plan"]
        ws.write_string(row, 0, r["month"], f["text"])
        for col, value in enumerate((r["actual"], r["plan"], cumulative_actual,
                                     cumulative_plan), start=1):
            ws.write_number(row, col, value / WAN, f["wan"])
    if row >= first:
        chart = wb.add_chart({"type": "line"})
        for col, name in ((3, "累计实际 Actual"), (4, "累计计划 Plan")):
            chart.add_series({"name": name, "categories": ["专项报告", first, 0, row, 0],
                              "values": ["专项报告", first, col, row, col]})
        chart.set_title({"name": "累计投资 Cumulative investment (万元)"})
        chart.set_size({"width": 540, "height": 260})  # within columns F–I: one page wide
        ws.insert_chart(first - 1, 5, chart)
    return max(row, first + 13) + 1


def _assessment(ws: Worksheet, f: dict[str, Any], row: int, typed: dict[str, Any]) -> None:
    """The fields operations fill in, with what was typed before: dates stay dates, numbers
    numbers, everything else is written as text (a typed "=…" never becomes a formula)."""
    ws.write_string(row, 0, "运营管理部意见（请填写）Operations' assessment — to be completed",
                    f["section"])
    for zh, en in _FIELDS:
        row += 1
        ws.write_string(row, 0, f"{zh} {en}", f["head"])
        value = typed.get(zh)
        if isinstance(value, dt.datetime | dt.date):
            ws.merge_range(row, 1, row, 8, "", f["input_date"])
            ws.write_datetime(row, 1, value if isinstance(value, dt.datetime)
                              else dt.datetime.combine(value, dt.time()), f["input_date"])
        else:
            ws.merge_range(row, 1, row, 8, "", f["input"])
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(row, 1, value, f["input"])
            elif value is not None:
                ws.write_string(row, 1, str(value), f["input"])
        ws.set_row(row, 45 if zh not in ("责任人", "完成期限") else 20)
