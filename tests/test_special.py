"""Special reports: one per project with a major variance, pre-filled, injection-safe."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
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
    workbooks = [p.name for p in written if p.suffix == ".xlsx"]  # the .docx: test_written
    assert workbooks == [f"专项报告-{p}-2026-10.xlsx" for p in majors]
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
    [path] = [p for p in write_special_reports(demo_month, tmp_path)
              if "RE01-P01" in p.name and p.suffix == ".xlsx"]
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


def _type_assessment(path: Path, typed: dict[str, object]) -> None:
    wb = load_workbook(path)
    ws = wb.active
    for row in ws.iter_rows(min_col=1, max_col=1):
        label = str(row[0].value or "")
        for field, value in typed.items():
            if label.startswith(field):
                ws.cell(row[0].row, 2).value = value
    wb.save(path)


def test_a_typed_assessment_survives_reruns_and_a_project_leaving(
        demo_month: MonthResult, tmp_path: Path) -> None:
    from xltrack.report.special import NO_LONGER_MAJOR, read_assessment

    write_special_reports(demo_month, tmp_path)
    report = tmp_path / "专项报告-RE01-P01-2026-10.xlsx"
    typed = {"原因分析": "钢材价格上涨，总包单价调整",
             "对投资价值的影响": "IRR 下降约 0.8 个百分点", "纠偏措施": "=重新招标",
             "责任人": "张伟", "完成期限": dt.datetime(2026, 12, 31), "领导批示": "同意，按月报告"}
    _type_assessment(report, typed)
    for _ in range(2):
        write_special_reports(demo_month, tmp_path)
        assert read_assessment(report) == typed
    assert len(list((tmp_path / "backup").glob("专项报告-RE01-P01-2026-10-*.xlsx"))) >= 1
    with zipfile.ZipFile(report) as zf:  # "=重新招标" typed as text stays text
        assert b"<f>" not in zf.read("xl/worksheets/sheet1.xml")
    # A late correction removes RE01-P01's major variances: its report stays, marked.
    flags = demo_month.variances
    calmer = flags.assign(severity=flags.severity.where(flags.project != "RE01-P01",
                                                        "attention"))
    written = write_special_reports(replace(demo_month, variances=calmer), tmp_path)
    assert report in written and report.exists()
    assert read_assessment(report) == typed
    assert NO_LONGER_MAJOR in _text(report)


def test_a_sheet_added_to_a_special_report_is_carried_with_its_assessment(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """Operations keep their working in a sheet of the special report: every rewrite
    writes it again (values, formulas as formulas, widths), beside the carried assessment."""
    from xltrack.report.special import read_assessment

    write_special_reports(demo_month, tmp_path)
    report = tmp_path / "专项报告-RE01-P01-2026-10.xlsx"
    _type_assessment(report, {"原因分析": "钢材价格上涨"})
    wb = load_workbook(report)
    ws = wb.create_sheet("测算 Working")
    ws["A1"], ws["B1"], ws["B2"] = "调整后总投资", 1250.5, "=B1*1.05"
    ws.column_dimensions["A"].width = 30
    wb.save(report)
    for _ in range(2):
        write_special_reports(demo_month, tmp_path)
        wb = load_workbook(report)
        assert wb.sheetnames == ["专项报告", "测算 Working"]
        own = wb["测算 Working"]
        assert (own["A1"].value, own["B1"].value, own["B2"].value) == (
            "调整后总投资", 1250.5, "=B1*1.05")
        assert own.column_dimensions["A"].width == pytest.approx(30, abs=0.01)  # not widened
        assert read_assessment(report) == {"原因分析": "钢材价格上涨"}


def test_a_written_report_whose_project_left_is_rewritten_marked_with_its_assessment(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """The .docx no longer says a variance is major that no longer is: rewritten, marked in
    red, what was typed under its headings kept; a project never major gets none."""
    import docx

    from xltrack.report import written as w

    write_special_reports(demo_month, tmp_path)
    document = tmp_path / w.special_docx_name("RE01-P01", "2026-10", "zh")
    doc = docx.Document(str(document))
    heading = next(p for p in doc.paragraphs if p.text == "原因分析")
    placeholder = heading._p.getnext()
    placeholder.getparent().remove(placeholder)
    typed = doc.add_paragraph("钢材价格上涨")
    heading._p.addnext(typed._p)
    doc.save(str(document))
    kept = w.read_assessment(document, "zh")["原因分析"]
    assert kept == ["钢材价格上涨"]
    flags = demo_month.variances
    calmer = flags.assign(severity=flags.severity.where(flags.project != "RE01-P01",
                                                        "attention"))
    done = write_special_reports(replace(demo_month, variances=calmer), tmp_path)
    assert document in done
    texts = [p.text for p in docx.Document(str(document)).paragraphs]
    assert w.NO_LONGER_MAJOR["zh"] in texts
    assert w.read_assessment(document, "zh")["原因分析"] == kept
    assert list((tmp_path / "backup").glob(document.stem + "-*.docx"))
    never = [p for p in calmer.project.unique() if p not in set(flags[
        flags.severity == "major"].project)]
    assert not any((tmp_path / w.special_docx_name(p, "2026-10", "zh")).exists() for p in never)


def test_a_report_open_in_excel_is_not_replaced(demo_month: MonthResult,
                                                tmp_path: Path) -> None:
    write_special_reports(demo_month, tmp_path)
    report = tmp_path / "专项报告-RE01-P01-2026-10.xlsx"
    (tmp_path / "~$专项报告-RE01-P01-2026-10.xlsx").write_bytes(b"owner")
    before = report.read_bytes()
    written = write_special_reports(demo_month, tmp_path)
    assert report.read_bytes() == before
    assert report not in written and any(p.name.startswith("专项报告-RE01-P01-2026-10-")
                                          for p in written)


def test_the_assessment_typed_into_the_copy_written_while_open_is_carried(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """The special report was open, so the run wrote a copy beside it; the assessment typed
    into the copy reaches the next report, a field typed differently in both keeps both
    texts (said), and the copy goes to backup/. A picture on a sheet of theirs is said to
    stay behind."""
    from openpyxl.drawing.image import Image
    from PIL import Image as Picture

    from xltrack.report.special import read_assessment
    from xltrack.report.written import placement_notes

    write_special_reports(demo_month, tmp_path)
    report = tmp_path / "专项报告-RE01-P01-2026-10.xlsx"
    owner = tmp_path / f"~${report.name}"
    owner.write_bytes(b"owner")
    [copy] = [p for p in write_special_reports(demo_month, tmp_path)
              if p.name.startswith("专项报告-RE01-P01-2026-10-")]
    owner.unlink()
    _type_assessment(report, {"原因分析": "钢材价格上涨"})
    _type_assessment(copy, {"纠偏措施": "重新招标", "原因分析": "总包调价"})
    Picture.new("RGB", (8, 8), "red").save(tmp_path / "dot.png")
    wb = load_workbook(copy)
    wb.create_sheet("测算").add_image(Image(str(tmp_path / "dot.png")), "B2")
    wb["测算"]["A1"] = 1
    wb.save(copy)
    placement_notes()
    write_special_reports(demo_month, tmp_path)
    assert read_assessment(report) == {"原因分析": "钢材价格上涨 ｜ 总包调价",
                                       "纠偏措施": "重新招标"}
    assert load_workbook(report)["测算"]["A1"].value == 1
    notes = [n for n in placement_notes() if report.name in n or copy.name in n]
    assert any("differs" in n for n in notes) and any("moved to backup/" in n for n in notes)
    assert any("pictures" in n and "测算" in n for n in notes)
    assert not copy.exists() and (tmp_path / "backup" / copy.name).exists()


def test_a_report_whose_id_needed_a_safe_file_name_is_still_kept_and_marked(
        demo_month: MonthResult, tmp_path: Path) -> None:
    from xltrack.report.special import NO_LONGER_MAJOR, report_name

    flags = demo_month.variances
    slashed = flags.assign(project=flags.project.replace("RE01-P01", "RE01/P01"))
    projects = demo_month.consolidation.projects.assign(
        project=demo_month.consolidation.projects.project.replace("RE01-P01", "RE01/P01"))
    month = replace(demo_month, variances=slashed,
                    consolidation=replace(demo_month.consolidation, projects=projects))
    write_special_reports(month, tmp_path)
    report = tmp_path / report_name("RE01/P01", "2026-10")
    assert report.name == "专项报告-RE01_P01-2026-10.xlsx" and report.exists()
    calmer = slashed.assign(severity=slashed.severity.where(slashed.project != "RE01/P01",
                                                            "attention"))
    assert report in write_special_reports(replace(month, variances=calmer), tmp_path)
    assert NO_LONGER_MAJOR in _text(report)


def test_a_month_with_no_plan_on_file_writes_every_document(demo: Path, tmp_path: Path) -> None:
    """Monthly figures alone (the plans, budgets and forecasts not yet in the history): the
    earned-value figures a plan gives are unknown, shown as dashes, not a failed run."""
    from xltrack.monthly import run_month, write_month
    from xltrack.report.monitoring import report_name
    from xltrack.settings import load_register

    result = run_month(demo / "inbox" / "2026-10", load_register(demo / "register.json"),
                       "2026-10", tmp_path / "h.sqlite")
    assert not result.submissions.kind.isin(["plan", "budget", "forecast"]).any()
    written, _ = write_month(result, tmp_path / "out", tmp_path / report_name("2026-10"))
    workbooks = [p for p in written if p.name.startswith("专项报告-")]
    assert workbooks and all(p.exists() for p in written)
    ws = load_workbook(workbooks[0]).active
    labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert labels["挣值 EV"] == labels["进度绩效 SPI"] == "—"  # no schedule to earn against
