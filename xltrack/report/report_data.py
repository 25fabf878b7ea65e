"""What the monitoring report shows, prepared as frames (pure pandas, no workbook code)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from itertools import accumulate, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import contract
from ..consolidate import (
    ACTUAL,
    INVESTMENT,
    PLAN,
    Consolidation,
    _selected_parts,
    as_date,
    indicator_tables,
    with_indicator,
)
from ..language import local_text
from ..monthly import MonthResult
from ..variance import last_twelve_months
from ..words import (
    COMPARISON,
    FLAG,
    KIND,
    MILESTONE,
    ORDER_EVIDENCE,
    REASON,
    SEVERITY,
    SPAN,
    STATUS,
    attributed_by,
    indicator_item,
    looked_again,
    word,
    words_of,
)
from .cells import records

if TYPE_CHECKING:  # the key-work modules (openpyxl, their models) load when a table is given
    from ..action_table import KeyWork
    from ..actions import ActionItem

WAN = 10_000
CODE_PREFIX = "code:"  # a key column: the code behind a displayed word, hidden, for filters
# Traffic-light areas of the summary, by the indicator a flag is about.
_AREAS: dict[str, Callable[[str], bool]] = {
    "投资 Invest.": lambda i: i == INVESTMENT, "销售 Sales": lambda i: i.startswith("sales"),
    "进度 Schedule": lambda i: i == "schedule"}
_RANK = {"normal": 2, "attention": 1, "major": 0}


@dataclass
class Card:
    project: str
    name: str
    row: int  # 1-based first row on the Projects sheet
    figures: list[tuple[str, Any, str]]
    milestones: list[list[tuple[Any, str]]]
    curve: pd.DataFrame  # month, plan, actual, earned (cumulative, yuan)


@dataclass
class ReportData:
    period: str
    run_time: dt.datetime
    summary: pd.DataFrame
    totals: pd.DataFrame
    variances: pd.DataFrame
    status: pd.DataFrame
    findings: pd.DataFrame
    restatements: pd.DataFrame
    trends: pd.DataFrame
    cards: list[Card]
    inputs: list[tuple[str, str]]
    actions: pd.DataFrame | None = None  # open key-work items, overdue first
    departments: pd.DataFrame | None = None  # open / overdue counts per department
    action_summary: pd.DataFrame | None = None  # the key-work month per department and person
    action_problems: pd.DataFrame | None = None  # cells of the key-work table to correct
    action_month: str = ""
    lang: str = "zh"  # the words shown for codes; headers stay in both languages
    zone: dt.tzinfo = dt.UTC  # times are shown in this zone, with the zone written beside
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # segment, subsidiary
    detail_column: str = "详情 Detail"
    light_columns: tuple[str, ...] = (*_AREAS, "总体 Overall")
    _formats: dict[str, str] = field(default_factory=dict)

    def summary_formats(self) -> dict[str, str]:
        return self._formats

    @staticmethod
    def column_formats(frame: pd.DataFrame) -> dict[str, str]:
        kinds = {}
        for column in frame.columns:
            name = str(column)
            if "(万元)" in name:
                kinds[column] = "wan"
            elif "%" in name:
                kinds[column] = "pct"
            elif "天" in name or "月数" in name:
                kinds[column] = "int"
            elif any(isinstance(v, dt.date) for v in islice(frame[column], 50)):
                kinds[column] = "date"
        return kinds

    def name(self, kind: str, code: object) -> str:
        """A segment's or subsidiary's name from the register (the code when unknown)."""
        return self.names.get(kind, {}).get(str(code), "" if code is None else str(code))

    def variances_sheet(self) -> pd.DataFrame:
        v, lang = self.variances, self.lang
        return pd.DataFrame({
            "严重程度 Severity": words_of(SEVERITY, v.severity, lang), "项目 Project": v.project,
            "单位 Subsidiary": [self.name("subsidiary", s) for s in v.subsidiary],
            "板块 Segment": [self.name("segment", s) for s in v.segment],
            "比较 Comparison": words_of(COMPARISON, v.comparison, lang),
            "指标 Indicator": [indicator_item(i, item, lang)
                             for i, item in zip(v.indicator, v.item, strict=True)],
            "口径 Span": words_of(SPAN, v.span, lang),
            "实际 Actual (万元)": _wan_or_none(v.actual, v.indicator),
            "对比 Expected (万元)": _wan_or_none(v.expected, v.indicator),
            "差异 Variance (万元)": _wan_or_none(v.variance, v.indicator),
            "差异率 Variance %": v.variance_pct, "天数 Days": v.days,
            "连续月数 Months in a row": v.months_in_row, "规则 Rule": v.rule_id,
            "规则说明 Rule text": v.rule_zh if lang == "zh" else v.rule,
            "子公司说明 Explanation": v.explanation,
            f"{CODE_PREFIX}severity": v.severity, f"{CODE_PREFIX}comparison": v.comparison,
            f"{CODE_PREFIX}indicator": v.indicator, f"{CODE_PREFIX}span": v.span,
            f"{CODE_PREFIX}segment": v.segment, f"{CODE_PREFIX}subsidiary": v.subsidiary})

    def status_sheet(self) -> pd.DataFrame:
        s, lang = self.status, self.lang
        return pd.DataFrame({
            "单位 Subsidiary": s.subsidiary, "名称 Name": s.name,
            "板块 Segment": [self.name("segment", x) for x in s.segment],
            "类型 Kind": words_of(KIND, s.kind, lang),
            "状态 Status": words_of(STATUS, s.status, lang), "文件 File": s.file,
            # the day it counts as received (arrival.received_day): a day, not a moment
            "收到时间 Received": s.received_at,
            "版本 Revision": s.revision, "问题数 Findings": s.findings, **self._evidence(s),
            f"{CODE_PREFIX}kind": s.kind, f"{CODE_PREFIX}status": s.status,
            f"{CODE_PREFIX}segment": s.segment,
            **{f"{CODE_PREFIX}{key}": s[key] if key in s else ""
               for key in ("order_evidence", "attributed_by")}})

    def _evidence(self, s: pd.DataFrame) -> dict[str, Any]:
        """What each file's place rests on (status.EVIDENCE): the cover's preparation date,
        when xltrack first received it and the file time (a hint), both in the report's zone,
        why it is the version in force, what its attribution rests on, what became of it
        when looked at again; in words (the codes in key columns)."""
        def of(key: str) -> list[Any]:
            return list(s[key]) if key in s else [""] * len(s)

        lang = self.lang
        return {"填表日期 Prepared on": of("prepared_on"),
                "首次收到 First received": [local_text(x or None, self.zone)
                                           for x in of("first_received")],
                "文件时间(仅参考) File time (hint)": [local_text(x or None, self.zone)
                                                 for x in of("file_modified")],
                "版本依据 Version order": words_of(ORDER_EVIDENCE, of("order_evidence"), lang),
                "归属依据 Attributed by": [attributed_by(x, lang) for x in of("attributed_by")],
                "备注 Note": [looked_again(x, lang) for x in of("note")]}

    def findings_sheet(self) -> pd.DataFrame:
        """Every finding in the report's language: the field as the template names it, the
        message in that language alone (the codes in key columns)."""
        f = self.findings.copy()
        codes, keys = f["级别 Severity"].copy(), f["列 Key"].copy()
        lang = self.lang
        f["级别 Severity"] = words_of(SEVERITY, codes, lang)
        f["代码 Code"], f[f"{CODE_PREFIX}reason"] = (words_of(REASON, f["代码 Code"], lang),
                                                   f["代码 Code"])
        f["列 Key"] = [contract.field_label(str(sheet or ""), str(key), lang) if key else ""
                      for sheet, key in zip(f["工作表 Sheet"], keys, strict=True)]
        if lang != "zh":
            f["说明 Message"] = f["Message"]
        f = f.drop(columns=["Message"])
        f[f"{CODE_PREFIX}severity"], f[f"{CODE_PREFIX}key"] = codes, keys
        return f

    def restatements_sheet(self) -> pd.DataFrame:
        r = self.restatements
        if r.empty:
            return pd.DataFrame(columns=["文件 File", "被更正文件 Superseded file",
                                         "项目 Project", "表 Table", "事项 Item", "月份 Month",
                                         "原值 Old (万元)", "新值 New (万元)", "单元格 Cell",
                                         "前期更正 Prior period", f"{CODE_PREFIX}table"])
        return pd.DataFrame({
            "文件 File": r.file, "被更正文件 Superseded file": r.superseded_file,
            "项目 Project": r.project, "表 Table": [self._table_name(t) for t in r.tbl],
            "事项 Item": r.item, "月份 Month": r.month, "原值 Old (万元)": r.old_amount / WAN,
            "新值 New (万元)": r.new_amount / WAN, "单元格 Cell": r.cell,
            "前期更正 Prior period": [word(FLAG, "Y", self.lang) if p < self.period else ""
                                    for p in r.period],
            f"{CODE_PREFIX}table": r.tbl})

    def _table_name(self, table: object) -> str:
        """A template table's name as its sheet shows it (实际投资 …), in the language."""
        spec = contract.TABLES_BY_NAME.get(str(table))
        if spec is None:
            return str(table)
        return spec.label_zh if self.lang == "zh" else spec.label_en


def actions_frames(items: list[ActionItem], as_of: dt.date,
                   work: KeyWork | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open items (overdue first, then by deadline) and the counts per department."""
    from ..actions import DEFAULT_CADENCE, flag, is_overdue, is_tracked, next_follow_up

    cadence = work.cadence if work else DEFAULT_CADENCE
    open_items = sorted((i for i in items if is_tracked(i)),
                        key=lambda i: (not is_overdue(i, as_of), i.deadline, i.id))
    rows = [{"提示 Flag": flag(i, as_of, cadence),
             "编号 ID": i.id, "工作内容 Content": i.content, "项目 Project": i.project,
             "责任部门 Department": i.department, "责任人 Person": i.person,
             "当前期限 Deadline": i.deadline, "原定期限 Original deadline": i.original_deadline,
             "滚动月数 Months rolled": i.months_rolled,
             "下次跟进 Next follow-up": next_follow_up(i, as_of, cadence),
             "最新进展 Latest note": i.notes[-1].text if i.notes else ""} for i in open_items]
    frame = pd.DataFrame(rows, columns=["提示 Flag", "编号 ID", "工作内容 Content",
                                        "项目 Project", "责任部门 Department", "责任人 Person",
                                        "当前期限 Deadline", "原定期限 Original deadline",
                                        "滚动月数 Months rolled", "下次跟进 Next follow-up",
                                        "最新进展 Latest note"])
    counts = (frame.groupby("责任部门 Department")
              .agg(**{"未完成 Open": ("编号 ID", "count"),
                      "逾期 Overdue": ("提示 Flag",
                                       lambda f: int(f.str.startswith("overdue").sum()))})
              .reset_index())
    return frame, counts


def key_work_frames(work: KeyWork, as_of: dt.date,
                    lang: str = "zh") -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """The key-work month in progress (or just closed) summarised per department and person,
    and the table's cells to correct, each with the value typed and what is wrong (in
    `lang`)."""
    from ..action_month import SUMMARY_HEADERS, key_work_month, summary_rows
    from ..actions import month_summary

    month = key_work_month(as_of, work.cadence)
    summary = pd.DataFrame(summary_rows(month_summary(work.items, month, work.cadence)),
                           columns=list(SUMMARY_HEADERS))
    problems = pd.DataFrame(
        [{"文件 File": work.path.name, "单元格 Cell": f"{p.sheet}!{p.cell}" if p.cell else "",
          "填写值 Value": "" if p.value is None else str(p.value),
          "说明 Message": p.zh if lang == "zh" else p.en} for p in work.problems],
        columns=["文件 File", "单元格 Cell", "填写值 Value", "说明 Message"])
    return month, summary, problems


def _wan_or_none(values: pd.Series, indicators: pd.Series) -> list[float | None]:
    """Money in 万元; areas and unit counts are not money and stay as they are."""
    out: list[float | None] = []
    for value, indicator in zip(values, indicators, strict=True):
        if value is None or pd.isna(value):
            out.append(None)
        elif indicator in (INVESTMENT, "sales:AMOUNT"):
            out.append(float(value) / WAN)
        else:
            out.append(float(value))
    return out


def register_names(projects: pd.DataFrame, lang: str) -> dict[str, dict[str, str]]:
    """Segment and subsidiary names by code, as the register spells them."""
    segment = "segment_zh" if lang == "zh" else "segment_en"
    if segment not in projects.columns:
        return {}
    return {"segment": dict(zip(projects.segment, projects[segment], strict=True)),
            "subsidiary": dict(zip(projects.subsidiary, projects.subsidiary_name,
                                   strict=True))}


def build_report_data(result: MonthResult, run_time: dt.datetime,
                      actions: list[ActionItem] | KeyWork | None = None,
                      lang: str = "zh", zone: dt.tzinfo | None = None) -> ReportData:
    c = result.consolidation
    submissions, progress = result.submissions, result.progress
    majors = c.projects[c.projects.major].sort_values(["segment", "subsidiary", "project"])
    flags = result.variances
    ev = result.earned_value.set_index("project")
    names = register_names(c.projects, lang)
    cards = _cards(result, majors, progress, lang)
    summary = _summary(c, majors, flags, ev, {card.project: card.row for card in cards},
                       _month_not_in(result.status, lang))
    for column, kind in (("板块 Segment", "segment"), ("单位 Subsidiary", "subsidiary")):
        if len(summary):
            summary[column] = [names.get(kind, {}).get(x, x) for x in summary[column]]
    kinds = ReportData.column_formats(summary)  # once, not once per column
    formats = {name: kinds.get(name, "text") for name in summary.columns}
    formats.update({"进度绩效 SPI": "ratio", "成本绩效 CPI": "ratio", "差异数 Flags": "int"})
    if isinstance(actions, list):
        from ..action_table import KeyWork

        work: KeyWork | None = KeyWork(Path(), items=list(actions))
    else:
        work = actions
    open_items = departments = action_summary = action_problems = None
    month = ""
    if work is not None:
        open_items, departments = actions_frames(work.items, run_time.date(), work)
        month, action_summary, action_problems = key_work_frames(work, run_time.date(), lang)
    inputs = (submissions[submissions.period <= result.period]
              .drop_duplicates("sha256").sort_values("file"))
    return ReportData(
        period=result.period, run_time=run_time, summary=summary,
        totals=_totals(c, names.get("segment", {}), lang),
        variances=flags, status=result.status,
        findings=_findings(submissions, result.period),
        restatements=result.restatements[result.restatements.period <= result.period]
        if not result.restatements.empty else result.restatements,
        trends=_trends(result, names.get("segment", {})), cards=cards,
        inputs=list(zip(inputs.file, inputs.sha256, strict=True)), actions=open_items,
        departments=departments, action_summary=action_summary,
        action_problems=action_problems, action_month=month, lang=lang, zone=zone or dt.UTC,
        names=names, _formats=formats)


def _fig(c: Consolidation, level: str, key: str, indicator: str, basis: str,
         span: str) -> float:
    return c.figure(level, key, indicator, basis, span)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _month_not_in(status: pd.DataFrame, lang: str) -> dict[str, str]:
    """Subsidiaries whose monthly figures for the period are not in: missing or rejected,
    said in the report's language."""
    monthly = status[(status.kind == "monthly") & status.status.isin(["missing", "rejected"])]
    return {str(code): word(STATUS, state, lang) for code, state in zip(
        monthly.subsidiary, monthly.status, strict=True)}


def _summary(c: Consolidation, majors: pd.DataFrame, flags: pd.DataFrame, ev: pd.DataFrame,
             card_rows: dict[str, int], not_in: dict[str, str]) -> pd.DataFrame:
    """One row per major project. A subsidiary whose month is missing or rejected gets a mark
    and no budget or sales variance: its year to date lacks the month, and a variance
    computed from nothing would be a false under-spend."""
    rows = []
    slips = c.milestones.groupby("project").slip_days.max()
    flags_of = _flags_by_project(flags)
    spi, cpi = _by_project(ev, "spi"), _by_project(ev, "cpi")
    for p in records(majors):
        pid = p["project"]

        def fig(indicator: str, basis: str, span: str, pid: str = pid) -> float:
            return _fig(c, "project", pid, indicator, basis, span)
        bac, ac = fig(INVESTMENT, PLAN, "at_completion"), fig(INVESTMENT, ACTUAL, "to_date")
        ytd_a, ytd_p = fig(INVESTMENT, ACTUAL, "ytd"), fig(INVESTMENT, PLAN, "ytd")
        sales_a, sales_p = fig("sales:AMOUNT", ACTUAL, "ytd"), fig("sales:AMOUNT", PLAN, "ytd")
        mine = flags_of.get(pid, [])
        lights = {area: min((_RANK[s] for s, i in mine if test(i)), default=2)
                  for area, test in _AREAS.items()}
        slip = slips.get(pid)
        gap = not_in.get(str(p["subsidiary"]), "")
        rows.append({
            "板块 Segment": p["segment"], "单位 Subsidiary": p["subsidiary"],
            "项目编号 Project": pid, "项目名称 Name": p["name"],
            "完工预算 BAC (万元)": bac / WAN, "累计实际 Actual to date (万元)": ac / WAN,
            "投资完成 % spent": _ratio(ac, bac),
            "本年实际 Actual YTD (万元)": ytd_a / WAN, "本年预算 Budget YTD (万元)": ytd_p / WAN,
            "预算差异 Budget var %": None if gap else _ratio(ytd_a - ytd_p, ytd_p),
            "本年销售 Sales YTD (万元)": sales_a / WAN,
            "本年预测 Forecast YTD (万元)": sales_p / WAN,
            "销售完成 Sales %": None if gap else _ratio(sales_a, sales_p),
            "进度绩效 SPI": spi[pid] if pid in spi else None,
            "成本绩效 CPI": cpi[pid] if pid in cpi else None,
            "最大延误 Worst slip (天)": None if slip is None or pd.isna(slip) else int(slip),
            **lights, "总体 Overall": min(lights.values()),
            "差异数 Flags": len(mine), "本月数据 Month's figures": gap,
            "详情 Detail": "", "_card_row": card_rows.get(pid, 1)})
    return pd.DataFrame(rows)


def _flags_by_project(flags: pd.DataFrame) -> dict[Any, list[tuple[Any, Any]]]:
    """Each project's flags but the missing explanations (a copy of their major flag), as
    (severity, indicator) in the flags' order: one pass for every project rather than a
    filter of the whole frame for each."""
    mine: dict[Any, list[tuple[Any, Any]]] = {}
    for project, comparison, severity, indicator in zip(
            flags.project, flags.comparison, flags.severity, flags.indicator, strict=True):
        if comparison != "missing_explanation":
            mine.setdefault(project, []).append((severity, indicator))
    return mine


def _by_project(ev: pd.DataFrame, column: str) -> dict[Any, Any]:
    """A column of the earned value (indexed by project) by project, each value as .loc gives
    it; where a project has several rows .loc gives them all, and so does this."""
    if ev.index.is_unique:
        return dict(zip(ev.index, ev[column].to_numpy(), strict=True))
    return {pid: ev.loc[pid, column] for pid in ev.index.unique()}


def _totals(c: Consolidation, segment_names: dict[str, str], lang: str) -> pd.DataFrame:
    """Segment and group totals over every project of the register, major or not: the column
    "覆盖项目 Covers" says so, since the summary above lists the major projects only."""
    rows = []
    projects = c.projects
    for level in ("segment", "group"):
        for key in sorted(set(c.figures[c.figures.level == level].key)):
            def fig(indicator: str, basis: str, span: str, key: str = key,
                    level: str = level) -> float:
                return _fig(c, level, key, indicator, basis, span)
            bac, ac = fig(INVESTMENT, PLAN, "at_completion"), fig(INVESTMENT, ACTUAL, "to_date")
            mine = projects if level == "group" else projects[projects.segment == key]
            n, majors = len(mine), int(mine.major.sum())
            covers = (f"全部 {n} 个项目（其中重大项目 {majors} 个）" if lang == "zh"
                      else f"all {n} projects ({majors} major)")
            zh = lang == "zh"
            rows.append({
                "层级 Level": (("集团" if zh else "Group") if level == "group"
                             else ("板块" if zh else "Segment")),
                "名称 Name": (("全部项目" if zh else "All projects") if level == "group"
                            else segment_names.get(key, key)),
                "覆盖项目 Covers": covers,
                "完工预算 BAC (万元)": bac / WAN, "累计实际 Actual to date (万元)": ac / WAN,
                "本年实际 Actual YTD (万元)": fig(INVESTMENT, ACTUAL, "ytd") / WAN,
                "本年预算 Budget YTD (万元)": fig(INVESTMENT, PLAN, "ytd") / WAN,
                "本年销售 Sales YTD (万元)": fig("sales:AMOUNT", ACTUAL, "ytd") / WAN,
                "本年预测 Forecast YTD (万元)": fig("sales:AMOUNT", PLAN, "ytd") / WAN})
    return pd.DataFrame(rows)


def _findings(submissions: pd.DataFrame, period: str) -> pd.DataFrame:
    rows = []
    subs = submissions[(submissions.period == period) | submissions.period.isna()
                       ].drop_duplicates("sha256")
    for file, findings in zip(subs.file, subs.findings, strict=True):  # the two columns used
        for f in json.loads(findings):
            rows.append({"文件 File": file, "级别 Severity": f["severity"],
                         "代码 Code": f["reason"], "工作表 Sheet": f["sheet"],
                         "单元格 Cell": f["cell"], "列 Key": f["key"], "填写值 Value": f["value"],
                         "说明 Message": f["message_zh"], "Message": f["message_en"]})
    columns = ["文件 File", "级别 Severity", "代码 Code", "工作表 Sheet", "单元格 Cell", "列 Key",
               "填写值 Value", "说明 Message", "Message"]
    return pd.DataFrame(rows, columns=columns)


def _trends(result: MonthResult, segment_names: dict[str, str]) -> pd.DataFrame:
    months = [m for m in last_twelve_months(result.period) if m >= f"{result.period[:4]}-01"]
    series = result.history[result.history.month.isin(months)].copy()
    segments = result.consolidation.projects.set_index("project").segment
    series["segment"] = series.project.map(segments)
    group = series.groupby("month")[[ACTUAL, PLAN]].sum().reindex(months, fill_value=0.0)
    frame = pd.DataFrame({"月份 Month": months,
                          "集团实际 Group actual": (group[ACTUAL] / WAN).to_list(),
                          "集团预算 Group budget": (group[PLAN] / WAN).to_list()})
    by_segment = series.groupby(["month", "segment"])[ACTUAL].sum().unstack(fill_value=0)
    for segment in sorted(set(segments)):
        values = by_segment[segment] if segment in by_segment else pd.Series(dtype=float)
        frame[f"{segment_names.get(segment, segment)} 实际 actual"] = [
            float(values.get(m, 0.0)) / WAN for m in months]
    frame["累计实际 Cum. actual"] = frame["集团实际 Group actual"].cumsum()
    frame["累计预算 Cum. budget"] = frame["集团预算 Group budget"].cumsum()
    return frame


def _cards(result: MonthResult, majors: pd.DataFrame, progress: pd.DataFrame,
           lang: str = "zh") -> list[Card]:
    c = result.consolidation
    facts = result.facts  # only the cards' projects and investment: a fraction of the history
    facts = facts[facts.project.isin(majors.project)
                  & facts.tbl.isin(indicator_tables(INVESTMENT))]
    chosen = _actual_and_plan(facts, result.period)
    # Each card's monthly sums, milestones, progress and figures, found once for all the
    # cards rather than by a filter over every project's for each.
    sums_of = _monthly_sums(chosen)
    milestones_of = _milestones_by_project(c.milestones)
    progress_of = _progress_by_project(progress)
    ev = {r["project"]: r for r in records(result.earned_value)}
    cards, row = [], 1
    for p in records(majors):
        pid = p["project"]
        milestones = milestones_of.get(pid, [])
        e = ev.get(pid)
        figures = [(label, None if e is None else e[key], kind) if kind != "wan"
                   else (label, None if e is None or e[key] is None or pd.isna(e[key])
                         else e[key] / WAN, kind)
                   for label, key, kind in _CARD_FIGURES]
        rows = [[(m["milestone"], "text"), (word(FLAG, m["key_milestone"], lang), "text"),
                 (as_date(m["planned_finish"]), "date"),
                 (as_date(m["actual_finish"]) or as_date(m["forecast_finish"]), "date"),
                 (None if pd.isna(m["slip_days"]) else int(m["slip_days"]), "int"),
                 (word(MILESTONE, m["status"], lang), "text")]
                for m in milestones]
        # No progress from anyone: no earned value; none from this project yet: 0 earned.
        curve = _curve(sums_of.get(pid), milestones,
                       progress_of.get(pid, []) if progress_of else None, result.period,
                       None if e is None else e["bac"])
        cards.append(Card(pid, p["name"], row, figures, rows, curve))
        row += len(figures) + len(rows) + 4 + _CHART_ROWS
    return cards


def _actual_and_plan(facts: pd.DataFrame, period: str) -> pd.DataFrame:
    """The investment facts' rows of select_facts that the curves sum, actual and plan: its
    first two parts, the same rows in the same order, without choosing the baseline (the
    curves do not show it) and with only the columns the sums read."""
    parts = islice(_selected_parts(with_indicator(facts, period), period, _SUMMED), 2)
    return pd.concat(list(parts), ignore_index=True)


_SUMMED = ["project", "month", "amount"]  # and the basis each part is tagged with


def _milestones_by_project(milestones: pd.DataFrame) -> dict[Any, list[dict[Hashable, Any]]]:
    """Each project's milestones in the board's order, each with its weight as a number."""
    weights: Any = pd.to_numeric(milestones.weight_pct) if len(milestones) else []
    mine: dict[Any, list[dict[Hashable, Any]]] = {}
    for row, weight in zip(records(milestones), weights, strict=True):
        mine.setdefault(row["project"], []).append({**row, "weight": weight})
    return mine


_Progress = list[tuple[str, str, float]]  # period, milestone, fraction complete, in order


def _progress_by_project(progress: pd.DataFrame) -> dict[Any, _Progress]:
    """Each project's progress reports, in the order they were made (period, then received):
    sorted once for every card (a stable sort, so a project's own order is as if sorted alone)."""
    if progress.empty:
        return {}
    ordered = progress.sort_values(["period", "received_at"])
    mine: dict[Any, _Progress] = {}
    for project, when, milestone, pct in zip(ordered.project_id, ordered.period,
                                             ordered.milestone_id, ordered.pct_complete,
                                             strict=True):
        mine.setdefault(project, []).append((when, str(milestone), float(pct or 0.0)))
    return mine


_CHART_ROWS = 15  # the S-curve below a card's figures: 250 px in rows of 20 px, and a gap
_CARD_FIGURES = (("完工预算 BAC (万元)", "bac", "wan"), ("计划值 PV (万元)", "pv", "wan"),
                 ("挣值 EV (万元)", "ev", "wan"), ("实际成本 AC (万元)", "ac", "wan"),
                 ("进度绩效 SPI", "spi", "ratio"), ("成本绩效 CPI", "cpi", "ratio"),
                 ("完工估算 EAC (万元)", "eac", "wan"), ("完工偏差 VAC (万元)", "vac", "wan"))


_Sums = tuple[dict[str, float], dict[str, float]]  # plan, actual: month -> amount


def _monthly_sums(facts: pd.DataFrame) -> dict[Any, _Sums]:
    """Each project's plan and actual summed by month: one groupby for every card (the sum of
    a month's rows is pandas' groupby sum, the same whichever other groups there are)."""
    sums: dict[Any, _Sums] = {p: ({}, {}) for p in facts.project.unique()}
    if facts.empty:
        return sums
    grouped = facts.groupby(["project", "basis", "month"], sort=False).amount.sum()
    keys: Any = grouped.index
    for (project, basis, month), amount in zip(keys, grouped.to_list(), strict=True):
        plan, actual = sums[project]
        if basis == PLAN:
            plan[month] = float(amount)
        elif basis == ACTUAL:
            actual[month] = float(amount)
    return sums


def _curve(sums: _Sums | None, milestones: list[dict[Hashable, Any]],
           progress: _Progress | None, period: str, bac: float | None) -> pd.DataFrame:
    """Cumulative plan over the whole project, actual and earned value up to the period.
    `sums`: None for a project without facts."""
    if sums is None:
        return pd.DataFrame(columns=["month", "plan", "actual", "earned"])
    plan, actual = sums
    months = sorted(set(plan) | set(actual))
    # Summed one after the other, month by month, as numpy's cumsum adds
    spent = list(accumulate(actual.get(m, 0.0) for m in months))
    return pd.DataFrame({
        "month": months, "plan": list(accumulate(plan.get(m, 0.0) for m in months)),
        "actual": [float("nan") if month > period else a  # not yet spent: no point
                   for month, a in zip(months, spent, strict=True)],
        "earned": _earned(milestones, progress, months, period, bac)})


def _earned(milestones: list[dict[Hashable, Any]], progress: _Progress | None,
            months: list[str], period: str, bac: float | None) -> list[float | None]:
    if not bac or progress is None or not milestones:
        return [None] * len(months)
    weights = {m["milestone_id"]: m["weight"] for m in milestones}
    by_period: dict[str, list[tuple[str, float]]] = {}  # plain lists: a card per project
    for when, m, pct in progress:
        by_period.setdefault(when, []).append((m, pct))
    latest: dict[str, float] = {}
    out: list[float | None] = []
    for month in months:
        if month > period:
            out.append(None)
            continue
        latest.update(by_period.get(month, ()))
        out.append(sum(weights.get(m, 0.0) * pct for m, pct in latest.items()) * bac)
    return out
