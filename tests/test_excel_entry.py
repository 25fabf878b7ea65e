"""Every button's command, run end to end on the demo month through the file port."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xltrack.action_book import write_table
from xltrack.actions import ActionItem
from xltrack.control import CONTROL, PROJECTS, RESULTS, SEGMENTS, load_control
from xltrack.errors import RegisterError
from xltrack.excel import commands, entry
from xltrack.excel.build import build_workbook
from xltrack.excel.port import FilePort, _rewrite_rows, as_text
from xltrack.settings import load_register
from xltrack.variance import default_rules
from xltrack.words import COMPARISON, INDICATOR, word


def _control(folder: Path, demo: Path, **values: str) -> Path:
    settings = {"period": "2026-10", "inbox": str(demo / "inbox"), "output": "out",
                "database": "history.sqlite", **values}
    return build_workbook(folder / "xltrack.xlsm", load_register(demo / "register.json"),
                          default_rules(), settings)


def _sheet(path: Path, name: str) -> list[tuple[object, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(path)
    return [row for row in book[name].iter_rows(values_only=True)]


def _parts(path: Path, *names: str) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()
                if not names or any(n.startswith(p) for p in names)}


@pytest.fixture(scope="module")
def month(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FilePort]:
    """The control workbook after Validate inbox then Run month on the demo month."""
    folder = tmp_path_factory.mktemp("control")
    path = _control(folder, demo)
    port = FilePort(path)
    entry.validate_inbox(port)
    entry.run_month(port)
    return path, port


def test_run_month_writes_the_report_and_the_result_sheets(month: tuple[Path, FilePort],
                                                           demo: Path) -> None:
    path, port = month
    assert port.messages[0].startswith("xltrack: 2026-10: 12 个文件 files, 11 通过 accepted, "
                                       "1 退回 rejected")
    expected = json.loads((demo / "expected.json").read_text(encoding="utf-8"))
    majors = sorted({v["project"] for v in expected["major_variances"]})
    assert f"{len(majors)} 个重大差异项目" in port.messages[1]
    assert (path.parent / "out" / "重大项目监控报告-2026-10.xlsx").exists()
    assert len(list((path.parent / "out" / "special").glob("*.xlsx"))) == len(majors)
    # In the control workbook's language (中文 here): the codes as words.
    flags = _sheet(path, RESULTS["variances"].sheet)
    assert flags[0][0] == "项目 Project"
    major_rows = [r for r in flags[1:] if r[3] == "重大"]
    assert sorted((r[0], r[4], r[5]) for r in major_rows) == sorted(
        (v["project"], word(COMPARISON, v["comparison"]), word(INDICATOR, v["indicator"]))
        for v in expected["major_variances"])
    assert all(r[3] in ("重大", "关注") for r in flags[1:])
    assert {r[2] for r in flags[1:]} <= {s.name_zh for s in load_register(
        demo / "register.json").segments}
    slips = [r for r in flags[1:] if r[4] == "里程碑延误"]
    assert slips and all(str(r[7]).startswith("M") for r in slips)
    submissions = _sheet(path, RESULTS["submissions"].sheet)
    assert len(submissions) - 1 == len(expected["files"])
    assert {r[4] for r in submissions[1:]} == {"已接收", "被退回"}
    assert {r[2] for r in submissions[1:]} <= {"进度计划", "投资预算", "销售预测", "月报"}
    files = {Path(f["file"]).name: f for f in expected["files"]}
    accepted = [r for r in submissions[1:] if r[4] != "被退回"]
    assert len(accepted) == len(submissions) - 2
    for r in accepted:  # each file's subsidiary and period, from its header
        want = files[Path(str(r[0])).name]
        assert (r[1], r[3]) == (want["subsidiary"], want["period"]), r
    rejected = [r for r in submissions[1:] if r[4] == "被退回"]
    assert len(rejected) == 1 and rejected[0][5] >= 1 and "!" in rejected[0][7]
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", rejected[0][7].split(": ", 1)[1])  # 中文
    summary = {r[0]: r[1] for r in _sheet(path, RESULTS["summary"].sheet)[1:]}
    assert summary["期间 Period"] == "2026-10"
    assert "报送状态 Status: 已报送" in summary and "差异 Variances: 重大" in summary
    assert "集团投资 Group investment: 实际 开工累计" in summary
    assert summary["重大差异项目 Projects with a major variance"] == len(majors)


def test_the_settings_buttons_and_code_are_untouched_by_a_run(month: tuple[Path, FilePort],
                                                              demo: Path,
                                                              tmp_path: Path) -> None:
    path, _ = month
    fresh = _control(tmp_path, demo)
    results = {s.sheet for s in RESULTS.values()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = load_workbook(fresh).sheetnames
    kept = [f"xl/worksheets/sheet{i}.xml" for i, n in enumerate(names, 1) if n not in results]
    before, after = _parts(fresh), _parts(path)
    for part in [*kept, "xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml",
                 "customUI/customUI14.xml", "_rels/.rels", "xl/styles.xml", "xl/tables/"]:
        for name in before:
            if name.startswith(part):
                assert after[name] == before[name], name


def test_the_other_buttons(month: tuple[Path, FilePort], demo: Path) -> None:
    path, _ = month
    port = FilePort(path)
    entry.open_report(port)
    assert port.opened == [path.parent / "out" / "重大项目监控报告-2026-10.xlsx"]
    assert port.messages == []  # opening says nothing unless it fails
    entry.special_reports(port)
    assert "份专项报告 Wrote" in port.messages[-1]
    entry.generate_templates(port)
    assert len(list((path.parent / "out" / "templates").glob("*.xlsx"))) == 10
    entry.check_settings(port)
    assert port.messages[-1] == ("xltrack: 设置无误 Settings are valid: 3 segments, 12 "
                                 "subsidiaries, 40 projects (29 major), 23 rules.")


def test_key_work_follow_ups_lists_what_is_due(demo: Path, tmp_path: Path) -> None:
    path = _control(tmp_path, demo)
    port = FilePort(path)
    entry.key_work_follow_ups(port)
    # In the workbook's language (zh), its settings being read by then.
    assert "没有重点工作表" in port.messages[-1] and "未完成：" in port.messages[-1]
    today = dt.date.today()
    items = [ActionItem(id="KW-001", source="instruction", reference="", source_date=today,
                        project="RE01-P01", content="=HYPERLINK(\"http://x\")",
                        department="工程部", person="李", original_deadline=today,
                        deadline=today - dt.timedelta(days=3)),
             ActionItem(id="KW-002", source="instruction", reference="", source_date=today,
                        project="RE02-P01", content="later", department="财务部",
                        person="王", original_deadline=today,
                        deadline=today + dt.timedelta(days=200))]
    write_table(tmp_path / "key-work.xlsx", items, today)
    entry.key_work_follow_ups(port)
    assert "1 项待跟进" in port.messages[-1] and "1 项逾期" in port.messages[-1]
    rows = _sheet(path, RESULTS["actions"].sheet)[1:]
    assert [r[0] for r in rows] == ["KW-001"]
    assert rows[0][2] == '=HYPERLINK("http://x")'  # text, never a formula
    sheet = _parts(path, "xl/worksheets/")
    assert not any(b"<f>" in xml for xml in sheet.values())


def test_a_bad_setting_is_named_by_sheet_and_cell(demo: Path, tmp_path: Path) -> None:
    path = _control(tmp_path, demo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(path)
    projects, segments = book[PROJECTS.sheet], book[SEGMENTS.sheet]
    projects["D5"] = -5  # approved investment of the second project
    projects["F4"] = "soon"  # feasibility start of the first
    segments["D4"] = "five hundred million"
    control = book[CONTROL.sheet]
    [deadline] = [row for row in control.iter_rows() if row[0].value == "deadline_day"]
    deadline[1].value = 29  # the Control sheet's own settings are named by their cell too
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    with pytest.raises(RegisterError) as caught:
        load_control(FilePort(bad))
    problems = "\n".join(caught.value.problems)
    assert f"{CONTROL.sheet}!{deadline[1].coordinate} (deadline_day): " in problems
    assert "the settings have 4 problem(s)" in caught.value.text("en")
    assert "项目档案 Projects!D5 (approved_investment)" in problems
    assert "项目档案 Projects!F4 (fs_start): 'soon' is not a date" in problems
    assert "板块 Segments!D4 (major_threshold): 'five hundred million' is not a number" \
        in problems
    assert "Field required" not in problems  # the unreadable date is reported once
    port = FilePort(bad)
    entry.check_settings(port)
    assert port.messages[-1].startswith("xltrack: 设置有 ")
    assert "Projects!D5" in port.messages[-1]
    # Once the cells are right, a cross-reference is checked too.
    projects["D5"], projects["F4"], segments["D4"] = 1.0, dt.datetime(2025, 1, 1), 1.0
    deadline[1].value = 10
    projects["C6"] = "NOPE"
    book.save(bad)
    with pytest.raises(RegisterError) as caught:
        load_control(FilePort(bad))
    assert "names subsidiary 'NOPE', which is not in subsidiaries" in caught.value.problems[0]


def test_an_internal_error_becomes_a_message_and_a_log(demo: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = _control(tmp_path, demo)

    def broken(port: object, settings: object) -> str:
        raise RuntimeError("a bug")
    monkeypatch.setattr(commands, "check_settings", broken)
    port = FilePort(path)
    entry.check_settings(port)
    assert port.messages[-1].startswith("xltrack: 内部错误 Internal error.")
    log = Path(port.messages[-1].splitlines()[-1])
    assert "RuntimeError: a bug" in log.read_text(encoding="utf-8")


def test_cells_typed_beside_the_results_are_kept() -> None:
    from xltrack.control import RESULTS

    columns = RESULTS["summary"].columns
    sheet = ('<worksheet><dimension ref="A1:C1"/><cols><col min="2" max="2" width="9" '
             'style="3"/></cols><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             '<row r="2"><c r="A2"><v>1</v></c><c r="E2" t="s"><v>7</v></c></row>'
             '<row r="9"><c r="D9"><v>42</v></c></row></sheetData></worksheet>')
    out = _rewrite_rows(sheet, columns, [["a", 2.5, "=cmd|' /C calc'!A0"]])
    assert '<c r="E2" t="s"><v>7</v></c>' in out and '<c r="D9"><v>42</v></c>' in out
    assert '<c r="A2"' in out and '<c r="B2" s="3"><v>2.5</v></c>' in out
    assert "<f>" not in out and 't="inlineStr"' in out
    assert '<dimension ref="A1:C9"/>' in out
    assert re.search(r'<row r="1">.*?</row>', out).group(0) == \
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'  # type: ignore[union-attr]
    assert as_text("=SUM(A1)") == "'=SUM(A1)" and as_text("plain") == "plain"


def test_the_cli_reads_the_same_control_workbook(demo: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from xltrack.cli import cli

    path = _control(tmp_path, demo)
    runner = CliRunner()
    rebuilt = tmp_path / "rebuilt.xlsm"
    done = runner.invoke(cli, ["build-workbook", str(rebuilt), "--control", str(path)])
    assert done.exit_code == 0, done.output
    assert rebuilt.read_bytes() == path.read_bytes()  # the settings carried over exactly
    done = runner.invoke(cli, ["templates", str(tmp_path / "t"), "--control", str(path),
                               "--kind", "budget", "--lang", "en"])
    assert done.exit_code == 0, done.output
    same = runner.invoke(cli, ["build-workbook", str(path), "--control", str(path)])
    assert "build into a new file" in str(same.exception)
