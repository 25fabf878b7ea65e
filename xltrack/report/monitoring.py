"""The monthly major project monitoring report (重大项目监控报告), written with XlsxWriter.

Sheets: cover, summary (one row per major project, traffic lights, comments), variances,
submissions, project cards with S-curves, trends, findings, restatements, and orphaned comments
when a commented project has left the report. Amounts are shown in 万元; every text that came
from a submission is written with write_string, so it can never become a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .. import __version__
from ..language import local_text
from ..words import FLAG, MILESTONE, SEVERITY, STATUS, word
from .carried import Sheet, Value, write_sheets
from .cells import column_width, new_workbook, records, set_print_pages, text_width
from .report_data import CODE_PREFIX, ReportData

WAN = 10_000
SUMMARY_SHEET = "汇总 Summary"
KEY_HEADER = "项目编号 Project"
COMMENT_HEADER = "备注 Comments"
ORPHANS_SHEET = "遗留备注 Orphaned comments"
CHART_DATA = "_chart_data"
ACTIONS_SHEET = "重点工作 Actions"
# Every sheet xltrack may write, in tab order: any other sheet of a report is a person's.
SHEETS = ("封面 Cover", SUMMARY_SHEET, "差异 Variances", "报送 Submissions", "项目 Projects",
          "趋势 Trends", ACTIONS_SHEET, "审核 Findings", "更正 Restatements", "输入 Inputs",
          ORPHANS_SHEET, CHART_DATA)
LIGHTS = {"major": 0, "attention": 1, "normal": 2}  # icon set: red, amber, green


def report_name(period: str, lang: str = "zh") -> str:
    return (f"重大项目监控报告-{period}.xlsx" if lang == "zh"
            else f"major-project-monitoring-{period}.xlsx")


def write_report(path: Path, data: ReportData, typed: dict[str, dict[str, Value]],
                 orphans: dict[str, dict[str, Value]], added: Sequence[Sheet] = ()) -> None:
    """`typed`: the Summary's columns people fill (Comments first, then any they added), by
    header, as project -> value; `orphans`: the same for projects that left the summary;
    `added`: sheets of their own, written after xltrack's."""
    wb = new_workbook(path)
    wb.set_properties({"title": f"重大项目监控报告 {data.period}", "author": "xltrack",
                       "created": data.run_time.replace(tzinfo=None)})
    f = _formats(wb)
    f["_data"] = data  # the period and language of the headers and footers
    left_out = {ACTIONS_SHEET} if data.actions is None else set()
    names = [name for name in SHEETS if name not in left_out and (
        name != ORPHANS_SHEET or orphans)]
    ws = {name: wb.add_worksheet(name) for name in names}  # tabs in reading order
    _cover(ws["封面 Cover"], f, data)
    _summary(ws[SUMMARY_SHEET], f, data, typed)
    _table(ws["差异 Variances"], f, "Variances", data.variances_sheet(),
           "重大差异与关注事项 Variances", severity="严重程度 Severity")
    _table(ws["报送 Submissions"], f, "Submissions", data.status_sheet(),
           "报送情况 Submission status board", severity="状态 Status")
    _projects(wb, ws["项目 Projects"], ws[CHART_DATA], f, data)
    _trends(wb, ws["趋势 Trends"], f, data)
    if data.actions is not None and data.departments is not None:
        _table(ws[ACTIONS_SHEET], f, "Actions", data.actions,
               "重点工作跟踪 Key-work items still open (overdue first)", severity="提示 Flag")
        _table(ws[ACTIONS_SHEET], f, "Departments", data.departments,
               "各部门未完成及逾期 Open and overdue per department",
               first_row=len(data.actions) + 6)
        _key_work_tables(ws[ACTIONS_SHEET], f, data,
                         len(data.actions) + len(data.departments) + 12)
    _table(ws["审核 Findings"], f, "Findings", data.findings_sheet(),
           "审核发现 Findings", severity="级别 Severity")
    _table(ws["更正 Restatements"], f, "Restatements",
           data.restatements_sheet(), "更正记录 Values changed by corrections")
    _table(ws["输入 Inputs"], f, "Inputs",
           pd.DataFrame(data.inputs, columns=["文件 File", "SHA-256"]),
           "输入文件及校验值 Inputs and their SHA-256")
    if orphans:
        keys = list(dict.fromkeys(k for values in orphans.values() for k in values))
        frame = pd.DataFrame({KEY_HEADER: keys, **{
            header: [values.get(k) for k in keys] for header, values in orphans.items()}})
        _table(ws[ORPHANS_SHEET], f, "Orphans", frame,
               "项目已不在汇总表中的备注 Comments whose project left the summary")
    ws[CHART_DATA].hide()
    write_sheets(wb, list(added))
    wb.close()


def _key_work_tables(ws: Worksheet, f: dict[str, Any], data: ReportData, row: int) -> None:
    """The key-work month per department and person (for the performance review), then the
    cells of the key-work table to correct: the report is written whatever the table holds."""
    if data.action_summary is None or data.action_problems is None:
        return
    _table(ws, f, "KeyWorkSummary", data.action_summary,
           f"重点工作月度小结 Key-work month {data.action_month} per department and person",
           first_row=row)
    _table(ws, f, "KeyWorkProblems", data.action_problems,
           f"重点工作表需更正 Key-work table: {len(data.action_problems)} cell(s) to correct",
           severity="说明 Message", first_row=row + len(data.action_summary) + 6)


def _formats(wb: Workbook) -> dict[str, Any]:
    base = {"font_name": "Microsoft YaHei", "font_size": 9, "valign": "vcenter"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14}),
        "sub": wb.add_format({**base, "font_color": "#595959"}),
        "head": wb.add_format({**base, "bold": True, "text_wrap": True, "bg_color": "#D9E1F2",
                               "border": 1}),
        "text": wb.add_format({**base}),
        "wrap": wb.add_format({**base, "text_wrap": True}),
        "wan": wb.add_format({**base, "num_format": "#,##0.00"}),
        "pct": wb.add_format({**base, "num_format": "0.0%"}),
        "ratio": wb.add_format({**base, "num_format": "0.00"}),
        "int": wb.add_format({**base, "num_format": "0"}),
        "date": wb.add_format({**base, "num_format": "yyyy-mm-dd"}),
        "total": wb.add_format({**base, "bold": True, "num_format": "#,##0.00", "top": 1}),
        "total_text": wb.add_format({**base, "bold": True, "top": 1}),
        "comment": wb.add_format({**base, "bg_color": "#FFF2CC", "text_wrap": True}),
        "comment_date": wb.add_format({**base, "bg_color": "#FFF2CC",
                                       "num_format": "yyyy-mm-dd"}),
        "major": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
        "attention": wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"}),
        "card": wb.add_format({**base, "bold": True, "font_size": 11, "bottom": 2}),
    }


def _page(ws: Worksheet, f: dict[str, Any], header_row: int | None, widths: Sequence[float],
          repeat_columns: int = 0) -> None:
    """A4, the orientation the printed columns need, titles repeated, period and page X of Y;
    a sheet too wide for a legible page is split into pages of whole columns."""
    data: ReportData = f["_data"]
    title = (f"重大项目监控报告 {data.period}" if data.lang == "zh"
             else f"Major project monitoring report {data.period}")
    set_print_pages(ws, widths, header_row, repeat_columns, title, data.lang)
    if header_row is not None:
        ws.freeze_panes(header_row + 1, 0)
    ws.hide_gridlines(2)


def _write(ws: Worksheet, row: int, col: int, value: Any, fmt: Any) -> None:
    """Numbers as numbers, dates as dates, everything else as a string: never a formula."""
    if value is None or value == "" or (isinstance(value, float) and value != value) \
            or value is pd.NaT:  # value != value: a float's NaN, as pd.isna finds it
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是 Y" if value else "否 N", fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _cover(ws: Worksheet, f: dict[str, Any], data: ReportData) -> None:
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 70)
    ws.hide_gridlines(2)
    ws.write_string(0, 0, f"重大项目监控报告 {data.period}", f["title"])
    ws.write_string(1, 0, f"Major project monitoring report — {data.period}", f["sub"])
    rows = [("期间 Period", data.period),
            ("生成时间 Run time", local_text(data.run_time, data.zone, seconds=True)),
            ("xltrack 版本 Version", __version__),
            ("重大项目数 Major projects", str(len(data.summary))),
            ("重大差异 Major variances", str(int((data.variances.severity == "major").sum()))),
            ("报送文件 Files", str(len(data.inputs)))]
    for i, (label, value) in enumerate(rows, start=3):
        ws.write_string(i, 0, label, f["head"])
        ws.write_string(i, 1, value, f["text"])
    contents = ("汇总 Summary", "差异 Variances", "报送 Submissions", "项目 Projects",
                "趋势 Trends", "审核 Findings", "更正 Restatements", "输入 Inputs")
    start = len(rows) + 5
    ws.write_string(start, 0, "目录 Contents", f["card"])
    for i, sheet in enumerate(contents, start=start + 1):
        ws.write_url(i, 0, f"internal:'{sheet}'!A1", f["text"], string=sheet)
    _page(ws, f, None, [30, 70])
    ws.activate()


def _summary(ws: Worksheet, f: dict[str, Any], data: ReportData,
             typed: dict[str, dict[str, Value]]) -> None:
    frame = data.summary
    ws.write_string(0, 0, f"重大项目汇总 Summary of major projects — {data.period} (万元)",
                    f["title"])
    header = 2
    theirs = [COMMENT_HEADER, *(h for h in typed if h != COMMENT_HEADER)]
    columns = list(frame.columns) + theirs
    last = header + len(frame)
    formats = data.summary_formats()
    for r, record in enumerate(records(frame), start=header + 1):
        for c, name in enumerate(frame.columns):
            value = record[name]
            if name == data.detail_column:
                ws.write_url(r, c, f"internal:'项目 Projects'!A{record['_card_row']}",
                             f["text"], string="查看 View")
            else:
                _write(ws, r, c, value, f[formats.get(name, "text")])
        for c, name in enumerate(theirs, start=len(frame.columns)):
            value = typed.get(name, {}).get(str(record[KEY_HEADER]), "")
            _write(ws, r, c, value, f["comment_date" if isinstance(value, dt.date)
                                      else "comment"])
    ws.add_table(header, 0, max(last, header + 1), len(columns) - 1, {
        "name": "Summary", "style": "Table Style Light 9",
        "columns": [{"header": h, "header_format": f["head"]} for h in columns]})
    ws.set_row(header, 54)
    widths: list[float] = []
    for c, name in enumerate(frame.columns):
        width = 7 if name in data.light_columns else 11
        width = (0 if name == "_card_row" else 16 if name in ("项目名称 Name", "单位 Subsidiary")
                 else width)
        widths.append(width)
        ws.set_column(c, c, width)
        if name in data.light_columns and len(frame):
            ws.conditional_format(header + 1, c, last, c, {
                "type": "icon_set", "icon_style": "3_traffic_lights", "icons_only": True,
                "icons": [{"criteria": ">=", "type": "number", "value": 2},
                          {"criteria": ">=", "type": "number", "value": 1}]})
    for c, name in enumerate(theirs, start=len(frame.columns)):
        width = 30 if name == COMMENT_HEADER else 16
        ws.set_column(c, c, width, f["comment"])
        widths.append(width)
    if "_card_row" in frame.columns:
        ws.set_column(list(frame.columns).index("_card_row"),
                      list(frame.columns).index("_card_row"), None, None, {"hidden": True})
    row = _totals(ws, f, data, last + 2)
    ws.print_area(0, 0, row, len(columns) - 1)
    key = list(frame.columns).index(KEY_HEADER) + 1 if KEY_HEADER in frame.columns else 0
    _page(ws, f, header, widths, repeat_columns=key + 1)


def _totals(ws: Worksheet, f: dict[str, Any], data: ReportData, row: int) -> int:
    ws.write_string(row, 0, "板块及集团合计（含全部项目，不限于上列重大项目）"
                            "Segment and group totals — every project, not only the major "
                            "ones above (万元)", f["card"])
    totals = data.totals
    row += 1
    for c, name in enumerate(totals.columns):
        ws.write_string(row, c, name, f["head"])
    ws.set_row(row, 54)
    for record in records(totals):
        row += 1
        for c, name in enumerate(totals.columns):
            value = record[name]
            _write(ws, row, c, value, f["total"] if isinstance(value, float) else f["total_text"])
    return row


def _table(ws: Worksheet, f: dict[str, Any], name: str, frame: pd.DataFrame, title: str,
           severity: str | None = None, first_row: int = 0) -> None:
    ws.write_string(first_row, 0, title, f["title"])
    header = first_row + 2
    kinds = ReportData.column_formats(frame)
    for r, record in enumerate(records(frame), start=header + 1):
        for c, column in enumerate(frame.columns):
            _write(ws, r, c, record[column], f[kinds.get(column, "wrap")])
    last = header + max(len(frame), 1)
    ws.add_table(header, 0, last, max(len(frame.columns) - 1, 0), {
        "name": name, "style": "Table Style Light 9",
        "columns": [{"header": str(h), "header_format": f["head"]} for h in frame.columns]})
    ws.set_row(header, 42)
    widths = []
    wrapped: dict[str, float] = {}  # the text columns, by their width
    for c, column in enumerate(frame.columns):
        if str(column).startswith(CODE_PREFIX):  # a key column: for filters, not for print
            ws.set_column(c, c, 12, None, {"hidden": True})
            continue
        long_text = kinds.get(column, "wrap") == "wrap"
        width = column_width(str(column), frame[column], 40 if long_text else 14)
        widths.append(width)
        ws.set_column(c, c, width)
        if long_text:
            wrapped[str(column)] = width
    _fit_rows(ws, frame, wrapped, header + 1)
    if severity is not None and severity in frame.columns and len(frame):
        c = list(frame.columns).index(severity)
        for fmt, words in _HIGHLIGHTS.items():
            for text in {word(group, code, lang) for group, code in words
                         for lang in (f["_data"].lang,)}:
                ws.conditional_format(header + 1, c, last, c, {
                    "type": "text", "criteria": "containing", "value": text,
                    "format": f[fmt]})
    if first_row == 0:
        ws.print_area(0, 0, last, max(len(widths) - 1, 0))
        _page(ws, f, header, widths, repeat_columns=min(2, len(widths)))


def _fit_rows(ws: Worksheet, frame: pd.DataFrame, wrapped: dict[str, float], first: int) -> None:
    """Each row as tall as its longest wrapped text: a writer sets no heights, and a row of
    one line height would print its text over the rows below (LibreOffice does not grow it).
    """
    lines = [1] * len(frame)
    for column, width in wrapped.items():
        room = max(width - 1, 1)
        for j, value in enumerate(frame[column]):
            if isinstance(value, str) and len(value) * 2 > room:  # else it surely fits
                lines[j] = max(lines[j], -(-text_width(value) // int(room)))
    for j, n in enumerate(lines):
        if n > 1:
            ws.set_row(first + j, min(15 * n, 409))  # Excel's tallest row


_HIGHLIGHTS = {"major": ((SEVERITY, "major"), (STATUS, "rejected"), (SEVERITY, "error"),
                         (MILESTONE, "overdue"), (FLAG, "overdue")),
               "attention": ((SEVERITY, "attention"), (STATUS, "late"), (STATUS, "missing"),
                             (SEVERITY, "warning"))}


def _projects(wb: Workbook, ws: Worksheet, chart_data: Worksheet, f: dict[str, Any],
              data: ReportData) -> None:
    widths = [24, 8, 12, 12, 9, 10]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.hide_gridlines(2)
    column = 0
    for card in data.cards:
        row = card.row - 1
        ws.write_string(row, 0, f"{card.project} {card.name}", f["card"])
        for c in range(1, len(widths)):
            ws.write_blank(row, c, None, f["card"])
        for i, (label, value, kind) in enumerate(card.figures):
            ws.write_string(row + 1 + i, 0, label, f["head"])
            _write(ws, row + 1 + i, 1, value, f[kind])
        heads = ("里程碑 Milestone", "关键 Key", "计划完成 Planned", "预计/实际 Forecast",
                 "延误天数 Slip", "状态 Status")
        m_row = row + 1 + len(card.figures) + 1
        for c, text in enumerate(heads):
            ws.write_string(m_row, c, text, f["head"])
        ws.set_row(m_row, 30)
        for i, m in enumerate(card.milestones, start=1):
            for c, (value, kind) in enumerate(m):
                _write(ws, m_row + i, c, value, f["wrap" if kind == "text" else kind])
        column = _s_curve(wb, ws, chart_data, card, column, m_row + len(card.milestones) + 2)
    ws.set_h_pagebreaks([card.row - 1 for card in data.cards[1:]])  # a page per card
    _page(ws, f, None, widths)


def _s_curve(wb: Workbook, ws: Worksheet, chart_data: Worksheet, card: Any, column: int,
             row: int) -> int:
    if card.curve.empty:
        return column
    chart_data.write_string(0, column, card.project)
    names = ("month", "plan", "actual", "earned")
    for c, name in enumerate(names):
        chart_data.write_string(1, column + c, name)
    curve = card.curve
    for r, (month, *values) in enumerate(zip(*(curve[n].tolist() for n in names),
                                             strict=True), start=2):
        chart_data.write_string(r, column, month)
        for c, value in enumerate(values, start=1):
            if value is not None and value == value:  # a curve's figures: floats, NaN, None
                chart_data.write_number(r, column + c, value / WAN)
    last = len(card.curve) + 1
    chart = wb.add_chart({"type": "line"})
    for c, label in ((1, "累计预算 PV"), (2, "累计实际 AC"), (3, "挣值 EV")):
        chart.add_series({"name": label,
                          "categories": [CHART_DATA, 2, column, last, column],
                          "values": [CHART_DATA, 2, column + c, last, column + c]})
    chart.set_title({"name": f"{card.project} S 曲线 (万元)", "name_font": {"size": 10}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 250})
    ws.insert_chart(row, 0, chart)  # below the figures: the card stays one page wide
    return column + len(names) + 1


def _trends(wb: Workbook, ws: Worksheet, f: dict[str, Any], data: ReportData) -> None:
    trend = data.trends
    ws.write_string(0, 0, f"月度趋势 Month over month — {data.period[:4]} (万元)", f["title"])
    header = 2
    for c, name in enumerate(trend.columns):
        ws.write_string(header, c, name, f["head"])
        ws.set_column(c, c, 12)
    ws.set_row(header, 42)
    for r, record in enumerate(records(trend), start=header + 1):
        for c, name in enumerate(trend.columns):
            _write(ws, r, c, record[name], f["wan"] if c else f["text"])
    last = header + len(trend)
    if len(trend):
        chart = wb.add_chart({"type": "column"})
        for c, name in enumerate(trend.columns[1:], start=1):
            if "累计" in name:
                continue
            chart.add_series({"name": ["趋势 Trends", header, c],
                              "categories": ["趋势 Trends", header + 1, 0, last, 0],
                              "values": ["趋势 Trends", header + 1, c, last, c]})
        chart.set_title({"name": "月度投资 Monthly investment (万元)"})
        chart.set_size({"width": 720, "height": 320})
        ws.insert_chart(last + 2, 0, chart)
    _page(ws, f, header, [12.0] * max(len(trend.columns), 9))
