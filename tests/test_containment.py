"""No single file stops or poisons the month (issue 17): what is done for one file after
reading — its feedback copy, the names of its outputs, its storing — fails as that file's
finding; its numbers are plausible or refused; what leaves xltrack is safe to open."""

from __future__ import annotations

import os
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from xltrack import contract as c
from xltrack.inbox import check_files
from xltrack.models import Finding, Reason, Severity
from xltrack.monthly import MonthResult, run_month
from xltrack.reader import Submission
from xltrack.report import feedback
from xltrack.report.feedback import FINDINGS_SHEET, write_feedback
from xltrack.settings import Register
from xltrack.workers import Isolation

from .conftest import Fill, cost_row

COST = c.TABLES_BY_NAME["ActualCost"].label("zh")


def _rezip(path: Path, out: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            z.writestr(item, change(item.filename, zin.read(item.filename)))
    return out


def _cost_part(path: Path) -> str:
    """The worksheet part of the ActualCost sheet."""
    with zipfile.ZipFile(path) as z:
        return next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet")
                    and b">RE01-P01<" in z.read(n))


def _merged(path: Path) -> Path:
    """Merge & Center of the project ID with the one below, as accountants do."""
    wb = load_workbook(path)
    wb[COST].merge_cells("A5:A6")
    out = path.with_name("merged.xlsx")
    wb.save(out)
    return out


def _bad_utf8(path: Path) -> Path:
    part = _cost_part(path)
    return _rezip(path, path.with_name("utf8.xlsx"), lambda name, data: data.replace(
        b">RE01-P01<", b">RE01-P01\xff\xfe<", 1) if name == part else data)


def _bad_shared_string(path: Path) -> Path:
    part = _cost_part(path)

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        return re.sub(rb'<c r="D5"([^>]*) t="inlineStr"([^>]*)><is><t>[^<]*</t></is></c>',
                      rb'<c r="D5"\1 t="s"\2><v>99</v></c>', data)
    return _rezip(path, path.with_name("sst.xlsx"), change)


@pytest.mark.parametrize("damage", [_merged, _bad_utf8, _bad_shared_string],
                         ids=["merged-cell", "invalid-utf8", "shared-string-index"])
def test_a_file_openpyxl_cannot_copy_still_gets_its_feedback(
        fill: Fill, register: Register, tmp_path: Path,
        damage: Callable[[Path], Path]) -> None:
    good = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]}, name="good.xlsx")
    base = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(remark="备注"),
                                                cost_row(code="0102", amount="12x")]})
    hostile = damage(base)
    result = check_files([good, hostile], register, "2026-10", feedback_dir=tmp_path / "fb")
    [sub] = [s for s in result.submissions if s.path == hostile]
    [feedback] = result.feedback
    wb = load_workbook(feedback)
    listed = [row[1].value for row in wb[FINDINGS_SHEET].iter_rows(min_row=2)]
    assert len(listed) == len(sub.findings) and set(listed) >= {f.reason.value
                                                               for f in sub.findings}
    if damage is _merged:  # the copy is made, the note on the merged cell
        note = wb[COST]["A5"].comment
        assert note is not None and "Project ID is required" in note.text
    else:  # openpyxl refuses their bytes: the findings alone, and the file is told so
        assert wb.sheetnames == [FINDINGS_SHEET]
        assert [f.severity for f in sub.findings if f.reason is Reason.FEEDBACK_FAILED] == [
            Severity.INFO]


def test_a_merged_cell_no_longer_stops_the_run(fill: Fill, register: Register,
                                               tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]}, name="inbox/good.xlsx")
    _merged(fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(), cost_row(code="0102")]},
                 name="inbox/base.xlsx")).rename(inbox / "merged.xlsx")
    (inbox / "base.xlsx").unlink()
    result = run_month(inbox, register, "2026-10", tmp_path / "h.sqlite", tmp_path / "fb")
    assert sorted(result.submissions.file) == ["good.xlsx", "merged.xlsx"]
    assert [p.name for p in result.checked.feedback] == ["merged-feedback.xlsx"]


def test_the_feedback_copy_keeps_their_formulas_as_text(fill: Fill, register: Register,
                                                        tmp_path: Path) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="12x")]})
    wb = load_workbook(path)
    ws = wb[COST]
    ws["H20"] = '=HYPERLINK("http://example.com/x","click")'
    ws["H21"] = "=cmd|' /c calc'!A0"
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    wb.defined_names["evil"] = DefinedName("evil", attr_text="=cmd|' /c calc'!A0")
    ws.conditional_formatting.add("H22", FormulaRule(formula=["cmd|' /c calc'!A0"]))
    evil = DataValidation(type="list", formula1="=cmd|' /c calc'!A0")
    ws.add_data_validation(evil)
    evil.add("H23")
    validations = len(ws.data_validations.dataValidation)
    kept = sorted(wb.defined_names)
    wb.save(path)
    [feedback] = check_files([path], register, "2026-10", feedback_dir=tmp_path / "fb").feedback
    copy = load_workbook(feedback)
    assert copy[COST]["H20"].value == '=HYPERLINK("http://example.com/x","click")'
    assert copy[COST]["H21"].data_type == "s" and copy[COST]["H21"].value.startswith("=cmd|")
    assert sorted(copy.defined_names) == [n for n in kept if n != "evil"]
    assert not copy[COST].conditional_formatting  # evaluated on opening: none kept
    assert len(copy[COST].data_validations.dataValidation) == validations - 1  # theirs only
    with zipfile.ZipFile(feedback) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    assert not [n for n, xml in parts.items() if b"<f>" in xml or b"<f " in xml]
    assert not [n for n, xml in parts.items()  # no DDE call in any formula Excel evaluates
                if re.search(rb"<(formula\d?|definedName)\b[^>]*>[^<]*cmd\|", xml)]


def test_their_own_table_named_findings_does_not_cost_the_copy(
        fill: Fill, register: Register, tmp_path: Path) -> None:
    from openpyxl.worksheet.table import Table

    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="12x")]})
    wb = load_workbook(path)
    wb[COST]["H30"], wb[COST]["H31"] = "their list", 1
    wb[COST].add_table(Table(displayName="Findings", ref="H30:H31"))
    wb.save(path)
    result = check_files([path], register, "2026-10", feedback_dir=tmp_path / "fb")
    [sub], [feedback] = result.submissions, result.feedback
    assert not [f for f in sub.findings if f.reason is Reason.FEEDBACK_FAILED]
    copy = load_workbook(feedback)
    assert COST in copy.sheetnames and "Findings" in copy[COST].tables
    assert list(copy[FINDINGS_SHEET].tables) == ["xltrack_Findings"]


def _findings(n: int) -> Submission:
    return Submission(path=Path("many.xlsx"), sha256="", size=0, findings=[Finding(
        severity=Severity.ERROR, reason=Reason.BAD_NUMBER, file="many.xlsx", sheet=COST,
        cell=f"C{i + 5}", value="12x", message_zh="不是数字", message_en="not a number")
        for i in range(n)])


def test_feedback_time_grows_linearly_with_the_findings(tmp_path: Path) -> None:
    """5,000 findings took 13 s (openpyxl's max_row scanned the sheet for each row), 35 times
    the time of 500. Linear, it is under 10 times (a workbook costs something however small);
    20 leaves room for a busy machine; the best of two runs each keeps a slow spell of a
    shared machine from looking like a quadratic writer."""
    timings = []
    for n in (500, 5000):
        best = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            write_feedback(_findings(n), tmp_path / f"{n}.xlsx", None)
            best = min(best, time.perf_counter() - started)
        timings.append(best)
    assert timings[1] < 20 * timings[0], timings
    rows = load_workbook(tmp_path / "5000.xlsx", read_only=True)[FINDINGS_SHEET].max_row
    assert rows == 5001


def test_beyond_the_bound_the_first_findings_are_listed_and_the_rest_counted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xltrack.report import feedback

    monkeypatch.setattr(feedback, "MAX_LISTED", 50)
    sub = _findings(120)
    warnings = [f.model_copy(update={"severity": Severity.WARNING}) for f in sub.findings[:100]]
    sub.findings[:100] = warnings  # 100 warnings, then 20 errors: the errors come first
    write_feedback(sub, tmp_path / "many.xlsx", None)
    rows = list(load_workbook(tmp_path / "many.xlsx")[FINDINGS_SHEET].iter_rows(
        min_row=2, values_only=True))
    assert len(rows) == 51 and [r[0] for r in rows[:20]] == ["错误 Error"] * 20
    assert rows[-1][0] == "提示 Info" and "70 more findings" in str(rows[-1][7])


def _slow_copy(sub: Submission) -> None:
    if "hang" in sub.path.name:
        time.sleep(60)
    if "abort" in sub.path.name:
        os.abort()
    raise AssertionError("not reached")


def test_a_feedback_copy_that_hangs_or_kills_its_worker_costs_only_its_file(
        fill: Fill, register: Register, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="12x")]}, name=name)
             for name in ("hang.xlsx", "abort.xlsx")]
    # The feedback task imports their_copy when it runs: patched where it is defined.
    monkeypatch.setattr(feedback, "their_copy", _slow_copy)  # workers fork after this
    started = time.monotonic()
    result = check_files(paths, register, "2026-10", tmp_path / "fb",
                         Isolation(workers=2, timeout_s=4))
    assert time.monotonic() - started < 30
    hang, abort = result.submissions
    # The copy ran out of its half of the time: the findings alone, and a note.
    assert [p.name for p in result.feedback] == ["hang-feedback.xlsx"]
    [note] = [f for f in hang.findings if f.reason is Reason.FEEDBACK_FAILED]
    assert note.severity is Severity.INFO and "time is up" in note.message_en
    # The worker died: no workbook, a warning; the file's own verdict is unchanged.
    [warning] = [f for f in abort.findings if f.reason is Reason.FEEDBACK_FAILED]
    assert warning.severity is Severity.WARNING and "died" in warning.message_en
    assert [f.reason for f in abort.findings if f.severity is Severity.ERROR] == [
        Reason.BAD_NUMBER]


@pytest.mark.parametrize(("unit", "typed", "refused"), [
    ("万元", 1e308, True),  # ×10,000 is infinity: it once broke every later run
    ("万元", 1e8, False), ("万元", 1.0000001e8, True),  # the bound is 1e12 yuan = 1e8 万元
    ("元", 1e12, False), ("元", -1e12 - 1, True), ("元", 1e300, True)])
def test_amounts_must_be_plausible(fill: Fill, register: Register, unit: str, typed: float,
                                   refused: bool) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(), cost_row(code="0102", amount=typed)]},
                unit=unit)
    [sub] = check_files([path], register, "2026-10").submissions
    found = [f for f in sub.findings if f.reason is Reason.OUT_OF_RANGE]
    if not refused:
        assert not found and not sub.has_errors
        return
    [finding] = found
    assert (finding.sheet, finding.cell, finding.severity) == (COST, "C6", Severity.ERROR)
    assert unit in finding.message_zh and "plausible" in finding.message_en


def test_the_history_refuses_a_non_finite_amount_and_the_run_goes_on(
        fill: Fill, register: Register, tmp_path: Path) -> None:
    """Whatever the checks let through, infinity is not stored: the file is stored as rejected
    with the reason, the other files as they are, and the history still sums."""
    from xltrack import store

    paths = [fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(project=f"{code}-P01")]},
                  name=f"f{i}.xlsx", subsidiary=code)
             for i, code in enumerate(("RE01", "RE02"))]
    subs = check_files(paths, register, "2026-10").submissions
    assert not any(s.has_errors for s in subs)
    subs[0].tables["ActualCost"].columns["amount"][0] = float("inf")  # past every check
    with store.open_store(tmp_path / "h.sqlite") as conn:
        store.import_submissions(conn, subs)
        stored = dict(conn.execute("SELECT file, status FROM submissions").fetchall())
        assert stored == {"f0.xlsx": "rejected", "f1.xlsx": "accepted"}
        assert conn.execute("SELECT COUNT(*) FROM amounts WHERE abs(amount) > 1e308"
                            ).fetchone()[0] == 0
        facts = store.facts_in_force(conn, "2026-10")
    assert facts.amount.tolist() == [1000.0]
    assert any("refused" in f.message_en for f in subs[0].findings)


def test_a_revision_beyond_64_bits_is_refused_and_stored_as_rejected(
        fill: Fill, register: Register, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    budget = [{"project_id": "RE01-P01", "cost_code": "0101", "year": 2026, "m10": 5.0}]
    fill(c.Kind.BUDGET, {"Budget": budget}, name="inbox/huge.xlsx", revision=1e30)
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]}, name="inbox/good.xlsx")
    result = run_month(inbox, register, "2026-10", tmp_path / "h.sqlite")
    status = dict(zip(result.submissions.file, result.submissions.status, strict=True))
    assert status == {"huge.xlsx": "rejected", "good.xlsx": "accepted"}
    [huge] = [s for s in result.checked.submissions if s.file == "huge.xlsx"]
    assert [(f.reason, f.key) for f in huge.findings if f.severity is Severity.ERROR][0] == (
        Reason.OUT_OF_RANGE, "xt_revision")


def test_an_existing_history_gets_the_guard_too(tmp_path: Path) -> None:
    from xltrack import store

    db = tmp_path / "h.sqlite"
    with store.open_store(db) as conn:
        conn.execute("DROP TRIGGER amounts_finite_insert")  # a history from before the guard
    with store.open_store(db) as conn, pytest.raises(Exception, match="not finite"):
        conn.execute("INSERT INTO submissions (id, path, file, sha256, size, received_at,"
                     " imported_at, status, errors, warnings, findings) VALUES"
                     " (1, 'p', 'f', 's', 0, 't', 't', 'accepted', 0, 0, '[]')")
        conn.execute("INSERT INTO amounts (submission_id, project, tbl, item, measure, sheet,"
                     " excel_row, month, letters, amount)"
                     " VALUES (1, 'P', 'ActualCost', 'i', 'AMOUNT', 's', 5, '2026-10', 'C',"
                     " 9e999)")


# Safe names and text (safe.py)

@pytest.mark.parametrize(("stem", "suffix", "expected"), [
    ("../../x", ".xlsx", "_.._.._x.xlsx"),
    ("a/b\\c", "", "a_b_c"), ("CON", ".xlsx", "_CON.xlsx"), ("con.txt", "", "_con.txt"),
    ("LPT9", "-feedback.xlsx", "_LPT9-feedback.xlsx"), ("..", "", "_"), ("", ".csv", "_.csv"),
    ("report. ", ".xlsx", "report.xlsx"), ('a<b>:"|?*', "", "a_b______"),
    ("tab\there\r\n", "", "tab_here__"), ("CONSOLE", "", "CONSOLE")])
def test_file_names_are_made_safe(stem: str, suffix: str, expected: str) -> None:
    from xltrack.safe import file_name

    assert file_name(stem, suffix) == expected


def test_file_names_are_bounded_in_bytes_at_a_character_boundary() -> None:
    from xltrack.safe import file_name, unique_names

    stem = "重" * 81  # 243 bytes: with -feedback.xlsx, 257
    name = file_name(stem, "-feedback.xlsx")
    assert len(name.encode()) <= 255 and name == "重" * 80 + "-feedback.xlsx"
    assert unique_names([stem, stem], "-feedback.xlsx") == [
        "重" * 80 + "-feedback.xlsx", "重" * 79 + "-2-feedback.xlsx"]
    assert unique_names(["A", "a", "A"]) == ["A", "a-2", "A-3"]  # Windows ignores case


def test_long_and_twin_file_names_get_their_own_feedback(fill: Fill, register: Register,
                                                         tmp_path: Path) -> None:
    long = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="12x")]},
                name="重" * 81 + ".xlsx")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    twins = [fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=f"{n}x")]},
                  name=f"{folder}/RE01.xlsx") for n, folder in enumerate("ab")]
    result = check_files([long, *twins], register, "2026-10", feedback_dir=tmp_path / "fb")
    assert [p.name for p in result.feedback] == [
        "重" * 80 + "-feedback.xlsx", "RE01-feedback.xlsx", "RE01-2-feedback.xlsx"]
    values = [load_workbook(p)[FINDINGS_SHEET]["F2"].value for p in result.feedback[1:]]
    assert values == ["0x", "1x"]  # neither overwrote the other


def test_special_reports_stay_in_their_folder_whatever_the_project_id(
        demo_month: MonthResult, tmp_path: Path) -> None:
    from dataclasses import replace

    from xltrack.monthly import write_special_reports

    flags = demo_month.variances
    majors = sorted(set(flags[flags.severity == "major"].project))
    assert len(majors) >= 3
    hostile = dict(zip(majors, ["../../x", "a/b", "a_b"], strict=False))

    def renamed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(project=frame.project.replace(hostile))

    result = replace(demo_month, variances=renamed(flags), history=renamed(demo_month.history),
                     earned_value=renamed(demo_month.earned_value),
                     consolidation=replace(demo_month.consolidation,
                                           projects=renamed(demo_month.consolidation.projects)))
    out = tmp_path / "out" / "special"
    written = write_special_reports(result, out)
    assert all(p.parent == out for p in written) and len(set(written)) == len(written)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert {"专项报告-.._.._x-2026-10.xlsx", "专项报告-a_b-2026-10.xlsx",
            "专项报告-a_b-2026-10-2.xlsx"} <= {p.name for p in written}


@pytest.mark.parametrize(("text", "safe"), [
    ("=1+1", "'=1+1"), (" =1+1", "' =1+1"), ("+86 571", "'+86 571"), ("-5", "'-5"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("＝1+1", "'＝1+1"),
    ("钢材价格上涨", "钢材价格上涨"), ("a=b", "a=b"), ("", "")])
def test_csv_text_excel_would_evaluate_gets_an_apostrophe(text: str, safe: str) -> None:
    from xltrack.safe import csv_text

    assert csv_text(text) == safe


def test_the_csv_exports_carry_no_formula(demo_month: MonthResult, tmp_path: Path) -> None:
    from dataclasses import replace

    from xltrack.monthly import write_outputs

    status = demo_month.status.copy()
    status["subsidiary"] = status.subsidiary.astype(object)
    status.loc[status.index[0], "subsidiary"] = ' =HYPERLINK("http://x","y")'
    status.loc[status.index[1], "subsidiary"] = "\t=cmd|' /c calc'!A0"
    written = write_outputs(replace(demo_month, status=status), tmp_path)
    frame = pd.read_csv(next(p for p in written if p.name.startswith("status-")),
                        encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame.subsidiary.iloc[0] == '\' =HYPERLINK("http://x","y")'
    assert frame.subsidiary.iloc[1] == "'\t=cmd|' /c calc'!A0"
    for path in written:
        fields = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        for column in fields.columns:
            assert not fields[column].str.lstrip(" ").str.match(r"[=+@\t\r]").any(), column


# A full disk at the backup and at the history's creation

def test_a_full_disk_during_the_backup_leaves_no_truncated_backup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import shutil

    from xltrack.report import placement

    target = tmp_path / "r.xlsx"
    target.write_bytes(b"the previous report " * 1000)

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "links not allowed here")  # FAT, some network shares

    def disk_fills(src: str | Path, dst: str | Path) -> None:
        Path(dst).write_bytes(Path(src).read_bytes()[:100])  # what a full disk leaves
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(shutil, "copy2", disk_fills)
    with pytest.raises(OSError, match="No space"):
        placement.place(target, lambda temp: temp.write_bytes(b"the new report"))
    assert target.read_bytes() == b"the previous report " * 1000
    assert list((tmp_path / "backup").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "r.xlsx"]  # no temp left


def test_the_backup_is_whole_and_the_report_replaced(tmp_path: Path) -> None:
    from xltrack.report import placement

    target = tmp_path / "r.xlsx"
    target.write_bytes(b"the previous report")
    placed = placement.place(target, lambda temp: temp.write_bytes(b"the new report"))
    assert placed.backup is not None and placed.backup.read_bytes() == b"the previous report"
    assert target.read_bytes() == b"the new report"


@pytest.mark.parametrize("links", [True, False])
def test_three_writes_in_one_second_keep_every_previous_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool) -> None:
    """A warm button pressed twice within a second: each previous file gets its own backup
    (-2, -3), with or without hard links; none is written over."""
    import errno

    from xltrack.report import placement

    if not links:
        def no_links(src: object, dst: object) -> None:
            raise OSError(errno.EPERM, "links not allowed here")
        monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"typed by a person")
    kept = []
    for n in range(3):
        placed = placement.keep_backup(target, "20261203-113002")
        kept.append(placed.name)
        temp = tmp_path / "new.tmp"  # as place() puts the new file in: another inode
        temp.write_bytes(f"written by xltrack {n}".encode())
        os.replace(temp, target)
    assert kept == ["r-20261203-113002.xlsx", "r-20261203-113002-2.xlsx",
                    "r-20261203-113002-3.xlsx"]
    assert (tmp_path / "backup" / kept[0]).read_bytes() == b"typed by a person"
    assert (tmp_path / "backup" / kept[2]).read_bytes() == b"written by xltrack 1"


CREATE_ON_A_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from xltrack import store
from xltrack.errors import XltrackError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
for room in (1000, 8192):  # the first write of the file; the shared-memory index of the WAL
    resource.setrlimit(resource.RLIMIT_FSIZE, (room, 8192))  # like `ulimit -f`
    try:
        store.connect(Path(sys.argv[1]) / f"h{room}.sqlite")
    except XltrackError as exc:
        print(type(exc).__name__, exc)
"""


def test_a_full_disk_at_the_historys_creation_is_not_called_damage(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", CREATE_ON_A_FULL_DISK, str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert len(lines) == 2, (result.stdout, result.stderr)
    for line in lines:
        assert line.startswith("HistoryNotWritten") and "disk is full" in line
        assert "damaged" not in line and "backup" not in line


def test_feedback_is_written_by_spawned_workers_as_on_windows(
        fill: Fill, register: Register, tmp_path: Path) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="12x")]})
    result = check_files([path], register, "2026-10", tmp_path / "fb",
                         Isolation(workers=1, start_method="spawn"))
    [feedback] = result.feedback
    assert COST in load_workbook(feedback).sheetnames  # their copy, marked
    assert not [f for s in result.submissions for f in s.findings
                if f.reason is Reason.FEEDBACK_FAILED]


def test_the_status_csv_gives_revisions_as_whole_numbers(demo_month: MonthResult,
                                                         tmp_path: Path) -> None:
    """A missing file has no revision; the others' are 1, not 1.0, beside it."""
    from dataclasses import replace

    from xltrack.monthly import write_outputs

    status = demo_month.status.copy()
    status["revision"] = status.revision.astype(object)
    status.loc[status.index[0], ["status", "file", "revision"]] = ["missing", "", None]
    written = write_outputs(replace(demo_month, status=status), tmp_path)
    frame = pd.read_csv(next(p for p in written if p.name.startswith("status-")),
                        encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert set(frame.revision) <= {""} | {str(n) for n in range(1, 1000)}
    assert "1" in set(frame.revision)
