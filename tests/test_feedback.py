"""The feedback workbook: their own file, problem cells marked, every finding listed."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from xltrack import contract as c
from xltrack.inbox import check_files
from xltrack.report.feedback import FINDINGS_SHEET
from xltrack.settings import Register

from .conftest import Fill, cost_row


def test_feedback_marks_cells_and_keeps_notes(fill: Fill, register: Register,
                                              tmp_path: Path) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="12x"),
                                                cost_row(code="9999", remark="=HYPERLINK(1)")]})
    result = check_files([path], register, "2026-10", feedback_dir=tmp_path / "fb")
    [feedback] = result.feedback
    wb = load_workbook(feedback)
    assert wb.sheetnames[0] == FINDINGS_SHEET
    listing = wb[FINDINGS_SHEET]
    cells = {row[3].value for row in listing.iter_rows(min_row=2)}
    assert {"C5", "B6"} <= cells
    # Words for the accountant; the codes stay in the 代码 Code column only.
    assert {row[0].value for row in listing.iter_rows(min_row=2)} <= {
        "错误 Error", "警告 Warning", "提示 Info"}
    assert {row[1].value for row in listing.iter_rows(min_row=2)} >= {"bad_number"}
    sheet = wb[c.TABLES_BY_NAME["ActualCost"].label("zh")]
    assert sheet["C5"].comment is not None and "12x" in sheet["C5"].comment.text
    assert sheet["C5"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["D6"].data_type == "s" and sheet["D6"].value == "=HYPERLINK(1)"


def test_feedback_for_an_unreadable_file(tmp_path: Path, register: Register) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not,a,workbook\n1,2,3\n", encoding="utf-8")
    result = check_files([junk], register, feedback_dir=tmp_path / "fb")
    wb = load_workbook(result.feedback[0])
    assert wb.sheetnames == [FINDINGS_SHEET]
    assert wb[FINDINGS_SHEET]["B2"].value == "wrong_format"


def test_a_feedback_workbook_people_typed_into_is_never_lost(fill: Fill, register: Register,
                                                             tmp_path: Path) -> None:
    """The same file read again (refused for its context, so every run reads it) says the
    same: its feedback is left as it is, with what the clerk typed into it. A new version of
    the file under the same name gets new feedback, and the previous one is kept in backup/."""
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="12x")]}, name="RE01.xlsx")
    [feedback] = check_files([path], register, "2026-10", feedback_dir=tmp_path / "fb").feedback
    wb = load_workbook(feedback)
    wb[FINDINGS_SHEET]["H1"] = "已电话通知 王会计"
    wb.save(feedback)
    typed = feedback.read_bytes()
    check_files([path], register, "2026-10", feedback_dir=tmp_path / "fb")
    assert feedback.read_bytes() == typed  # the same said: untouched
    assert not (tmp_path / "fb" / "backup").exists()
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="13x")]}, name="RE01.xlsx")
    check_files([path], register, "2026-10", feedback_dir=tmp_path / "fb")
    assert "13x" in str([c.value for row in load_workbook(feedback)[FINDINGS_SHEET].iter_rows()
                         for c in row])
    [kept] = (tmp_path / "fb" / "backup").glob("RE01-feedback-*.xlsx")
    assert load_workbook(kept)[FINDINGS_SHEET]["H1"].value == "已电话通知 王会计"
