"""Key-work tracking on a calendar: follow-ups, the 25th cut-off, roll-over, closing."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xltrack.action_table import COLUMNS, SHEET, read_table, write_table
from xltrack.actions import (
    ActionItem,
    Cadence,
    Note,
    Source,
    Status,
    add_months,
    cutoff,
    follow_ups,
    is_due_soon,
    is_overdue,
    items_for_major_variances,
    month_summary,
    next_follow_up,
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
    (20, 7),  # within a month: weekly
    (60, 30),  # later: monthly (20 Nov → 20 Dec)
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


def test_month_summary_counts_by_department() -> None:
    done = item("A", due=D(2026, 11, 10), status=Status.DONE, completed_on=D(2026, 11, 3),
                evidence="整改报告已归档")
    late = item("B", due=D(2026, 11, 10), department="财务管理部")
    summary = month_summary([done, late], "2026-11")
    assert summary["done"] == ["A"] and summary["overdue"] == ["B"]
    assert summary["departments"] == {"运营管理部": {"open": 0, "overdue": 0, "done": 1},
                                      "财务管理部": {"open": 1, "overdue": 1, "done": 0}}


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
    assert back == sorted(items, key=lambda i: (i.deadline, i.id)) and deadlines == {}
    wb = load_workbook(path)
    ws = wb[SHEET]
    headers = [c.value for c in ws[3]]
    assert headers == [h for _, h, _ in COLUMNS]
    flag = headers.index("提示 Flag") + 1
    assert ws.cell(4, flag).value.startswith("overdue")
    ws.cell(4, headers.index("新期限 New deadline") + 1).value = D(2026, 12, 31)
    ws.cell(5, headers.index("状态 Status") + 1).value = "done"  # done, but no evidence
    wb.save(path)
    with pytest.raises(UsageError, match=r"Key work!A5: .*completion date and evidence"):
        read_table(path)


def test_major_variances_become_tracked_items(demo_month: MonthResult) -> None:
    new = items_for_major_variances(demo_month.variances, "2026-10", [], TODAY)
    assert [i.project for i in new] == ["INF01-P01", "INF02-P01", "RE01-P01", "RE02-P02",
                                        "RE03-P01"]
    assert "INV-YTD" in new[2].variance and new[2].deadline == D(2026, 12, 20)
    assert items_for_major_variances(demo_month.variances, "2026-10", new, TODAY) == []


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
    refused = _cli("actions", "--table", "kw.xlsx", "rollover", "--month", "2026-11",
                   cwd=tmp_path)
    assert refused.returncode == 2 and "A, B" in refused.stderr
    assert not (tmp_path / "key-work-2026-12.xlsx").exists()
