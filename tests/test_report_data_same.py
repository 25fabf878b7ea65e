"""The report data's faster ways give what the slower ones gave (issue 22, fourth round): the
summary's flags and earned value found once for every project against a filter of the whole
frame and a .loc per project, the findings taken from the two columns they use against a dict
per submission. The old ways are kept here as the references."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from xltrack.consolidate import ACTUAL, INVESTMENT, PLAN, Consolidation
from xltrack.monthly import MonthResult
from xltrack.report import report_data
from xltrack.report.report_data import _AREAS, _RANK, WAN, _fig, _month_not_in


def _summary_filtered(c: Consolidation, majors: pd.DataFrame, flags: pd.DataFrame,
                      ev: pd.DataFrame, card_rows: dict[str, int],
                      not_in: dict[str, str]) -> pd.DataFrame:
    """report_data._summary before the fourth round: a filter of the flags and .loc of the
    earned value per project."""
    rows = []
    slips = c.milestones.groupby("project").slip_days.max()
    for p in majors.to_dict("records"):
        pid = p["project"]

        def fig(indicator: str, basis: str, span: str, pid: str = pid) -> float:
            return _fig(c, "project", pid, indicator, basis, span)
        bac, ac = fig(INVESTMENT, PLAN, "at_completion"), fig(INVESTMENT, ACTUAL, "to_date")
        ytd_a, ytd_p = fig(INVESTMENT, ACTUAL, "ytd"), fig(INVESTMENT, PLAN, "ytd")
        sales_a, sales_p = fig("sales:AMOUNT", ACTUAL, "ytd"), fig("sales:AMOUNT", PLAN, "ytd")
        mine = flags[(flags.project == pid) & (flags.comparison != "missing_explanation")]
        lights = {area: min((_RANK[s] for s, i in zip(mine.severity, mine.indicator,
                                                        strict=True) if test(i)), default=2)
                  for area, test in _AREAS.items()}
        slip = slips.get(pid)
        gap = not_in.get(str(p["subsidiary"]), "")
        rows.append({
            "板块 Segment": p["segment"], "单位 Subsidiary": p["subsidiary"],
            "项目编号 Project": pid, "项目名称 Name": p["name"],
            "完工预算 BAC (万元)": bac / WAN, "累计实际 Actual to date (万元)": ac / WAN,
            "投资完成 % spent": report_data._ratio(ac, bac),
            "本年实际 Actual YTD (万元)": ytd_a / WAN, "本年预算 Budget YTD (万元)": ytd_p / WAN,
            "预算差异 Budget var %": None if gap else report_data._ratio(ytd_a - ytd_p, ytd_p),
            "本年销售 Sales YTD (万元)": sales_a / WAN,
            "本年预测 Forecast YTD (万元)": sales_p / WAN,
            "销售完成 Sales %": None if gap else report_data._ratio(sales_a, sales_p),
            "进度绩效 SPI": ev.loc[pid, "spi"] if pid in ev.index else None,
            "成本绩效 CPI": ev.loc[pid, "cpi"] if pid in ev.index else None,
            "最大延误 Worst slip (天)": None if slip is None or pd.isna(slip) else int(slip),
            **lights, "总体 Overall": min(lights.values()),
            "差异数 Flags": len(mine), "本月数据 Month's figures": gap,
            "详情 Detail": "", "_card_row": card_rows.get(pid, 1)})
    return pd.DataFrame(rows)


def _findings_per_dict(submissions: pd.DataFrame, period: str) -> pd.DataFrame:
    """report_data._findings before the fourth round: every submission as a dict."""
    rows = []
    for sub in submissions[(submissions.period == period) | submissions.period.isna()
                           ].drop_duplicates("sha256").to_dict("records"):
        for f in json.loads(sub["findings"]):
            rows.append({"文件 File": sub["file"], "级别 Severity": f["severity"],
                         "代码 Code": f["reason"], "工作表 Sheet": f["sheet"],
                         "单元格 Cell": f["cell"], "列 Key": f["key"], "填写值 Value": f["value"],
                         "说明 Message": f["message_zh"], "Message": f["message_en"]})
    columns = ["文件 File", "级别 Severity", "代码 Code", "工作表 Sheet", "单元格 Cell", "列 Key",
               "填写值 Value", "说明 Message", "Message"]
    return pd.DataFrame(rows, columns=columns)


def _arguments(result: MonthResult, flags: pd.DataFrame,
               ev: pd.DataFrame) -> tuple[Any, ...]:
    c = result.consolidation
    majors = c.projects[c.projects.major].sort_values(["segment", "subsidiary", "project"])
    rows = {pid: 3 + 7 * i for i, pid in enumerate(majors.project)}
    return c, majors, flags, ev, rows, _month_not_in(result.status, "zh")


def _awkward_flags(flags: pd.DataFrame) -> pd.DataFrame:
    """The month's flags with more of each kind: missing explanations (left out of the
    lights), a comparison that is missing, a flag of a project not in the register, a major
    project's flags all missing explanations."""
    extra = flags.iloc[:3].copy()
    extra["comparison"] = ["missing_explanation", None, "budget"]
    extra["project"] = [flags.project.iloc[0], flags.project.iloc[-1], "NOT-IN-REGISTER"]
    extra["severity"] = ["major", "attention", "major"]
    return pd.concat([flags, extra, extra.iloc[:1]], ignore_index=True)


@pytest.mark.parametrize("case", ["month", "awkward", "no earned value", "duplicate ev"])
def test_the_summary_is_the_one_filtered_per_project(demo_month: MonthResult,
                                                     case: str) -> None:
    flags = demo_month.variances
    ev = demo_month.earned_value.set_index("project")
    if case == "awkward":
        flags = _awkward_flags(flags)
        ev = ev.iloc[::2]  # every other project without earned value
    elif case == "no earned value":
        ev = ev.iloc[:0]
    elif case == "duplicate ev":
        ev = pd.concat([ev, ev.iloc[:2]])  # .loc gives a project's rows, not one value
    args = _arguments(demo_month, flags, ev)
    if case == "duplicate ev":
        fast, before = report_data._summary(*args), _summary_filtered(*args)
        assert [repr(v) for v in fast["进度绩效 SPI"]] == [repr(v) for v in before["进度绩效 SPI"]]
        fast, before = fast.drop(columns=["进度绩效 SPI", "成本绩效 CPI"]), before.drop(
            columns=["进度绩效 SPI", "成本绩效 CPI"])
    else:
        fast, before = report_data._summary(*args), _summary_filtered(*args)
    assert len(fast) > 5
    pd.testing.assert_frame_equal(fast, before, check_exact=True)


def test_the_findings_are_those_taken_per_dict(demo_month: MonthResult) -> None:
    subs = demo_month.submissions
    fast = report_data._findings(subs, demo_month.period)
    assert len(fast) >= 3
    pd.testing.assert_frame_equal(fast, _findings_per_dict(subs, demo_month.period),
                                  check_exact=True)
    for period in ("2026-01", "2030-01"):  # other months, and one without submissions
        pd.testing.assert_frame_equal(report_data._findings(subs, period),
                                      _findings_per_dict(subs, period), check_exact=True)
