"""Files as an office moves them (issue 16): copies that reset file times, shuffled imports,
wrong month folders, 元 typed under 万元, codes typed loosely, early files, unreadable files.
Each case through the contract filler, with the exact finding and the other subsidiaries'
figures unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.conftest import Fill, cost_row
from xltrack import contract as c
from xltrack import store
from xltrack.arrival import folder_period, name_evidence, received_day
from xltrack.inbox import CheckResult, check_files
from xltrack.models import Reason, Severity
from xltrack.monthly import (
    MonthResult,
    month_from_store,
    prior_period_restatements,
    run_files,
    run_month,
)
from xltrack.report.feedback import FINDINGS_SHEET
from xltrack.report.report_data import build_report_data
from xltrack.settings import Register, load_register
from xltrack.variance import default_rules
from xltrack.workers import Isolation

PERIOD = "2026-10"
ONE = Isolation(workers=1)


def _month(inbox: Path, register: Register, db: Path, period: str = PERIOD,
           **kw: object) -> MonthResult:
    return run_month(inbox, register, period, db, isolation=ONE, **kw)  # type: ignore[arg-type]


def _figures(result: MonthResult, subsidiary: str) -> list[tuple[object, ...]]:
    f = result.consolidation.figures
    mine = f[(f.level == "subsidiary") & (f.key == subsidiary)]
    return sorted((r.indicator, r.basis, r.span, round(r.amount, 2)) for r in mine.itertuples())


def _board(result: MonthResult, subsidiary: str, kind: str = "monthly") -> dict[str, object]:
    s = result.status
    row: dict[str, object] = s[(s.subsidiary == subsidiary) & (s.kind == kind)].iloc[0].to_dict()
    return row


def _re02_unchanged(result: MonthResult) -> bool:
    """The other subsidiary's October (month_inbox) is what it sent, whatever else arrived."""
    return all(result.consolidation.figure("subsidiary", "RE02", "investment", "actual", span)
               == 250_000.0 for span in ("month", "ytd", "to_date"))


def _findings(result: MonthResult, file: str) -> list[dict[str, str]]:
    subs = result.submissions
    return [f for text in subs[subs.file == file].findings.drop_duplicates()
            for f in json.loads(text)]


def _month_of(register: Register, project: str) -> float:
    """The feasibility study's average month of a project, in yuan."""
    study = next(p for p in register.projects if p.id == project).feasibility
    months = (study.finish.year - study.start.year) * 12 + study.finish.month - study.start.month
    return round(study.total_investment / (months + 1), 2)


@pytest.fixture
def month_inbox(fill: Fill, tmp_path: Path) -> Path:
    """RE02's October, correct: the other subsidiary whose figures must not move."""
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row("RE02-P01", amount=250_000.0)]},
         name="inbox/2026-10/RE02-monthly-2026-10.xlsx", subsidiary="RE02")
    return tmp_path / "inbox"


# --- evidence, not file times -------------------------------------------------------------

def test_received_day_is_the_cover_date_capped_by_first_receipt() -> None:
    seen = "2026-12-02T01:00:00+00:00"
    assert received_day(dt.date(2026, 11, 4), seen) == "2026-11-04"
    assert received_day(dt.date(2027, 1, 4), seen) == "2026-12-02"  # not yet come: a slip
    assert received_day(None, seen) == "2026-12-02"


def test_folder_and_name_evidence() -> None:
    assert folder_period(Path("/x/inbox/2026-10/a/RE01.xlsx")) == "2026-10"
    assert folder_period(Path("/x/inbox/RE01.xlsx")) is None
    assert name_evidence("trd03-monthly-202610.xls", {"TRD03", "TRD0"}) == (
        "TRD03", "2026-10", "monthly")
    assert name_evidence("notes.xlsx", {"RE01"}) == (None, None, None)


def test_cp_r_and_cp_a_and_shuffled_imports_give_the_same_month(
        demo: Path, demo_month: MonthResult, tmp_path: Path) -> None:
    """cp -a keeps file times (the demo_month run); cp -r resets them to now. Read the
    cp -r copy once, store it as one run, and again one file per run in a shuffled order:
    figures, versions in force, statuses and restatements are the same all three times."""
    register = load_register(demo / "register.json")
    copy = tmp_path / "inbox"
    shutil.copytree(demo / "inbox", copy, copy_function=shutil.copyfile)  # cp -r
    checked = check_files([copy], register, PERIOD)
    together, one_by_one = tmp_path / "together.sqlite", tmp_path / "shuffled.sqlite"
    with store.open_store(together) as conn:
        store.import_submissions(conn, checked.submissions)
    shuffled = list(checked.submissions)
    random.Random(16).shuffle(shuffled)
    with store.open_store(one_by_one) as conn:
        for sub in shuffled:
            store.import_submission(conn, sub)
    views = [_view(demo_month)]
    for db in (together, one_by_one):
        with store.open_store(db) as conn:
            views.append(_view(month_from_store(conn, register, PERIOD, default_rules(),
                                                CheckResult([]), db)))
    assert views[0] == views[1] == views[2]
    status = demo_month.status
    assert list(status[status.status == "late"].subsidiary) == ["TRD02"]
    in_force = demo_month.submissions[demo_month.submissions.status == "accepted"]
    assert "RE03-monthly-2026-09-corrected.xlsx" in set(in_force.file)
    assert "RE03-monthly-2026-09.xlsx" not in set(in_force.file)


def _view(result: MonthResult) -> tuple[object, ...]:
    f = result.consolidation.figures
    figures = sorted((r.level, r.key, r.indicator, r.basis, r.span, round(r.amount, 2))
                     for r in f.itertuples())
    subs = result.submissions
    in_force = sorted(subs[subs.status == "accepted"].file)
    board = sorted(tuple(str(v) for v in r) for r in result.status[
        ["subsidiary", "kind", "status", "file", "received_at", "order_evidence"]].itertuples())
    r = result.restatements
    restated = sorted((x.file, x.project, x.item, x.month, x.old_amount, x.new_amount)
                      for x in r.itertuples())
    return figures, in_force, board, restated


def test_two_versions_of_one_day_received_together_are_a_finding_naming_both(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    before = _month(month_inbox, register, tmp_path / "before.sqlite")
    for name, amount in (("RE01-a.xlsx", 100_000.0), ("RE01-b.xlsx", 200_000.0)):
        fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=amount)]},
             name=f"inbox/2026-10/{name}")
    result = _month(month_inbox, register, tmp_path / "h.sqlite", feedback_dir=tmp_path / "fb")
    for name in ("RE01-a.xlsx", "RE01-b.xlsx"):
        [finding] = [f for f in _findings(result, name)
                     if f["reason"] == Reason.UNORDERED_VERSIONS]
        # The sender is told too: the feedback, written once the files are stored, says it.
        book = load_workbook(tmp_path / "fb" / name.replace(".xlsx", "-feedback.xlsx"))
        listed = [row[1].value for row in book[FINDINGS_SHEET].iter_rows(min_row=2)]
        assert Reason.UNORDERED_VERSIONS.value in listed
        assert finding["severity"] == Severity.WARNING
        assert "RE01-a.xlsx" in finding["message_en"] and "RE01-b.xlsx" in finding["message_en"]
        assert "later preparation date" in finding["message_en"]
    assert _board(result, "RE01")["order_evidence"] == "unordered"
    assert _figures(result, "RE02") == _figures(before, "RE02")
    # The one kept meanwhile is the same whichever was read first.
    subs = result.submissions
    chosen = set(subs[subs.status == "accepted"].file) & {"RE01-a.xlsx", "RE01-b.xlsx"}
    assert len(chosen) == 1


def test_an_older_version_arriving_later_is_stored_and_the_newer_stays_in_force(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    db = tmp_path / "h.sqlite"
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=300_000.0)]},
         name="inbox/2026-10/RE01-new.xlsx", xt_prepared_on=dt.date(2026, 11, 8))
    first = _month(month_inbox, register, db)
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=100_000.0)]},
         name="inbox/2026-10/RE01-old.xlsx", xt_prepared_on=dt.date(2026, 11, 3))
    result = _month(month_inbox, register, db)
    subs = result.submissions.set_index("file")
    assert subs.loc["RE01-old.xlsx", "status"] == "superseded"
    assert subs.loc["RE01-new.xlsx", "status"] == "accepted"
    [finding] = [f for f in _findings(result, "RE01-old.xlsx")
                 if f["reason"] == Reason.OLDER_VERSION]
    assert "RE01-new.xlsx stays in force" in finding["message_en"]
    [old] = [f for f in run_files(result) if f["file"] == "RE01-old.xlsx"]  # what run prints
    assert old["versions"] == [finding["message_en"]] and old["new"]
    assert _figures(result, "RE01") == _figures(first, "RE01")
    assert _re02_unchanged(result)


def test_lateness_is_the_cover_date_not_the_file_time(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=300_000.0)]},
                name="inbox/2026-10/RE01.xlsx", xt_prepared_on=dt.date(2026, 11, 14))
    on_time = dt.datetime(2026, 11, 2).timestamp()
    os.utime(path, (on_time, on_time))  # an old file time: a hint, it decides nothing
    result = _month(month_inbox, register, tmp_path / "h.sqlite")
    row = _board(result, "RE01")
    assert (row["status"], row["received_at"], row["prepared_on"]) == (
        "late", "2026-11-14", "2026-11-14")
    assert str(row["file_modified"]).startswith("2026-11-0")
    assert _board(result, "RE02")["status"] == "received" and _re02_unchanged(result)


# --- folder and cover ---------------------------------------------------------------------

def test_a_file_in_another_months_folder_is_refused_and_taken_once_moved(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    db = tmp_path / "h.sqlite"
    before = _month(month_inbox, register, tmp_path / "before.sqlite")
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=300_000.0)]},
                name="inbox/2026-10/RE01-monthly.xlsx", period="2026-09")
    result = _month(month_inbox, register, db)
    [finding] = [f for f in _findings(result, "RE01-monthly.xlsx")
                 if f["severity"] == Severity.ERROR]
    assert (finding["reason"], finding["sheet"], finding["cell"]) == (
        Reason.FOLDER_PERIOD, "封面", "B5")
    assert "move the file into the folder 2026-09" in finding["message_en"]
    row = _board(result, "RE01")
    assert (row["status"], row["attributed_by"]) == ("rejected", "cover code, folder month")
    assert _figures(result, "RE02") == _figures(before, "RE02")
    assert _figures(result, "RE01") == _figures(before, "RE01")  # September untouched
    # Moved into the month it names: the same bytes are looked at again and taken.
    (month_inbox / "2026-09").mkdir()
    path.rename(month_inbox / "2026-09" / path.name)
    again = _month(month_inbox, register, db)
    subs = again.submissions.set_index("file")
    assert subs.loc["RE01-monthly.xlsx", "status"] == "accepted"
    assert "looked at again and accepted" in subs.loc["RE01-monthly.xlsx", "notes"]
    assert len(again.submissions) == len(result.submissions)  # the record, not a second one
    # The report's board says it in words, in the report's zone; the codes in key columns.
    shanghai = ZoneInfo("Asia/Shanghai")
    board = build_report_data(result, dt.datetime.now(dt.UTC), zone=shanghai).status_sheet()
    [refused] = board[board["文件 File"] == "RE01-monthly.xlsx"].to_dict("records")
    assert refused["归属依据 Attributed by"] == "封面单位代码、月份文件夹"
    assert refused["code:attributed_by"] == "cover code, folder month"
    september = _month(month_inbox, register, db, "2026-09")  # the month it is now taken for
    board = build_report_data(september, dt.datetime.now(dt.UTC), zone=shanghai).status_sheet()
    [taken] = board[board["文件 File"] == "RE01-monthly.xlsx"].to_dict("records")
    day = str(subs.loc["RE01-monthly.xlsx", "notes"])[-10:]
    assert taken["备注 Note"] == f"曾被退回（文件夹与封面期间不符），{day} 重新审核后接收"
    assert (taken["版本依据 Version order"], taken["code:order_evidence"]) == ("首个版本", "first")
    assert taken["收到时间 Received"] == str(subs.loc["RE01-monthly.xlsx", "received_at"])
    first = dt.datetime.fromisoformat(str(subs.loc["RE01-monthly.xlsx", "imported_at"]))
    assert taken["首次收到 First received"] == (
        first.astimezone(shanghai).strftime("%Y-%m-%d %H:%M") + " CST (UTC+08:00)")
    english = build_report_data(september, dt.datetime.now(dt.UTC), lang="en").status_sheet()
    [taken] = english[english["文件 File"] == "RE01-monthly.xlsx"].to_dict("records")
    assert taken["备注 Note"] == (f"Rejected before (Folder and cover disagree); looked at again "
                                f"and accepted {day}")
    assert taken["版本依据 Version order"] == "First version"


def test_a_correction_of_an_earlier_month_is_a_prior_period_restatement(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    db = tmp_path / "h.sqlite"
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=300_000.0)]},
         name="inbox/2026-09/RE01-monthly-2026-09.xlsx", period="2026-09",
         xt_prepared_on=dt.date(2026, 10, 5))
    _month(month_inbox, register, db, period="2026-09")
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=312_345.0)]},
         name="inbox/2026-09/RE01-monthly-2026-09-fix.xlsx", period="2026-09",
         xt_prepared_on=dt.date(2026, 11, 6))
    result = _month(month_inbox, register, db)
    [r] = prior_period_restatements(result).itertuples()
    assert (r.file, r.superseded_file, r.month, r.project, r.old_amount, r.new_amount,
            r.cell) == ("RE01-monthly-2026-09-fix.xlsx", "RE01-monthly-2026-09.xlsx",
                        "2026-09", "RE01-P01", 300_000.0, 312_345.0, "C5")
    sheet = build_report_data(result, dt.datetime(2026, 11, 20)).restatements_sheet()
    assert list(sheet["前期更正 Prior period"]) == ["是"]
    assert list(sheet["表 Table"]) == ["实际投资"] and list(sheet["code:table"]) == ["ActualCost"]


def test_the_same_file_under_two_names_is_listed_twice_and_stored_once(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    """Sent twice (a copy renamed, in this run or an earlier one): every file of the inbox has
    its line in what `run` lists, the second saying which file it is the same as; the history
    holds it once; the figures are those of one file."""
    db = tmp_path / "h.sqlite"
    sent = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=300_000.0)]},
                name="inbox/2026-10/RE01-monthly-2026-10.xlsx")
    shutil.copy(sent, sent.with_name("RE01-monthly-2026-10 copy.xlsx"))
    result = _month(month_inbox, register, db)
    listed = {f["file"]: f for f in run_files(result)}
    assert {"RE01-monthly-2026-10.xlsx", "RE01-monthly-2026-10 copy.xlsx"} <= set(listed)
    twins = [f for f in listed.values() if f["same_as"] is not None]
    assert len(twins) == 1 and {twins[0]["file"], twins[0]["same_as"]} == {
        "RE01-monthly-2026-10.xlsx", "RE01-monthly-2026-10 copy.xlsx"}
    assert len(result.submissions[result.submissions.file.str.startswith("RE01-monthly")]) == 1
    shutil.copy(sent, sent.with_name("RE01-renamed.xlsx"))  # and again, a month later
    again = _month(month_inbox, register, db)
    [renamed] = [f for f in run_files(again) if f["file"] == "RE01-renamed.xlsx"]
    assert renamed["same_as"] is not None and not renamed["new"]


def test_an_older_copy_of_an_earlier_month_restates_nothing_in_force(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    """A version prepared the same day as the first, arriving after the correction: it goes in
    the chain of versions, the correction stays in force, and the run names no prior-period
    restatement (its figures changed nothing)."""
    db = tmp_path / "h.sqlite"
    for name, amount, day in (("RE01-monthly-2026-09.xlsx", 300_000.0, 5),
                              ("RE01-monthly-2026-09-fix.xlsx", 312_345.0, 6)):
        fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=amount)]},
             name=f"inbox/2026-09/{name}", period="2026-09",
             xt_prepared_on=dt.date(2026, 10, day))
        _month(month_inbox, register, db, period="2026-09")
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=310_000.0)]},
         name="inbox/2026-09/RE01-monthly-2026-09-old.xlsx", period="2026-09",
         xt_prepared_on=dt.date(2026, 10, 5))
    result = _month(month_inbox, register, db)
    assert prior_period_restatements(result).empty
    [older] = [f for f in _findings(result, "RE01-monthly-2026-09-old.xlsx")
               if f["reason"] == Reason.OLDER_VERSION]
    assert "RE01-monthly-2026-09-fix.xlsx" in older["message_en"]
    assert 312_345.0 in set(result.restatements.new_amount)  # the chain is still on record
    facts = result.facts
    assert set(facts[(facts.tbl == "ActualCost") & (facts.month == "2026-09")
                     & (facts.project == "RE01-P01")].amount) == {312_345.0}


# --- context rejections are not final (issue 17, deliverable 3) ---------------------------

def test_a_copy_also_saved_in_the_wrong_month_folder_leaves_the_file_taken_as_sent(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    """The same bytes in inbox/2026-10 and inbox/2026-09 in one run: the October copy is
    stored first, accepted as sent (no "refused, then looked at again"); the copy in the
    wrong folder is the one refused."""
    db = tmp_path / "h.sqlite"
    sent = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=300_000.0)]},
                name="inbox/2026-10/RE01-monthly-2026-10.xlsx")
    (month_inbox / "2026-09").mkdir(exist_ok=True)
    shutil.copy(sent, month_inbox / "2026-09" / sent.name)
    result = _month(month_inbox, register, db)
    row = _board(result, "RE01")
    assert (row["status"], row["file"]) == ("received", "RE01-monthly-2026-10.xlsx")
    assert "folder_period" not in str(row["note"]) and not row["note"]
    [stored] = result.submissions[result.submissions.file == sent.name].to_dict("records")
    assert stored["path"] == str(sent) and stored["status"] == "accepted"
    assert result.consolidation.figure("subsidiary", "RE01", "investment", "actual",
                                       "month") == 300_000.0
    def sent_digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    wrong = [s for s in result.checked.submissions if s.path.parent.name == "2026-09"]
    assert [f.reason for f in wrong[0].findings if f.severity is Severity.ERROR] == [
        Reason.FOLDER_PERIOD]
    # The run's list has a line for each copy: the refused one as the same bytes as the other.
    from xltrack.monthly import run_files

    lines = {f["path"]: f for f in run_files(result)}
    copy = lines[str(month_inbox / "2026-09" / sent.name)]
    assert copy["same_as"] == sent.name and copy["same_as_path"] == str(sent)
    again = _month(month_inbox, register, tmp_path / "h2.sqlite",
                   feedback_dir=tmp_path / "feedback")
    assert [p.name for p in (tmp_path / "feedback").iterdir()] == [
        "RE01-monthly-2026-10-feedback.xlsx"]  # the refused copy's: the other has none
    assert again.checked.feedback_of[sent_digest(sent)].exists()


def test_an_early_file_is_taken_by_the_run_of_the_month_it_names(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    db = tmp_path / "h.sqlite"
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=300_000.0)]},
         name="inbox/2026-11/RE01-monthly-2026-11.xlsx", period="2026-11",
         xt_prepared_on=dt.date(2026, 12, 1))
    october = _month(month_inbox, register, db)
    [finding] = [f for f in _findings(october, "RE01-monthly-2026-11.xlsx")
                 if f["severity"] == Severity.ERROR]
    assert finding["reason"] == Reason.WRONG_PERIOD
    november = _month(month_inbox, register, db, period="2026-11")
    row = _board(november, "RE01")
    assert (row["status"], row["file"]) == ("received", "RE01-monthly-2026-11.xlsx")
    assert "wrong_period" in str(row["note"])
    assert november.consolidation.figure("subsidiary", "RE01", "investment", "actual",
                                         "month") == 300_000.0
    assert _re02_unchanged(october)


# --- units --------------------------------------------------------------------------------

def test_yuan_typed_under_a_wan_cover_is_refused_naming_the_cells_and_can_be_accepted(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    db = tmp_path / "h.sqlite"
    before = _month(month_inbox, register, tmp_path / "before.sqlite")
    typical = _month_of(register, "RE01-P01")
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=typical),
                                         cost_row(code="0102", amount=1.0)]},
         name="inbox/2026-10/RE01-monthly-2026-10.xlsx", unit="万元")
    result = _month(month_inbox, register, db)
    [finding] = [f for f in _findings(result, "RE01-monthly-2026-10.xlsx")
                 if f["severity"] == Severity.ERROR]
    assert (finding["reason"], finding["sheet"], finding["cell"]) == (
        Reason.IMPLAUSIBLE_UNIT, "实际投资", "C5")
    assert "set the cover's unit to 元" in finding["message_en"]
    # … and names the cover's cell where the fix is made
    assert re.search(r"the cover's unit \(封面!B\d+\) is 万元", finding["message_en"])
    assert re.search(r"封面单位（封面!B\d+）是“万元”", finding["message_zh"])
    assert _board(result, "RE01")["status"] == "rejected"
    assert _figures(result, "RE02") == _figures(before, "RE02")
    accepted = _month(month_inbox, register, db, accept_units=["RE01-monthly-2026-10.xlsx"])
    [kept] = [f for f in _findings(accepted, "RE01-monthly-2026-10.xlsx")
              if f["reason"] == Reason.IMPLAUSIBLE_UNIT]
    assert kept["severity"] == Severity.WARNING
    assert _board(accepted, "RE01")["status"] == "received"


def test_a_month_near_its_plan_is_not_a_unit_slip(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    typical = _month_of(register, "RE01-P01")
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=round(typical / 10_000 * 3, 4))]},
         name="inbox/2026-10/RE01-monthly-2026-10.xlsx", unit="万元")
    result = _month(month_inbox, register, tmp_path / "h.sqlite")
    assert not [f for f in _findings(result, "RE01-monthly-2026-10.xlsx")
                if f["reason"] == Reason.IMPLAUSIBLE_UNIT]


# --- codes as typed -----------------------------------------------------------------------

def test_codes_typed_loosely_are_matched_with_one_warning_each(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    rows = [cost_row(" re01-p01", code, 100_000.0) for code in ("0101", "0102", "0201")]
    fill(c.Kind.MONTHLY, {"ActualCost": rows}, name="inbox/2026-10/re01.xlsx",
         subsidiary="ｒｅ01\u3000")
    result = _month(month_inbox, register, tmp_path / "h.sqlite")
    findings = _findings(result, "re01.xlsx")
    assert [(f["reason"], f["severity"], f["cell"]) for f in findings] == [
        (Reason.CODE_AS_TYPED, Severity.WARNING, "B4"),
        (Reason.CODE_AS_TYPED, Severity.WARNING, "A5")]
    assert findings[1]["message_en"].startswith("3 rows")
    assert _board(result, "RE01")["status"] == "received"
    assert "re01" not in set(result.status.subsidiary)
    assert result.consolidation.figure("subsidiary", "RE01", "investment", "actual",
                                       "month") == 300_000.0
    assert _re02_unchanged(result)


def test_an_unknown_subsidiary_code_is_one_finding_not_one_per_row(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    rows = [cost_row("RE01-P01", code, 100_000.0) for code in ("0101", "0102", "0201")]
    fill(c.Kind.MONTHLY, {"ActualCost": rows}, name="inbox/2026-10/RE01-monthly.xlsx",
         subsidiary="RE1")
    result = _month(month_inbox, register, tmp_path / "h.sqlite")
    errors = [f for f in _findings(result, "RE01-monthly.xlsx") if f["severity"] == "error"]
    assert [(f["reason"], f["cell"]) for f in errors] == [(Reason.UNKNOWN_SUBSIDIARY, "B4")]
    assert "3 rows" in errors[0]["message_en"]
    row = _board(result, "RE01")  # the file name shows whose it is
    assert (row["status"], row["attributed_by"]) == ("rejected", "file name, folder month")
    assert _re02_unchanged(result)


# --- an honest status board ---------------------------------------------------------------

def test_refused_files_are_rejected_where_their_evidence_puts_them(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    """An .xls (no cover to read) by its name and folder; a period typed 202610 by the
    cover's code and the folder: both "rejected" for October, neither "missing"."""
    (month_inbox / "2026-10" / "TRD03-monthly-2026-10.xls").write_bytes(b"\xd0\xcf\x11\xe0old")
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row("RE04-P01", amount=100_000.0)]},
         name="inbox/2026-10/monthly.xlsx", subsidiary="RE04", period="202610")
    result = _month(month_inbox, register, tmp_path / "h.sqlite")
    row = _board(result, "TRD03")
    assert (row["status"], row["file"]) == ("rejected", "TRD03-monthly-2026-10.xls")
    assert row["attributed_by"] == "file name, folder month"
    row = _board(result, "RE04")
    assert (row["status"], row["file"], row["attributed_by"]) == (
        "rejected", "monthly.xlsx", "cover code, folder month")
    assert not (result.status.subsidiary == "").any()  # no row without a subsidiary
    assert _re02_unchanged(result)


def test_the_summary_marks_a_rejected_month_instead_of_a_variance(
        demo_month: MonthResult) -> None:
    summary = build_report_data(demo_month, dt.datetime(2026, 11, 20)).summary
    projects = demo_month.consolidation.projects  # the summary shows the register's name
    name = projects[projects.subsidiary == "INF03"].subsidiary_name.iloc[0]
    inf03 = summary[summary["单位 Subsidiary"] == name]
    assert len(inf03) and set(inf03["本月数据 Month's figures"]) == {"被退回"}
    assert inf03["预算差异 Budget var %"].isna().all()
    others = summary[summary["单位 Subsidiary"] != name]
    assert set(others["本月数据 Month's figures"]) == {""}
    assert others["预算差异 Budget var %"].notna().all()


# --- the history's version 3 --------------------------------------------------------------

def test_a_version_2_history_gains_the_evidence_columns_and_keeps_its_facts(
        fill: Fill, month_inbox: Path, tmp_path: Path, register: Register) -> None:
    current = tmp_path / "v3.sqlite"
    _month(month_inbox, register, current)
    old = tmp_path / "v2.sqlite"
    with closing(sqlite3.connect(old, isolation_level=None)) as conn:
        for script in store._MIGRATIONS[:2]:
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute("PRAGMA user_version=2")
        conn.execute("ATTACH DATABASE ? AS v3", (str(current),))
        for table in ("submissions", "records", "restatements", "amounts"):
            columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA main.table_info({table})"))
            conn.execute(f"INSERT INTO main.{table} SELECT {columns} FROM v3.{table}")
        conn.execute("DETACH DATABASE v3")
        facts = sorted(conn.execute("SELECT * FROM facts").fetchall())
    with store.open_store(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION == 3
        assert sorted(conn.execute("SELECT * FROM facts").fetchall()) == facts
        subs = store.submissions(conn)
    assert (subs.file_modified == subs.received_at).all()
    assert (subs.order_evidence == "").all() and (subs.notes == "").all()
    assert not pd.isna(subs.received_at).any()


# --- what run says --------------------------------------------------------------------------

def test_run_names_rejected_files_and_their_feedback_and_json_lists_every_file(
        fill: Fill, month_inbox: Path, tmp_path: Path) -> None:
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="1,2O0")]},
         name="inbox/2026-10/RE01-monthly-2026-10.xlsx")
    (month_inbox / "2026-10" / "TRD03-monthly-2026-10.xls").write_bytes(b"\xd0\xcf\x11\xe0")

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "xltrack", *extra, "run", "--period", PERIOD, "--inbox",
             str(month_inbox), "--db", str(tmp_path / "h.sqlite"), "--out",
             str(tmp_path / "out"), "--workers", "1"], capture_output=True, text=True,
            timeout=300)

    text = run()
    assert text.returncode == 1, text.stderr
    feedback = tmp_path / "out" / "feedback"
    assert (f"rejected: RE01-monthly-2026-10.xlsx (RE01 monthly 2026-10, 1 errors) feedback: "
            f"{feedback / 'RE01-monthly-2026-10-feedback.xlsx'}") in text.stdout
    assert "rejected: TRD03-monthly-2026-10.xls (TRD03 monthly 2026-10" in text.stdout
    assert f"feedback workbooks for the senders: {feedback}" in text.stdout
    again = json.loads(run("--json").stdout)  # a second run: every file, none read again
    files = {f["file"]: f for f in again["files"]}
    assert set(files) == {"RE01-monthly-2026-10.xlsx", "TRD03-monthly-2026-10.xls",
                          "RE02-monthly-2026-10.xlsx"}
    re01 = files["RE01-monthly-2026-10.xlsx"]
    assert (re01["status"], re01["subsidiary"], re01["period"], re01["kind"], re01["findings"],
            re01["new"]) == ("rejected", "RE01", "2026-10", "monthly", 1, False)
    assert files["RE02-monthly-2026-10.xlsx"]["status"] == "accepted"
    assert files["TRD03-monthly-2026-10.xls"]["subsidiary"] == "TRD03"
    assert again["status"]["rejected"] == 2


def test_every_file_and_its_evidence_is_written_beside_the_status_board(
        demo_month: MonthResult, tmp_path: Path) -> None:
    from xltrack.monthly import write_outputs

    written = write_outputs(demo_month, tmp_path)
    [csv] = [p for p in written if p.name == "submissions-2026-10.csv"]
    files = pd.read_csv(csv, encoding="utf-8-sig").set_index("file")
    original, corrected = (files.loc[f"RE03-monthly-2026-09{s}.xlsx"] for s in ("",
                                                                               "-corrected"))
    assert (original.status, original.superseded_by) == (
        "superseded", "RE03-monthly-2026-09-corrected.xlsx")
    assert (corrected.status, corrected.order_evidence) == ("accepted", "later_prepared_on")
    assert corrected.prepared_on > original.prepared_on
    assert files.loc["INF03-monthly-2026-10.xlsx", "status"] == "rejected"
    assert len(files) == len(demo_month.submissions)  # the demo's every file, up to October


def test_a_budget_in_yuan_under_a_wan_cover_is_caught_against_the_feasibility_study(
        fill: Fill, register: Register) -> None:
    """Without a history (xltrack validate), a plan is judged against the study: a budget
    whose months add up to the study's total in 元, typed under a 万元 cover."""
    from xltrack.units import UnitCheck, check_units
    from xltrack.workers import examine

    study = next(p for p in register.projects if p.id == "RE01-P01").feasibility
    month = round(study.total_investment / 12, 2)
    row = {"project_id": "RE01-P01", "cost_code": "0101", "description": "土地出让金",
           "year": 2026, **{key: month for key in c.MONTH_KEYS}}
    sub = examine(fill(c.Kind.BUDGET, {"Budget": [row]}, unit="万元"), (register, PERIOD))
    check_units(sub, register, UnitCheck())
    [finding] = [f for f in sub.findings if f.reason is Reason.IMPLAUSIBLE_UNIT]
    assert (finding.severity, finding.cell) == (Severity.ERROR, "E5")
    assert "set the cover's unit to 元" in finding.message_en
    right = examine(fill(c.Kind.BUDGET, {"Budget": [{**row, **{
        key: round(month / 10_000, 6) for key in c.MONTH_KEYS}}]}, name="right.xlsx",
        unit="万元"), (register, PERIOD))
    check_units(right, register, UnitCheck())
    assert not [f for f in right.findings if f.reason is Reason.IMPLAUSIBLE_UNIT]
