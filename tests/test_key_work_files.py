"""The key-work table as a file people keep: nothing they typed is lost, the formulas are live.

Every cell a user owns is compared value for value and format for format with openpyxl after
--track and roll-over; LibreOffice recalculates the table's own formulas and they must equal
what `xltrack actions` says.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from xltrack.action_book import current_table, load_key_work, track_major_variances, write_table
from xltrack.action_month import close_month
from xltrack.action_table import SHEET, TABLE, read_key_work
from xltrack.actions import ActionItem, Note, Source, Status
from xltrack.errors import UsageError
from xltrack.monthly import MonthResult
from xltrack.report.monitoring import ACTIONS_SHEET
from xltrack.report.publish import publish_report

D = dt.date
TODAY = D(2026, 11, 20)


def item(id_: str, due: dt.date, **kw: Any) -> ActionItem:
    data = {"id": id_, "source": Source.INSTRUCTION, "reference": "运营〔2026〕12号",
            "source_date": D(2026, 11, 2), "content": f"事项 {id_}", "department": "运营管理部",
            "person": "王敏", "original_deadline": due, "deadline": due, **kw}
    return ActionItem.model_validate(data)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltrack", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120)


def _users_table(path: Path) -> Path:
    """A table as a person leaves it: three items (one done), a column of their own inside
    the table with values and a fill, a comment, a bold content cell, an extra sheet, and the
    new deadlines typed before the 25th."""
    write_table(path, [item("KW-1", D(2026, 11, 30)),
                       item("KW-2", D(2026, 11, 10), status=Status.DONE,
                            completed_on=D(2026, 11, 9), evidence="验收单"),
                       item("KW-3", D(2026, 12, 15),
                            notes=(Note(on=D(2026, 11, 18), text="已电话督办"),))], TODAY)
    wb = load_workbook(path)
    ws = wb[SHEET]
    table = ws.tables[TABLE]
    ws["V3"] = "我的备注"  # a column of the user's own, inside the table
    table.ref = table.ref.replace("U", "V")
    table.autoFilter.ref = table.ref
    table.tableColumns.append(type(table.tableColumns[0])(id=22, name="我的备注"))
    for row, text in ((4, "催过两次"), (5, "已归档"), (6, "领导关注")):
        ws.cell(row, 22).value = text
        ws.cell(row, 22).fill = PatternFill("solid", fgColor="C6EFCE")
    ws["V6"].comment = Comment("下周再问", "李娜")
    ws["V7"] = "留给下个事项"  # only their own column: the row is not free for xltrack
    ws["G6"].font = Font(name="Microsoft YaHei", size=9, bold=True)
    ws["R4"] = D(2027, 1, 10)  # 新期限 of KW-1, typed before the 25th
    ws["R6"] = D(2027, 1, 31)
    ws["K6"].number_format = "yyyy年m月d日"  # 当前期限 of KW-3 in a date format of theirs
    extra = wb.create_sheet("我的统计")
    extra["A1"], extra["B2"] = "自己的表", 42
    wb.save(path)
    return path


def _cells(path: Path, sheet: str, rows: dict[int, int] | None = None,
           columns: range | None = None) -> dict[tuple[int, int], tuple[Any, ...]]:
    """Value, number format, font, fill and comment of every cell (row renumbered by `rows`)."""
    ws = load_workbook(path)[sheet]
    out = {}
    for row in ws.iter_rows():
        for c in row:
            if columns is not None and c.column not in columns:
                continue
            r = c.row if rows is None else rows.get(c.row)
            if r is None:
                continue
            out[r, c.column] = (c.value, c.number_format, c.font.b, c.fill.fgColor.rgb,
                                c.comment.text if c.comment else None)
    return out


USER_COLUMNS = range(1, 18)  # A–Q: what people type (R is 新期限, S–U formulas, V their own)


def test_track_changes_only_the_new_rows(tmp_path: Path) -> None:
    path = _users_table(tmp_path / "key-work.xlsx")
    before_main = _cells(path, SHEET)
    before_extra = _cells(path, "我的统计")
    flags = pd.DataFrame({"severity": ["major", "attention"], "project": ["RE01-P01", "X"],
                          "rule_id": ["INV-YTD", "R"], "subsidiary": ["RE01", "X"],
                          "comparison": ["actual_vs_plan", "actual_vs_plan"]})
    table, new = track_major_variances(path, flags, "2026-10", tmp_path, "王敏", today=TODAY)
    assert table == path and [i.id for i in new] == ["KW-2026-10-RE01-P01"]
    after = _cells(path, SHEET)
    for (r, c), cell in before_main.items():
        if r != 8 and c not in (19, 20, 21):  # row 8 was free: the new item; S–U formulas
            assert after[r, c] == cell, (r, c)
    assert after[8, 1][0] == "KW-2026-10-RE01-P01" and after[8, 9][0] == "王敏"
    assert after[8, 2][0] == "领导批示" and after[8, 13][0] == "未开始"  # the table's words
    assert _cells(path, "我的统计") == before_extra
    assert len(list((tmp_path / "backup").glob("key-work-*.xlsx"))) == 1
    assert [i.id for i in read_key_work(path).items] == ["KW-1", "KW-2", "KW-3",
                                                          "KW-2026-10-RE01-P01"]
    # what deviated in words; the rule's id in the variance column
    assert new[0].content == "落实 RE01-P01 重大差异（实际与计划）的纠偏措施并报告结果"
    assert new[0].variance == "RE01-P01 INV-YTD 2026-10"


def test_rollover_keeps_everything_people_typed_and_refuses_a_second_time(
        tmp_path: Path) -> None:
    path = _users_table(tmp_path / "key-work.xlsx")
    before_main, before_extra = _cells(path, SHEET), _cells(path, "我的统计")
    closed = close_month(path, "2026-11")
    nxt = tmp_path / "key-work-2026-12.xlsx"
    assert closed.table == nxt and closed.carried == ["KW-1", "KW-3"]
    assert closed.summary["done"] == ["KW-2"]
    # The closed table: the same cells, one sheet more (the summary), the old file in backup/.
    assert _cells(path, SHEET) == before_main and _cells(path, "我的统计") == before_extra
    summary = load_workbook(path)["月度小结 2026-11"]
    assert [c.value for c in summary[4]] == ["运营管理部", "王敏", 1, 0, 2, 0, 0]
    assert closed.closed.backup is not None and closed.closed.backup.exists()
    # Next month: KW-2's row (5) is gone, KW-3 moved up from 6 to 5, every cell of theirs kept.
    after = _cells(nxt, SHEET)
    owned_at_rollover = {11, 12, 17, 18, 19, 20, 21}  # K L Q R, and the formulas S T U
    for (r, c), cell in before_main.items():
        if r < 4 and (r, c) != (1, 1):  # above the items: all theirs but xltrack's title
            assert after[r, c] == cell, (r, c)
        elif r in (4, 6) and c not in owned_at_rollover:
            assert after[{4: 4, 6: 5}[r], c] == cell, (r, c)
    assert after[1, 1][0] == "重点工作跟踪表 Key-work tracking 2026-12"
    assert after[4, 11][0].date() == D(2027, 1, 10) and after[5, 11][0].date() == D(2027, 1, 31)
    assert (after[4, 11][1], after[5, 11][1]) == ("yyyy-mm-dd", "yyyy年m月d日")  # theirs kept
    assert after[4, 12][0] == "2026-11-30 → 2027-01-10 (agreed 2026-11-25)"
    assert (after[4, 17][0], after[4, 18][0]) == (1, None)
    assert after[5, 22][4] == "下周再问" and after[5, 22][0] == "领导关注"
    assert after[6, 1][0] is None  # the row below the last carried item is blank again
    assert _cells(nxt, "我的统计") == before_extra
    assert "月度小结 2026-11" not in load_workbook(nxt).sheetnames
    work = read_key_work(nxt)
    assert [(i.id, i.months_rolled, i.deadline) for i in work.items] == [
        ("KW-1", 1, D(2027, 1, 10)), ("KW-3", 1, D(2027, 1, 31))] and not work.problems
    # Every door now finds December's table from the name it always used.
    assert current_table(path) == nxt
    loaded = load_key_work(path)
    assert loaded is not None and loaded.path == nxt
    # A second roll-over of November refuses and changes nothing.
    files = {p: p.read_bytes() for p in tmp_path.rglob("*.xlsx")}
    with pytest.raises(UsageError, match="exists already and may hold edits"):
        close_month(path, "2026-11")
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.xlsx")} == files


def test_rollover_names_the_cells_still_to_fill_and_writes_nothing(tmp_path: Path) -> None:
    path = write_table(tmp_path / "kw.xlsx", [item("A", D(2026, 11, 30)),
                                              item("B", D(2026, 11, 30))], TODAY)
    wb = load_workbook(path)
    wb[SHEET]["R5"] = D(2026, 11, 20)  # before the cut-off
    wb.save(path)
    with pytest.raises(UsageError) as refused:
        close_month(path, "2026-11")
    text = str(refused.value)
    assert "Key work!R4: A 未完成" in text and "Key work!R5: 新期限填写为 2026-11-20" in text
    assert "must be after the cut-off 2026-11-25" in text
    assert not (tmp_path / "kw-2026-12.xlsx").exists() and not (tmp_path / "backup").exists()


def test_a_table_open_in_excel_is_not_touched(tmp_path: Path) -> None:
    path = _users_table(tmp_path / "key-work.xlsx")
    (tmp_path / "~$key-work.xlsx").write_bytes(b"owner")
    before = path.read_bytes()
    with pytest.raises(UsageError, match="open in Excel"):
        close_month(path, "2026-11")
    assert path.read_bytes() == before and not (tmp_path / "key-work-2026-12.xlsx").exists()


def test_three_bad_cells_still_give_the_whole_report(demo_month: MonthResult,
                                                     tmp_path: Path) -> None:
    path = write_table(tmp_path / "kw.xlsx", [item(f"KW-{n}", D(2026, 12, 1)) for n in range(4)],
                       TODAY)
    wb = load_workbook(path)
    ws = wb[SHEET]
    ws["K5"], ws["B6"], ws["I7"] = "下月底", "口头交办", None
    wb.save(path)
    work = load_key_work(path)
    assert work is not None
    published = publish_report(demo_month, tmp_path / "r.xlsx",
                               dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), actions=work)
    book = load_workbook(published.placed.path)
    assert {"汇总 Summary", "差异 Variances", "项目 Projects", ACTIONS_SHEET} <= set(
        book.sheetnames)
    rows = [[c.value for c in r] for r in book[ACTIONS_SHEET].iter_rows()]
    found = [r for r in rows if r[0] == "kw.xlsx"]
    assert [(r[1], r[2]) for r in found] == [("重点工作 Key work!K5", "下月底"),
                                            ("重点工作 Key work!B6", "口头交办"),
                                            ("重点工作 Key work!I7", None)]
    assert "来源只能是：领导批示、会议纪要、董事会决议" in found[1][3]
    assert [r[1] for r in rows if r[1] == "KW-0"] == ["KW-0"]  # the good row is still listed
    total = next(r for r in rows if r[0] == "合计 Total")  # the month per department/person
    assert total[2:7] == [0, 0, 1, 0, 0]  # only KW-0 could be read: open, not yet overdue
    assert any(str(r[0]).startswith("重点工作月度小结 Key-work month 2026-11") for r in rows)


def test_the_report_command_says_which_cells_to_correct(demo: Path, demo_month: MonthResult,
                                                        tmp_path: Path) -> None:
    path = write_table(tmp_path / "kw.xlsx", [item("KW-1", D(2026, 12, 1))], TODAY)
    wb = load_workbook(path)
    wb[SHEET]["M4"] = "finished"
    wb.save(path)
    result = _cli("report", "--period", "2026-10", "--db", str(demo_month.db), "--register",
                  str(demo / "register.json"), "--actions", str(path), "--out",
                  str(tmp_path / "r.xlsx"), "--lang", "zh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.xlsx").exists()
    assert "kw.xlsx 重点工作 Key work!M4: 状态填写为“finished”" in result.stderr


def test_an_english_table_offers_english_words_and_reads_chinese_ones(tmp_path: Path) -> None:
    result = _cli("actions", "init", "en.xlsx", "--lang", "en", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    wb = load_workbook(tmp_path / "en.xlsx")
    lists = sorted(str(v.formula1) for v in wb[SHEET].data_validations.dataValidation
                   if v.type == "list")
    assert lists == ['"instruction,minutes,resolution"', '"open,in progress,done"']
    ws = wb[SHEET]
    for column, value in zip("ABDGHIKM", ("E1", "会议纪要", TODAY, "中文也可", "运营管理部",
                                          "王敏", D(2026, 12, 1), "进行中"), strict=True):
        ws[f"{column}4"] = value
    wb.save(tmp_path / "en.xlsx")
    work = read_key_work(tmp_path / "en.xlsx")
    assert work.lang == "en" and not work.problems
    assert (work.items[0].source, work.items[0].status) == (Source.MINUTES, Status.IN_PROGRESS)


def test_an_unreadable_table_is_a_finding_not_a_stop(tmp_path: Path) -> None:
    path = tmp_path / "key-work.xlsx"
    path.write_bytes(b"not a workbook")
    work = load_key_work(path)
    assert work is not None and work.items == []
    assert "cannot open the key-work table" in str(work.problems[0])


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_recalculates_what_xltrack_actions_says(tmp_path: Path) -> None:
    today = dt.date.today()
    days = (2, 6, 7, 8, 20, 30, 31, 60)
    items = [item(f"D{n:02d}", today + dt.timedelta(days=n), source_date=today)
             for n in days]
    path = write_table(tmp_path / "key-work.xlsx", items, today)
    wb = load_workbook(path)
    ws = wb[SHEET]  # one row typed by hand, in Chinese, with a note two days old
    for column, value in zip("ABDGHIKMN", ("H01", "会议纪要", today - dt.timedelta(days=5),
                                           "手工录入", "财务管理部", "李娜",
                                           today + dt.timedelta(days=9), "进行中",
                                           f"{today - dt.timedelta(days=9)} 已通知\r\n"
                                           f"  {today - dt.timedelta(days=2)} 已督办\n\n"),
                             strict=True):
        ws[f"{column}12"] = value
    wb.save(path)
    out = tmp_path / "lo"
    subprocess.run([_soffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    computed = load_workbook(out / path.name, data_only=True)[SHEET]
    shown = _cli("actions", "--as-of", "today", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    said = {i["id"]: i for i in json.loads(shown.stdout)["items"]}
    assert sorted(said) == [*(f"D{n:02d}" for n in days), "H01"]
    for r in range(4, 13):
        key = computed.cell(r, 1).value
        follow_up = computed.cell(r, 20).value
        assert follow_up.date().isoformat() == said[key]["next_follow_up"], key
        assert (computed.cell(r, 21).value or "") == said[key]["flag"], key
    assert said["D08"]["next_follow_up"] == (today + dt.timedelta(days=3)).isoformat()
    # 最近联系 of the hand-typed row: its last note, past the \r\n, spaces and blank lines.
    assert computed.cell(12, 19).value.date() == today - dt.timedelta(days=2)
    assert read_key_work(path).items[-1].last_contact == today - dt.timedelta(days=2)


def test_an_older_table_without_last_contact_still_gets_live_formulas() -> None:
    from xltrack.action_table import COLUMNS, formulas
    from xltrack.actions import Cadence

    letters = {key: chr(65 + i) for i, (key, _, _) in enumerate(COLUMNS) if i < 18}
    letters |= {"next_follow_up": "S", "flag": "T"}  # the layout before 最近联系 existed
    live = formulas(letters, 9, Cadence())
    assert set(live) == {"next_follow_up", "flag"}
    assert "DATEVALUE" in live["next_follow_up"] and "N9" in live["next_follow_up"]
    assert formulas({"id": "A"}, 9, Cadence()) == {}  # nothing to compute from


def test_the_owner_typed_only_in_the_written_report_is_the_items_person(
        demo_month: Any, tmp_path: Path) -> None:
    """Operations typed the owner under 责任人 in Word, not in the workbook: --track takes it
    from there; the workbook's field, once typed, comes first."""
    import docx

    from xltrack.monthly import write_special_reports
    from xltrack.report.special import report_name
    from xltrack.report.written import special_docx_name

    write_special_reports(demo_month, tmp_path)
    document = tmp_path / special_docx_name("RE01-P01", "2026-10", "zh")
    doc = docx.Document(str(document))
    texts = [p.text for p in doc.paragraphs]
    doc.paragraphs[texts.index("责任人") + 1].text = "工程部 张伟"
    doc.save(str(document))
    flags = demo_month.variances
    _, new = track_major_variances(tmp_path / "key-work.xlsx", flags, "2026-10", tmp_path,
                                   "王敏", today=TODAY)
    assert {i.project: i.person for i in new}["RE01-P01"] == "工程部 张伟"
    assert {i.person for i in new if i.project != "RE01-P01"} == {"王敏"}
    wb = load_workbook(tmp_path / report_name("RE01-P01", "2026-10"))
    ws = wb.active
    row = next(r for r in ws.iter_rows(min_col=1, max_col=1) if str(r[0].value).startswith(
        "责任人"))[0].row
    ws.cell(row, 2).value = "李娜"
    wb.save(tmp_path / report_name("RE01-P01", "2026-10"))
    _, again = track_major_variances(tmp_path / "other.xlsx", flags, "2026-10", tmp_path,
                                     "王敏", today=TODAY)
    assert {i.project: i.person for i in again}["RE01-P01"] == "李娜"
