"""The monitoring report: complete, exact to the cent, keeps what people typed, never lost."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xltrack import contract as c
from xltrack.monthly import MonthResult, run_month
from xltrack.report.monitoring import COMMENT_HEADER, KEY_HEADER, ORPHANS_SHEET, SUMMARY_SHEET
from xltrack.report.placement import TEMP_PREFIX
from xltrack.report.publish import publish_report
from xltrack.settings import Register

from .conftest import Fill, cost_row
from .fixture_group import PERIOD, fixture_register, write_fixture_inbox

GOLDEN = Path(__file__).parent / "golden" / "report-fixture.json"
RUN_TIME = dt.datetime(2026, 4, 8, 9, 30, tzinfo=dt.UTC)
SHEETS = ["封面 Cover", SUMMARY_SHEET, "差异 Variances", "报送 Submissions", "项目 Projects",
          "趋势 Trends", "审核 Findings", "更正 Restatements", "输入 Inputs"]


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _summary_header(rows: list[list[Any]]) -> tuple[int, int, int]:
    """The Summary's header row, and its key and Comments columns (0-based)."""
    header = next(i for i, r in enumerate(rows) if KEY_HEADER in r)
    return header, rows[header].index(KEY_HEADER), rows[header].index(COMMENT_HEADER)


def _summary_records(path: Path) -> list[dict[str, Any]]:
    rows = _rows(load_workbook(path, data_only=True)[SUMMARY_SHEET])
    header = next(i for i, r in enumerate(rows) if KEY_HEADER in r)
    keys = rows[header]
    records = []
    for r in rows[header + 1:]:
        if r[keys.index(KEY_HEADER)] is None:
            break
        records.append(dict(zip(keys, r, strict=False)))
    return records


def test_demo_report_is_complete_and_exact(demo_month: MonthResult, tmp_path: Path) -> None:
    path = publish_report(demo_month, tmp_path / "r.xlsx", RUN_TIME).placed.path
    wb = load_workbook(path)
    assert wb.sheetnames[:len(SHEETS)] == SHEETS
    with zipfile.ZipFile(path) as zf:
        charts = [n for n in zf.namelist() if re.match(r"xl/charts/chart\d+\.xml", n)]
        tables = [n for n in zf.namelist() if n.startswith("xl/tables/")]
    c_ = demo_month.consolidation
    majors = set(c_.projects[c_.projects.major].project)
    assert len(charts) == len(majors) + 1  # an S-curve per major project and the trend
    assert len(tables) == 6  # summary, variances, submissions, findings, restatements, inputs
    records = _summary_records(path)
    assert {r[KEY_HEADER] for r in records} == majors
    for r in records:
        pid = r[KEY_HEADER]
        for column, basis, span in (("完工预算 BAC (万元)", "plan", "at_completion"),
                                    ("累计实际 Actual to date (万元)", "actual", "to_date"),
                                    ("本年实际 Actual YTD (万元)", "actual", "ytd"),
                                    ("本年预算 Budget YTD (万元)", "plan", "ytd")):
            expected = c_.figure("project", pid, "investment", basis, span)
            assert round(r[column] * 10_000, 2) == expected, (pid, column)
    lights = {r[KEY_HEADER]: r["总体 Overall"] for r in records}
    assert lights["RE01-P01"] == 0 and lights["RE01-P02"] == 2  # red, green


def test_comments_are_carried_over_and_never_dropped(demo_month: MonthResult,
                                                    tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    publish_report(demo_month, target, RUN_TIME)
    typed: dict[str, Any] = {"RE01-P01": "已约谈项目公司，11月底前提交整改方案",
                             "INF02-P01": "=待董事会审议", "RE02-P01": 20261120}
    _type_comments(target, typed)
    typed = {k: v for k, v in typed.items() if k in {r[KEY_HEADER] for r in
                                                      _summary_records(target)}}
    assert "RE02-P01" in typed  # a number typed stays a number

    second = publish_report(demo_month, target, RUN_TIME)
    assert second.comments_kept == 3 and second.placed.backup is not None
    kept = {r[KEY_HEADER]: r[COMMENT_HEADER] for r in _summary_records(target)}
    assert {k: kept[k] for k in typed} == typed

    # The project leaves the summary: its comment moves to the orphaned sheet, not the bin.
    projects = demo_month.consolidation.projects.copy()
    projects.loc[projects.project == "RE01-P01", "major"] = False
    without = dataclasses.replace(demo_month, consolidation=dataclasses.replace(
        demo_month.consolidation, projects=projects))
    third = publish_report(without, target, RUN_TIME)
    assert third.orphaned == 1
    orphans = _rows(load_workbook(target)[ORPHANS_SHEET])
    assert ["RE01-P01", typed["RE01-P01"]] in [list(r[:2]) for r in orphans]
    # … and back again when the project returns.
    publish_report(demo_month, target, RUN_TIME)
    kept = {r[KEY_HEADER]: r[COMMENT_HEADER] for r in _summary_records(target)}
    assert kept["RE01-P01"] == typed["RE01-P01"]
    assert ORPHANS_SHEET not in load_workbook(target).sheetnames


def test_submission_text_is_never_a_formula(fill: Fill, register: Register,
                                            tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://example.invalid/x","点击查看")'
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fill(c.Kind.MONTHLY, {
        "ActualCost": [cost_row(amount=hostile), cost_row(code="0102", amount=1.0,
                                                          remark="+cmd|' /C calc'!A0")],
        "Explanations": [{"project_id": "RE01-P01", "indicator": "investment",
                          "explanation": hostile}]}, name="inbox/RE01.xlsx")
    result = run_month(inbox, register, "2026-10", tmp_path / "h.sqlite")
    path = publish_report(result, tmp_path / "r.xlsx", RUN_TIME).placed.path
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = zf.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
        strings = zf.read("xl/sharedStrings.xml").decode()
    assert "HYPERLINK" in strings  # it is there, as text


def _golden_view(path: Path) -> dict[str, list[list[Any]]]:
    wb = load_workbook(path, data_only=True)
    view = {}
    for sheet in SHEETS[1:-1]:  # the cover and the inputs carry run times and file hashes
        view[sheet] = [[round(v, 6) if isinstance(v, float) else
                        v.isoformat() if isinstance(v, dt.date) else v for v in row]
                       for row in _rows(wb[sheet])]
    # The received day comes from the covers; the moment of the run and the file clock vary.
    board = view["报送 Submissions"]
    header = next(row for row in board if "首次收到 First received" in row)
    for label in ("首次收到 First received", "文件时间(仅参考) File time (hint)"):
        at = header.index(label)
        for row in board[board.index(header) + 1:]:
            row[at] = "…" if isinstance(row[at], str) and row[at][:2] == "20" else row[at]
    return view


def test_golden_report_of_the_fixture_group(tmp_path: Path) -> None:
    write_fixture_inbox(tmp_path)
    result = run_month(tmp_path / "inbox", fixture_register(), PERIOD, tmp_path / "h.sqlite")
    path = publish_report(result, tmp_path / "r.xlsx", RUN_TIME).placed.path
    view = json.loads(json.dumps(_golden_view(path), ensure_ascii=False, default=str))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(view, ensure_ascii=False, indent=1), encoding="utf-8")
    assert view == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_an_open_report_is_not_overwritten(demo_month: MonthResult, tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    publish_report(demo_month, target, RUN_TIME)
    before = target.read_bytes()
    (tmp_path / "~$r.xlsx").write_bytes(b"owner")  # Excel has it open
    placed = publish_report(demo_month, target, RUN_TIME).placed
    assert placed.redirected and placed.path != target and placed.path.exists()
    assert target.read_bytes() == before
    assert "open in Excel" in placed.notes[0]


def _type_comments(path: Path, comments: dict[str, Any]) -> None:
    """Comments typed into the Summary by project, a text as text (`=…` too, as Excel keeps
    a text typed after an apostrophe)."""
    wb = load_workbook(path)
    ws = wb[SUMMARY_SHEET]
    rows = _rows(ws)
    header, key_col, comment_col = _summary_header(rows)
    for i, r in enumerate(rows[header + 1:], start=header + 2):
        if r[key_col] in comments:
            ws.cell(i, comment_col + 1).value = comments[r[key_col]]
            if isinstance(comments[r[key_col]], str):
                ws.cell(i, comment_col + 1).data_type = "s"
    wb.save(path)


def test_comments_typed_into_the_copy_written_while_the_report_was_open_are_carried(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """The report was open in Excel, so the run wrote r-YYYYMMDD-HHMMSS.xlsx beside it and
    people typed into both: the next run carries what either holds, keeps both texts where
    they differ and says so, and moves the copy into backup/ (merged once, not again)."""
    target = tmp_path / "r.xlsx"
    publish_report(demo_month, target, RUN_TIME)
    (tmp_path / "~$r.xlsx").write_bytes(b"owner")
    copy = publish_report(demo_month, target, RUN_TIME).placed.path
    (tmp_path / "~$r.xlsx").unlink()  # Excel closed
    p1, p2, p3 = [r[KEY_HEADER] for r in _summary_records(target)][:3]
    _type_comments(target, {p2: "已约谈", p3: "按月跟踪"})
    _type_comments(copy, {p1: "11月底前整改", p3: "下月复核"})
    published = publish_report(demo_month, target, RUN_TIME)
    kept = {r[KEY_HEADER]: r[COMMENT_HEADER] for r in _summary_records(target)}
    assert (kept[p1], kept[p2], kept[p3]) == ("11月底前整改", "已约谈", "按月跟踪 ｜ 下月复核")
    notes = published.placed.notes
    assert any(p3 in n and copy.name in n and "differs" in n for n in notes)
    assert any(copy.name in n and "moved to backup/" in n for n in notes)
    assert not copy.exists() and (tmp_path / "backup" / copy.name).exists()
    again = publish_report(demo_month, target, RUN_TIME)
    assert again.placed.notes == []
    assert {r[KEY_HEADER]: r[COMMENT_HEADER] for r in _summary_records(target)} == kept


def test_a_copy_still_open_is_left_for_a_later_run(demo_month: MonthResult,
                                                   tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    publish_report(demo_month, target, RUN_TIME)
    (tmp_path / "~$r.xlsx").write_bytes(b"owner")
    copy = publish_report(demo_month, target, RUN_TIME).placed.path
    (tmp_path / "~$r.xlsx").unlink()
    (tmp_path / f"~${copy.name}").write_bytes(b"owner")  # the copy is the one open now
    assert publish_report(demo_month, target, RUN_TIME).placed.notes == []
    assert copy.exists()


KILLED_WRITE = """
import pathlib, sys, time
from xltrack.report import publish, monitoring
real = monitoring.write_report
def stall(path, *args):
    real(path, *args)
    pathlib.Path(sys.argv[2]).write_text("written, not yet moved")
    time.sleep(120)
publish.write_report = stall
import pickle
result = pickle.loads(pathlib.Path(sys.argv[3]).read_bytes())
publish.publish_report(result, pathlib.Path(sys.argv[1]))
"""


def test_killing_the_writer_leaves_the_previous_report(demo_month: MonthResult,
                                                       tmp_path: Path) -> None:
    import pickle

    target = tmp_path / "r.xlsx"
    publish_report(demo_month, target, RUN_TIME)
    before = target.read_bytes()
    state = tmp_path / "result.pickle"
    state.write_bytes(pickle.dumps(demo_month))
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITE, str(target), str(marker),
                              str(state)])
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert target.read_bytes() == before
    assert list(tmp_path.glob(f"{TEMP_PREFIX}*"))  # the killed writer's half-done file …
    publish_report(demo_month, target, RUN_TIME)
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))  # … is cleaned by the next run


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_command(tmp_path: Path, lang: str) -> None:
    from xltrack.settings import save_register

    write_fixture_inbox(tmp_path)
    save_register(fixture_register(), tmp_path / "register.json")
    db = tmp_path / "h.sqlite"
    run_month(tmp_path / "inbox", fixture_register(), PERIOD, db)
    out = subprocess.run([sys.executable, "-m", "xltrack", "report", "--period", PERIOD, "--db",
                          str(db), "--register", str(tmp_path / "register.json"), "--lang",
                          lang], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    name = "重大项目监控报告-2026-03.xlsx" if lang == "zh" else \
        "major-project-monitoring-2026-03.xlsx"
    assert (tmp_path / "reports" / name).exists()


def test_actions_sheet_lists_open_items_overdue_first(demo_month: MonthResult,
                                                     tmp_path: Path) -> None:
    from xltrack.actions import ActionItem, Source, Status
    from xltrack.report.monitoring import ACTIONS_SHEET

    def item(id_: str, due: dt.date, **kw: Any) -> ActionItem:
        return ActionItem(id=id_, source=Source.MINUTES, source_date=dt.date(2026, 4, 1),
                          content=f"事项{id_}", department=kw.pop("department", "运营管理部"),
                          person="王敏", original_deadline=due, deadline=due, **kw)
    items = [item("A", dt.date(2026, 5, 30)), item("B", dt.date(2026, 4, 1)),
             item("C", dt.date(2026, 4, 2), status=Status.DONE,
                  completed_on=dt.date(2026, 4, 2), evidence="纪要"),
             item("D", dt.date(2026, 3, 1), department="财务管理部")]
    path = publish_report(demo_month, tmp_path / "r.xlsx", RUN_TIME, actions=items).placed.path
    rows = _rows(load_workbook(path)[ACTIONS_SHEET])
    ids = [r[1] for r in rows[3:6]]
    assert ids == ["D", "B", "A"]  # overdue first, then by deadline; done items left out
    assert [r[0] for r in rows[3:6]] == ["overdue 逾期", "overdue 逾期", None]
    counts: dict[str, tuple[Any, ...]] = {}  # the first table of counts: per department
    for r in rows[8:]:
        if r[0] in ("运营管理部", "财务管理部"):
            counts.setdefault(r[0], tuple(r[1:3]))
    assert counts == {"运营管理部": (2, 1), "财务管理部": (1, 1)}


def test_the_findings_sheet_speaks_the_reports_language(demo_month: MonthResult) -> None:
    """A finding's field as the template names it and its message in the report's language
    alone; the codes (reason, severity, field key) in key columns."""
    from xltrack.report.report_data import build_report_data

    zh = build_report_data(demo_month, RUN_TIME).findings_sheet()
    assert "Message" not in zh.columns and len(zh)
    amount = zh[zh["code:key"] == "amount"].iloc[0]
    table = next(t for t in c.TABLES if amount["工作表 Sheet"] in (t.label_zh, t.label_en))
    assert amount["列 Key"] == next(col.label_zh for col in table.columns if col.key == "amount")
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in zh["说明 Message"])
    en = build_report_data(demo_month, RUN_TIME, lang="en").findings_sheet()
    raw = json.loads(demo_month.submissions.findings[demo_month.submissions.errors > 0].iloc[0])
    assert raw[0]["message_en"] in set(en["说明 Message"])
    assert set(en["code:reason"]) == set(zh["code:reason"])


def _add_own_sheet(target: Path) -> None:
    """What a clerk adds in Excel: a sheet of their own, with formats, a formula, a text
    that looks like one, a date, a merged title, a note, a width, frozen panes."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Border, Font, PatternFill, Side

    wb = load_workbook(target)
    ws = wb.create_sheet("我的分析")
    ws["A1"] = "operations' own sums"
    ws["A1"].font = Font(bold=True, color="FFC00000")
    ws["A1"].fill = PatternFill("solid", fgColor="FFFFFF00")
    ws["A1"].comment = Comment("核对人：王", "王")
    ws["A2"] = 12.5
    ws["A2"].number_format = "0.00"
    ws["A2"].border = Border(bottom=Side(style="thin"))
    ws["A3"] = "=A2*2+'汇总 Summary'!E4"
    ws["B1"] = "=HYPERLINK(\"http://x\")"
    ws["B1"].data_type = "s"  # typed as text: it stays text
    ws["A4"] = dt.datetime(2026, 11, 20)
    ws["A4"].number_format = "yyyy-mm-dd"
    ws.merge_cells("C1:D2")
    ws["C1"] = "合并标题"
    ws.column_dimensions["A"].width = 25
    ws.freeze_panes = "B2"
    wb.save(target)


def test_what_people_add_to_the_report_is_carried_into_the_next(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """A sheet of their own and a column of their own on the Summary come back in the new
    report, as typed and formatted; nothing is said to stay behind."""
    target = tmp_path / "r.xlsx"
    publish_report(demo_month, target, RUN_TIME)
    _add_own_sheet(target)
    wb = load_workbook(target)
    ws = wb[SUMMARY_SHEET]
    rows = _rows(ws)
    header, key_col, comment_col = _summary_header(rows)
    ws.cell(header + 1, comment_col + 2).value = "跟进人 Follow-up"
    ws.cell(header + 1, comment_col + 3).value = "约谈日期 Talk"
    follow = {}
    for i, r in enumerate(rows[header + 1:], start=header + 2):
        if not r[key_col]:
            break  # the table's end: the totals follow
        follow[r[key_col]] = f"李{i}"
        ws.cell(i, comment_col + 2).value = follow[r[key_col]]
    first = rows[header + 1][key_col]
    ws.cell(header + 2, comment_col + 3).value = dt.datetime(2026, 11, 18)
    wb.save(target)

    placed = publish_report(demo_month, target, RUN_TIME).placed
    assert placed.notes == [] and placed.backup is not None
    new = load_workbook(target)
    assert new.sheetnames[-1] == "我的分析" and new.sheetnames[:len(SHEETS)] == SHEETS
    own = new["我的分析"]
    assert own["A1"].value == "operations' own sums" and own["A1"].font.b
    assert own["A1"].font.color.rgb.endswith("C00000")
    assert own["A1"].fill.fgColor.rgb.endswith("FFFF00")
    assert own["A1"].comment is not None and "核对人：王" in own["A1"].comment.text
    assert own["A2"].value == 12.5 and own["A2"].number_format == "0.00"
    assert own["A2"].border.bottom.style == "thin"
    assert own["A3"].value == "=A2*2+'汇总 Summary'!E4" and own["A3"].data_type == "f"
    assert own["B1"].value == '=HYPERLINK("http://x")' and own["B1"].data_type == "s"
    assert own["A4"].value == dt.datetime(2026, 11, 20)
    assert [str(r) for r in own.merged_cells.ranges] == ["C1:D2"] and own["C1"].value == "合并标题"
    assert own.column_dimensions["A"].width == pytest.approx(25, abs=0.01)
    assert own.freeze_panes == "B2"
    records = {r[KEY_HEADER]: r for r in _summary_records(target)}
    assert {k: r["跟进人 Follow-up"] for k, r in records.items()} == follow
    assert records[first]["约谈日期 Talk"] == dt.datetime(2026, 11, 18)

    # The project leaves the summary: its values go to the orphaned sheet, and come back.
    projects = demo_month.consolidation.projects.copy()
    projects.loc[projects.project == first, "major"] = False
    without = dataclasses.replace(demo_month, consolidation=dataclasses.replace(
        demo_month.consolidation, projects=projects))
    assert publish_report(without, target, RUN_TIME).orphaned == 1
    orphans = _rows(load_workbook(target)[ORPHANS_SHEET])
    head = next(r for r in orphans if r and KEY_HEADER in r)
    row = next(r for r in orphans if r and r[0] == first)
    assert row[head.index("跟进人 Follow-up")] == follow[first]
    publish_report(demo_month, target, RUN_TIME)
    assert _summary_records(target)[0]["跟进人 Follow-up"] == follow[first]
    assert load_workbook(target)["我的分析"]["A1"].value == "operations' own sums"


def test_a_picture_in_a_sheet_of_their_own_is_said_to_stay_in_the_backup(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """The sheet's cells are carried; its picture is not, and the run says where it is."""
    from openpyxl.drawing.image import Image
    from PIL import Image as Picture

    target = tmp_path / "r.xlsx"
    publish_report(demo_month, target, RUN_TIME)
    _add_own_sheet(target)
    Picture.new("RGB", (20, 20), "red").save(tmp_path / "dot.png")
    wb = load_workbook(target)
    wb["我的分析"].add_image(Image(str(tmp_path / "dot.png")), "F5")
    wb.save(target)
    placed = publish_report(demo_month, target, RUN_TIME).placed
    [note] = placed.notes
    assert "我的分析" in note.zh and "图片" in note.zh and "pictures" in note
    assert placed.backup is not None
    assert placed.backup.name in note
    assert load_workbook(target)["我的分析"]["A1"].value == "operations' own sums"
    with zipfile.ZipFile(placed.backup) as zf:
        assert any(n.startswith("xl/media/") for n in zf.namelist())
    assert publish_report(demo_month, target, RUN_TIME).placed.notes == []  # said once


def test_a_table_or_picture_added_in_word_is_said_to_stay_in_the_backup(
        demo_month: MonthResult, tmp_path: Path) -> None:
    import docx

    from xltrack.monthly import write_special_reports
    from xltrack.report.written import placement_notes, special_docx_name

    write_special_reports(demo_month, tmp_path)
    placement_notes()
    document = tmp_path / special_docx_name("RE01-P01", "2026-10", "zh")
    doc = docx.Document(str(document))
    doc.add_table(rows=2, cols=2)
    doc.save(str(document))
    write_special_reports(demo_month, tmp_path)
    notes = [n for n in placement_notes() if document.name in n]
    assert len(notes) == 1 and "1 table(s)" in notes[0] and "backup/" in notes[0]


def test_a_column_named_like_comments_but_for_case_keeps_the_summary_a_table(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """An Excel table takes no two headers equal but for case: a column of theirs headed
    `备注 comments` comes back as `备注 comments 2`, and the Summary stays a table."""
    target = tmp_path / "r.xlsx"
    publish_report(demo_month, target, RUN_TIME)
    wb = load_workbook(target)
    ws = wb[SUMMARY_SHEET]
    rows = _rows(ws)
    header, _, comment_col = _summary_header(rows)
    ws.cell(header + 1, comment_col + 3).value = "备注 comments"
    ws.cell(header + 2, comment_col + 3).value = "另记"
    wb.save(target)
    publish_report(demo_month, target, RUN_TIME)
    first = _summary_records(target)[0]
    assert first["备注 comments 2"] == "另记"
    assert "Summary" in load_workbook(target)[SUMMARY_SHEET].tables
