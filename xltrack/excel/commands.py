"""What each button of the control workbook does, against any workbook port.

Each command takes the port and the settings read from it, runs the same library functions as
the CLI, writes its results into the control workbook's result sheets, and returns the line the
person is shown at the end. Errors are raised; only entry.py turns them into a message box.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .. import store
from ..action_book import load_key_work
from ..action_table import KeyWork, problem_lines
from ..actions import cadence_from, flag, follow_ups, is_overdue, next_follow_up
from ..control import RESULTS, ControlSettings
from ..errors import UsageError
from ..inbox import CheckResult, check_files
from ..language import zone
from ..monthly import MonthResult, month_from_store, run_month, write_month, write_special_reports
from ..report.monitoring import report_name
from ..templates import generate_all
from ..words import (
    BASIS,
    COMPARISON,
    KIND,
    SEVERITY,
    SPAN,
    STATUS,
    indicator_item,
    shown_item,
    word,
)
from ..workers import Isolation
from .port import WorkbookPort

Command = Callable[[WorkbookPort, ControlSettings], str]


def check_settings(port: WorkbookPort, settings: ControlSettings) -> str:
    r = settings.register
    majors = sum(r.is_major(p) for p in r.projects)
    return (f"设置无误 Settings are valid: {len(r.segments)} segments, {len(r.subsidiaries)} "
            f"subsidiaries, {len(r.projects)} projects ({majors} major), "
            f"{len(settings.rules.amount) + len(settings.rules.schedule)} rules.")


def generate_templates(port: WorkbookPort, settings: ControlSettings) -> str:
    folder = settings.path("output") / "templates"
    port.status("生成模板 Writing templates…")
    written = generate_all(folder, settings.register)
    return f"已生成 {len(written)} 个模板 Wrote {len(written)} templates to {folder}"


def validate_inbox(port: WorkbookPort, settings: ControlSettings) -> str:
    period = settings.period()
    checked = check_files([_inbox(settings, period)], settings.register, period,
                          settings.path("output") / "feedback", _isolation(settings),
                          _progress(port, "检查 Checking"))
    _write_submissions(port, checked, settings.values["language"])
    n = checked.counts()
    return (f"{period}: {n['files']} 个文件 files, {n['accepted']} 通过 accepted, "
            f"{n['rejected']} 退回 rejected; feedback in {settings.path('output') / 'feedback'}")


def run_month_command(port: WorkbookPort, settings: ControlSettings) -> str:
    period, out = settings.period(), settings.path("output")
    # The whole inbox: plans and budgets filed in earlier months count too, and files already
    # in the history are not read again.
    result = run_month(_inbox(settings, None), settings.register, period,
                       settings.history(), out / "feedback", _isolation(settings),
                       _progress(port, "读取 Reading"), rules=settings.rules)
    port.status("写报告 Writing the report…")
    key_work = _key_work(settings)
    # As `xltrack run` writes them: the report in the control workbook's language, its times
    # in its time zone, the overview listing the key-work items past their deadline.
    _, published = write_month(result, out, _report(settings, period),
                               settings.values["language"], key_work,
                               zone(settings.values.get("timezone")))
    _write_month(port, result, settings)
    majors = sorted(set(result.variances[result.variances.severity == "major"].project))
    n = result.checked.counts()
    return (f"{period}: {n['files']} 个新文件 new files（{n['rejected']} 个退回 rejected）; "
            f"{len(majors)} 个重大差异项目 projects with a major variance"
            f"{': ' + ', '.join(majors) if majors else ''}. 报告 Report: {published.placed.path}"
            + "".join(f"\n{line}" for line in published.placed.notes
                      + problem_lines(key_work)))


def open_report(port: WorkbookPort, settings: ControlSettings) -> str:
    period = settings.period()
    path = _report(settings, period)
    if not path.exists():
        raise UsageError(f"{period} 尚无报告（{path}）：请先点击“运行本月”",
                         f"no report for {period} yet ({path}): click Run month first")
    port.open_file(path)
    return f"已打开 Opened {path}"


def special_reports(port: WorkbookPort, settings: ControlSettings) -> str:
    result = _from_store(settings)
    written = [p for p in write_special_reports(result, settings.path("output") / "special",
                                                settings.values["language"])
               if p.suffix == ".xlsx"]  # the workbooks; each has its .docx, plus the overview
    _write_variances(port, result, settings)
    if not written:
        return f"{result.period}: 无重大差异 no major variance, no special report needed."
    return f"已写 {len(written)} 份专项报告 Wrote {len(written)} special reports to " \
           f"{written[0].parent}"


def key_work_follow_ups(port: WorkbookPort, settings: ControlSettings,
                        today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    work = _key_work(settings)
    if work is None:
        raise UsageError(f"{settings.path('key_work')} 处没有重点工作表；请用 xltrack actions "
                         "init 新建",
                         f"no key-work table at {settings.path('key_work')}; create one with "
                         "xltrack actions init")
    cadence = work.cadence
    due = follow_ups(work.items, today, cadence)
    port.write_result(RESULTS["actions"].sheet, RESULTS["actions"].columns, [
        [i.id, i.project, i.content, i.department, i.person, i.deadline, i.status.value,
         next_follow_up(i, today, cadence), flag(i, today, cadence)] for i in due])
    overdue = sum(is_overdue(i, today) for i in due)
    return (f"{today}: {len(due)} 项待跟进 to follow up today, {overdue} 项逾期 overdue "
            f"({work.path.name})" + "".join(f"\n{line}" for line in problem_lines(work)))


def _inbox(settings: ControlSettings, period: str | None) -> Path:
    """The month's own folder when asked for and there is one, else the whole inbox."""
    inbox = settings.path("inbox")
    if not inbox.is_dir():
        raise UsageError(f"收件文件夹 {inbox} 不存在；请在 Control 表中设置",
                         f"the inbox folder {inbox} does not exist; set it on the Control sheet")
    return inbox / period if period and (inbox / period).is_dir() else inbox


def _isolation(settings: ControlSettings) -> Isolation:
    workers = settings.values["workers"]
    if not workers.isdigit():
        raise UsageError(f"Control 表：workers 须为整数，填写的是“{workers}”",
                         f"Control sheet: workers must be a whole number, got {workers!r}")
    return Isolation(workers=int(workers))


def _progress(port: WorkbookPort, label: str) -> Callable[[int, int], None]:
    def advance(done: int, total: int) -> None:
        port.status(f"{label} {done}/{total}")
    return advance


def _report(settings: ControlSettings, period: str) -> Path:
    return settings.path("output") / report_name(period, settings.values["language"])


def _key_work(settings: ControlSettings) -> KeyWork | None:
    """The key-work table in force (the latest month's, key-work-YYYY-MM.xlsx, once a month
    has been rolled over), read without stopping at a bad cell."""
    return load_key_work(settings.path("key_work"), cadence_from(settings.values))


def _from_store(settings: ControlSettings) -> MonthResult:
    db = settings.history()
    if isinstance(db, Path) and not db.exists():
        raise UsageError(f"{db} 处尚无历史库：请先点击“运行本月”",
                         f"no history at {db} yet: click Run month first")
    with store.open_store(db) as conn:
        return month_from_store(conn, settings.register, settings.period(), settings.rules,
                                CheckResult([]), db)


def _write_submissions(port: WorkbookPort, checked: CheckResult, lang: str) -> None:
    """A row per file read, in the control workbook's language (its codes as words)."""
    sheet = RESULTS["submissions"]
    rows = []
    for sub in checked.submissions:
        errors = [f for f in sub.findings if f.severity.value == "error"]
        first = (errors or sub.findings)[0] if sub.findings else None
        # The header is keyed by the templates' defined names (contract.HEADER_FIELDS).
        rows.append([sub.file, sub.header.get("xt_subsidiary"),
                     " ".join(word(KIND, k.value, lang) for k in sub.kinds),
                     sub.header.get("xt_period"), word(STATUS, checked.status(sub), lang),
                     len(errors), len(sub.findings) - len(errors),
                     f"{first.where}: {first.message_zh if lang == 'zh' else first.message_en}"
                     if first else ""])
    port.write_result(sheet.sheet, sheet.columns, rows)


def _write_month(port: WorkbookPort, result: MonthResult, settings: ControlSettings) -> None:
    _write_variances(port, result, settings)
    lang = settings.values["language"]
    if result.checked.submissions:
        _write_submissions(port, result.checked, lang)
    summary = RESULTS["summary"]
    port.write_result(summary.sheet, summary.columns, _summary_rows(result, lang))


# How the variances sheet shows each column's codes (the others as they are).
_SHOWN = {"severity": SEVERITY, "comparison": COMPARISON, "span": SPAN}


def _write_variances(port: WorkbookPort, result: MonthResult, settings: ControlSettings) -> None:
    """Major variances first, then those needing attention; normal ones are left out. In the
    control workbook's language: the codes as words, the segment by its name, the indicator
    with its milestone."""
    flags = RESULTS["variances"]
    lang, register = settings.values["language"], settings.register
    segments = {s.code: s.name_zh if lang == "zh" else s.name_en for s in register.segments}
    ordered = result.variances.assign(
        rank=result.variances.severity.map({"major": 0, "attention": 1}).fillna(2))
    ordered = ordered[ordered["rank"] < 2].sort_values(["rank", "project", "rule_id"])
    rows = []
    for _, row in ordered.iterrows():
        shown = []
        for c in flags.columns:
            value = _plain(row[c.key])
            if c.key in _SHOWN:
                value = word(_SHOWN[c.key], value, lang)
            elif c.key == "segment":
                value = segments.get(str(value), value)
            elif c.key == "indicator":
                value = indicator_item(value, None, lang)
            elif c.key == "item" and row["comparison"] == "milestone_slip":
                value = shown_item(value, lang)
            shown.append(value)
        rows.append(shown)
    port.write_result(flags.sheet, flags.columns, rows)


def _summary_rows(result: MonthResult, lang: str) -> list[list[Any]]:
    figures = result.consolidation.figures
    group = figures[(figures.level == "group") & (figures.indicator == "investment")]
    zh = lang == "zh"
    rows: list[list[Any]] = [
        ["期间 Period", result.period, ""],
        ["运行时间 Run at", f"{dt.datetime.now():%Y-%m-%d %H:%M}", ""],
        ["历史库 History", str(result.db), ""]]
    counts = result.checked.counts()
    rows.append(["本次文件 Files this run", counts["files"],
                 f"接收 {counts['accepted']} 个，退回 {counts['rejected']} 个，"
                 f"{counts['already_in_history']} 个已在历史库中" if zh else
                 f"{counts['accepted']} accepted, {counts['rejected']} rejected, "
                 f"{counts['already_in_history']} already in the history"])
    for status, number in result.status.status.value_counts().items():
        rows.append([f"报送状态 Status: {word(STATUS, status, lang)}", int(number), ""])
    for basis, span, amount in zip(group.basis, group.span, group.amount.tolist(), strict=True):
        rows.append([f"集团投资 Group investment: {word(BASIS, basis, lang)} "
                     f"{word(SPAN, span, lang)}", round(amount, 2), "元" if zh else "yuan"])
    for severity, number in result.variances.severity.value_counts().items():
        rows.append([f"差异 Variances: {word(SEVERITY, severity, lang)}", int(number), ""])
    majors = sorted(set(result.variances[result.variances.severity == "major"].project))
    rows.append(["重大差异项目 Projects with a major variance", len(majors),
                 ("、" if zh else ", ").join(majors)])
    return rows


def _plain(value: Any) -> Any:
    """A pandas cell as a plain Python value; missing values stay blank, never NaN text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
