"""Key-work tracking on a calendar: follow-ups, the 25th cut-off, roll-over, closing."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xltrack.action_book import write_table
from xltrack.action_table import COLUMNS, SHEET, read_key_work, read_table
from xltrack.actions import (
    ActionItem,
    Cadence,
    Note,
    Source,
    Status,
    add_months,
    cadence_from,
    cutoff,
    follow_ups,
    is_due_soon,
    is_overdue,
    items_for_major_variances,
    month_summary,
    next_follow_up,
    parse_source,
    parse_status,
    rollover,
)
from xltrack.errors import UsageError
from xltrack.monthly import MonthResult

D = dt.date
TODAY = D(2026, 11, 20)
YEAR_END = D(2026, 12, 31)


def item(id_: str = "KW-1", due: dt.date = YEAR_END, **kw: object) -> ActionItem:
    data = {"id": id_, "source": Source.INSTRUCTION, "reference": "运营〔2026〕12号",
            "source_date": TODAY, "content": "督促项目公司提交整改方案", "department": "运营管理部",
            "person": "王敏", "original_deadline": due, "deadline": due, **kw}
    return ActionItem.model_validate(data)


@pytest.mark.parametrize(("days", "follow_up"), [
    (2, 2),  # due within a week: every 3 days, but never after the deadline
    (6, 3),  # within a week: every 3 days
    (7, 3),  # 7 days left counts as within a week
    (8, 3),  # 8 days left: weekly today, but in 1 day it enters the 3-day band, 3 days on
    (20, 7),  # within a month: weekly
    (31, 7),  # 31 days left counts as within a month
    (60, 29),  # monthly (20 Dec) — but on 19 Dec it is 31 days from the deadline: weekly
    (90, 30),  # monthly: 20 Nov → 20 Dec
])
def test_follow_up_dates(days: int, follow_up: int) -> None:
    due = TODAY + dt.timedelta(days=days)
    assert next_follow_up(item(due=due), TODAY) == TODAY + dt.timedelta(days=follow_up)


def test_follow_up_counts_from_the_last_note_and_chases_late_ones_today() -> None:
    noted = item(due=TODAY + dt.timedelta(days=20), source_date=D(2026, 11, 2),
                 notes=(Note(on=D(2026, 11, 18), text="已督办"),))
    assert next_follow_up(noted, TODAY) == D(2026, 11, 25)
    stale = item(due=TODAY + dt.timedelta(days=5), source_date=D(2026, 11, 1))
    assert next_follow_up(stale, TODAY) == TODAY
    assert follow_ups([noted, stale], TODAY) == [stale]


def test_overdue_and_due_soon() -> None:
    late = item("A", due=D(2026, 11, 19))
    soon = item("B", due=D(2026, 11, 27))
    far = item("C", due=D(2027, 1, 31))
    assert [is_overdue(i, TODAY) for i in (late, soon, far)] == [True, False, False]
    assert [is_due_soon(i, TODAY) for i in (late, soon, far)] == [False, True, False]
    assert follow_ups([far, soon, late], TODAY)[0] == late  # overdue first


def test_the_follow_up_date_does_not_move_as_the_days_pass() -> None:
    """Asked on any day before it, the next follow-up is the same day: the day an item enters
    a shorter band is foreseen, not discovered."""
    for days in (2, 6, 7, 8, 9, 10, 20, 30, 31, 32, 35, 38, 60):
        one = item(due=TODAY + dt.timedelta(days=days))
        first = next_follow_up(one, TODAY)
        for later in range(1, (first - TODAY).days + 1):
            assert next_follow_up(one, TODAY + dt.timedelta(days=later)) == first, days


def test_cadence_is_configurable() -> None:
    weekly = Cadence(near_days=14, near_every=7, month_days=60, month_every=14, cutoff_day=20)
    assert next_follow_up(item(due=TODAY + dt.timedelta(days=10)), TODAY, weekly) == \
        TODAY + dt.timedelta(days=7)
    assert next_follow_up(item(due=TODAY + dt.timedelta(days=50)), TODAY, weekly) == \
        TODAY + dt.timedelta(days=14)
    assert cutoff("2026-11", weekly) == D(2026, 11, 20)
    assert is_due_soon(item(due=TODAY + dt.timedelta(days=14)), TODAY, weekly)
    assert cadence_from({"follow_up_near_every": "2", "key_work_cutoff_day": ""}) == \
        Cadence(near_every=2)
    with pytest.raises(UsageError, match="whole numbers"):
        cadence_from({"key_work_cutoff_day": "32"})
    with pytest.raises(UsageError, match="follow_up_near_every 'x'"):
        cadence_from({"follow_up_near_every": "x"})


def test_cutoff_across_month_ends_and_february() -> None:
    assert cutoff("2026-11") == D(2026, 11, 25)
    end_of_month = Cadence(cutoff_day=30)
    assert cutoff("2026-02", end_of_month) == D(2026, 2, 28)
    assert cutoff("2028-02", end_of_month) == D(2028, 2, 29)  # a leap year
    assert cutoff("2026-03", end_of_month) == D(2026, 3, 30)
    summary = month_summary([], "2026-03", end_of_month)
    assert (summary["from"], summary["cutoff"]) == (D(2026, 3, 1), D(2026, 3, 30))
    summary = month_summary([], "2027-01")
    assert (summary["from"], summary["cutoff"]) == (D(2026, 12, 26), D(2027, 1, 25))
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)


def test_month_summary_counts_by_department_and_person() -> None:
    on_time = item("A", due=D(2026, 11, 10), status=Status.DONE, completed_on=D(2026, 11, 3),
                   evidence="整改报告已归档")
    late = item("B", due=D(2026, 11, 10), status=Status.DONE, completed_on=D(2026, 11, 25),
                evidence="验收单")
    overdue = item("C", due=D(2026, 11, 10), department="财务管理部", person="李娜")
    rolled_open = item("D", due=D(2026, 12, 31), months_rolled=2)
    due_on_cutoff = item("E", due=D(2026, 11, 25), department="财务管理部", person="李娜")
    before = item("F", due=D(2026, 10, 1), status=Status.DONE, completed_on=D(2026, 10, 25),
                  evidence="纪要")  # done in October's month: counted there, not here
    summary = month_summary([on_time, late, overdue, rolled_open, due_on_cutoff, before],
                            "2026-11")
    assert summary["done"] == ["A", "B"] and summary["overdue"] == ["C"]
    assert summary["people"] == {
        ("运营管理部", "王敏"): {"done_on_time": 1, "done_late": 1, "open": 1, "overdue": 0,
                             "rolled_over": 1},
        ("财务管理部", "李娜"): {"done_on_time": 0, "done_late": 0, "open": 2, "overdue": 1,
                             "rolled_over": 0}}
    assert summary["departments"]["财务管理部"]["open"] == 2


def test_an_item_completed_after_the_cut_off_was_open_on_it() -> None:
    """The roll-over run on the 27th reports November as it stood on the 25th: an item done on
    the 26th was open (and overdue) then, and is December's done item."""
    after = item("G", due=D(2026, 11, 12), status=Status.DONE, completed_on=D(2026, 11, 26),
                 evidence="验收单")
    november = month_summary([after], "2026-11")
    assert (november["open"], november["overdue"], november["done"]) == (["G"], ["G"], [])
    assert november["people"][("运营管理部", "王敏")]["open"] == 1
    december = month_summary([after], "2026-12")
    assert (december["open"], december["done"]) == ([], ["G"])
    assert december["people"][("运营管理部", "王敏")]["done_late"] == 1


def test_chinese_and_english_words_are_both_read() -> None:
    assert parse_source("领导批示") is Source.INSTRUCTION and parse_source(" Minutes ") is \
        Source.MINUTES
    assert parse_status("已完成") is Status.DONE and parse_status("in progress") is \
        Status.IN_PROGRESS
    assert parse_status("finished") is None


def test_rollover_keeps_history_and_drops_finished_items() -> None:
    done = item("A", status=Status.DONE, completed_on=D(2026, 11, 20), evidence="验收单")
    slipping = item("B", due=D(2026, 11, 30))
    carried = rollover([done, slipping], "2026-11", {"B": D(2026, 12, 31)})
    assert [i.id for i in carried] == ["B"]
    [b] = carried
    assert b.deadline == D(2026, 12, 31) and b.original_deadline == D(2026, 11, 30)
    assert b.months_rolled == 1
    assert [(h.previous, h.deadline, h.agreed_on) for h in b.history] == [
        (D(2026, 11, 30), D(2026, 12, 31), D(2026, 11, 25))]
    again = rollover(carried, "2026-12", {"B": D(2027, 1, 31)})
    assert again[0].months_rolled == 2 and len(again[0].history) == 2


def test_rollover_refuses_an_item_without_a_new_deadline() -> None:
    with pytest.raises(UsageError, match="B, C"):
        rollover([item("B"), item("C")], "2026-11", {"C": D(2026, 11, 20)})  # C: before cut-off


def test_an_item_closes_only_with_date_and_evidence() -> None:
    with pytest.raises(ValueError, match="completion date and evidence"):
        item(status=Status.DONE, completed_on=D(2026, 11, 20))
    with pytest.raises(ValueError, match="completion date and evidence"):
        item(status=Status.DONE, evidence="报告")


def test_table_round_trip_and_clear_errors(tmp_path: Path) -> None:
    items = [item("A", notes=(Note(on=D(2026, 11, 18), text="已电话督办"),)),
             item("B", due=D(2026, 11, 19), project="RE01-P01", variance="RE01-P01 INV-YTD")]
    path = write_table(tmp_path / "kw.xlsx", items, TODAY)
    back, deadlines = read_table(path)
    assert back == items and deadlines == {}
    wb = load_workbook(path)
    ws = wb[SHEET]
    headers = [c.value for c in ws[3]]
    assert headers == [h for _, h, _ in COLUMNS]
    assert ws.cell(4, headers.index("状态 Status") + 1).value == "未开始"  # the Chinese word
    assert ws.cell(4, headers.index("来源 Source") + 1).value == "领导批示"
    ws.cell(4, headers.index("新期限 New deadline") + 1).value = D(2026, 12, 31)
    ws.cell(5, headers.index("状态 Status") + 1).value = "done"  # done, but no evidence
    wb.save(path)
    work = read_key_work(path)
    assert [i.id for i in work.items] == ["A"] and work.new_deadlines == {"A": D(2026, 12, 31)}
    assert [p.cell for p in work.problems] == ["O5", "P5"]
    assert "完成日期未填写" in work.problems[0].zh and "Completed on is empty" in \
        work.problems[0].en
    with pytest.raises(UsageError, match=r"Key work!O5: "):
        read_table(path)


def test_three_bad_cells_are_named_with_what_was_typed(tmp_path: Path) -> None:
    path = write_table(tmp_path / "kw.xlsx", [item("A"), item("B"), item("C"), item("D"),
                                              item("E")], TODAY)
    wb = load_workbook(path)
    ws = wb[SHEET]
    ws["K5"] = "2027-13-01"  # a deadline that is no date, typed as text
    ws["M6"] = "完成了"  # not one of the statuses
    ws["I7"] = None  # no responsible person
    wb.save(path)
    work = read_key_work(path)
    assert [i.id for i in work.items] == ["A", "E"]
    deadline, status, person = work.problems
    assert (deadline.cell, deadline.value) == ("K5", "2027-13-01")
    assert "当前期限填写为“2027-13-01”，不是日期" in deadline.zh
    assert "Deadline: '2027-13-01' is not a date" in deadline.en
    assert status.cell == "M6" and "状态只能是：未开始、进行中、已完成" in status.zh
    assert "it can only be open, in progress, done" in status.en
    assert person.cell == "I7" and "责任人未填写" in person.zh
    ws["A8"] = "A"  # the ID of row 4 again
    wb.save(path)
    duplicate = read_key_work(path).problems[-1]
    assert (duplicate.cell, duplicate.value) == ("A8", "A") and "与第 4 行重复" in duplicate.zh
    for problem in work.problems:  # no library wording, no internal names
        text = str(problem)
        assert "Input should" not in text and "original_deadline" not in text
        assert "validation" not in text.lower()


def test_major_variances_become_tracked_items(demo_month: MonthResult) -> None:
    new = items_for_major_variances(demo_month.variances, "2026-10", [], TODAY,
                                    {"RE01-P01": "张伟"}, "王敏")
    assert [i.project for i in new] == ["INF01-P01", "INF02-P01", "RE01-P01", "RE02-P02",
                                        "RE03-P01"]
    assert "INV-YTD" in new[2].variance and new[2].deadline == D(2026, 12, 20)
    assert [new[2].person, new[0].person] == ["张伟", "王敏"]  # the report's owner, else ops
    assert items_for_major_variances(demo_month.variances, "2026-10", new, TODAY, {},
                                     "王敏") == []


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltrack", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120)


def test_actions_commands(tmp_path: Path) -> None:
    assert _cli("actions", "init", "kw.xlsx", cwd=tmp_path).returncode == 0
    write_table(tmp_path / "kw.xlsx", [item("A", due=D(2026, 11, 19)), item("B")], TODAY)
    shown = _cli("actions", "--as-of", "2026-11-20", "--table", "kw.xlsx", "--json",
                 cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["overdue"] == ["A"] and [i["id"] for i in data["follow_up"]] == ["A"]
    refused = _cli("actions", "rollover", "--month", "2026-11", "--table", "kw.xlsx",
                   cwd=tmp_path)
    assert refused.returncode == 2 and "A is unfinished" in refused.stderr
    assert "R4" in refused.stderr and "R5" in refused.stderr  # the 新期限 cells
    assert not (tmp_path / "kw-2026-12.xlsx").exists()


def test_the_cadence_options_change_the_follow_ups(tmp_path: Path) -> None:
    from contextlib import chdir

    from click.testing import CliRunner

    from xltrack.cli import cli

    write_table(tmp_path / "key-work.xlsx", [item("A", due=TODAY + dt.timedelta(days=10))],
                TODAY)
    with chdir(tmp_path):
        plain = json.loads(CliRunner().invoke(cli, ["actions", "--as-of", "2026-11-20",
                                                    "--json"]).stdout)
        wide = json.loads(CliRunner().invoke(cli, ["actions", "--as-of", "2026-11-20",
                                                   "--near-days", "14", "--near-every", "2",
                                                   "--json"]).stdout)
    assert plain["items"][0]["next_follow_up"] == "2026-11-23"  # 7 days left on 23 Nov
    assert wide["items"][0]["next_follow_up"] == "2026-11-22"
    assert wide["items"][0]["flag"] == "due soon 临期"
