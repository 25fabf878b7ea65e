"""Special reports: one per project with a major variance, pre-filled, injection-safe."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from xltrack.monthly import MonthResult, write_special_reports
from xltrack.report.special import write_special_report
from xltrack.variance import FLAG_COLUMNS


def _text(path: Path) -> str:
    ws = load_workbook(path).active
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_a_report_for_each_major_project(demo_month: MonthResult, tmp_path: Path) -> None:
    written = write_special_reports(demo_month, tmp_path)
    flags = demo_month.variances
    majors = sorted(set(flags[flags.severity == "major"].project))
    assert [p.name for p in written] == [f"专项报告-{p}-2026-10.xlsx" for p in majors]
    report = tmp_path / "专项报告-RE01-P01-2026-10.xlsx"
    text = _text(report)
    assert "INV-YTD" in text and "钢材价格上涨" in text  # the rule and the explanation
    for field in ("原因分析", "对投资价值的影响", "纠偏措施", "责任人", "完成期限"):
        assert field in text
    with zipfile.ZipFile(report) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())
    trend = load_workbook(report).active
    months = [c.value for c in trend["A"] if isinstance(c.value, str)
              and re.fullmatch(r"2026-\d\d", c.value)]
    assert months == [f"2026-{m:02d}" for m in range(1, 11)]
    assert "No explanation" in _text(tmp_path / "专项报告-RE02-P02-2026-10.xlsx")


def test_figures_are_shown_in_wan_to_the_cent(demo_month: MonthResult, tmp_path: Path) -> None:
    [path] = [p for p in write_special_reports(demo_month, tmp_path) if "RE01-P01" in p.name]
    flags = demo_month.variances
    ytd = flags[(flags.project == "RE01-P01") & (flags.rule_id == "INV-YTD")].iloc[0]
    values = [c.value for row in load_workbook(path).active.iter_rows() for c in row]
    assert ytd.actual / 10_000 in values and ytd.expected / 10_000 in values


def test_submission_text_never_becomes_a_formula(tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://example.invalid","点击")', "+1+1", "-2", "@SUM(A1)"]
    flags = pd.DataFrame([{k: None for k in FLAG_COLUMNS} | {
        "project": "X", "comparison": "actual_vs_plan", "indicator": "investment",
        "span": "ytd", "item": "", "severity": "major", "rule_id": "R", "rule": "r",
        "actual": 1.0, "expected": 2.0, "variance": -1.0, "variance_pct": -0.5,
        "explanation": text} for text in hostile])
    project = {"project": "X", "name": "=CMD()", "segment": "RE", "subsidiary": "S",
               "approved_investment": 1.0, "fs_total_investment": 1.0,
               "fs_start": dt.date(2026, 1, 1), "fs_finish": dt.date(2027, 1, 1)}
    path = write_special_report(tmp_path / "r.xlsx", "2026-10", project, flags,
                                pd.DataFrame(columns=["month", "actual", "plan"]), None)
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
        strings = zf.read("xl/sharedStrings.xml").decode()
    assert b"<f>" not in sheet and b"<f " not in sheet
    for text in hostile:
        assert text.replace('"', "&quot;") in strings or text in strings
