"""Every rule the docs state, at its boundary: one cent below, at, one cent above; the deadline
day and the day after; a cover without a date.

The wording tested is that of README.md and docs/user-guide.md ("within ±5% is normal", "both
above 10% and at least 5,000,000 yuan", "a key milestone 30 days late is major", "a file
prepared on 2026-11-10 for October is on time, one prepared on 2026-11-11 is late" …), and
DOMAIN.md's ("a project is major when its approved investment reaches the threshold").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pandas as pd
import pytest

from xltrack.action_month import key_work_month
from xltrack.actions import Cadence, cutoff
from xltrack.arrival import received_day
from xltrack.demo import demo_register
from xltrack.report.drafting import percent, wan
from xltrack.settings import Register
from xltrack.status import deadline, status_board
from xltrack.variance import (
    AmountRule,
    Severity,
    _milestones_by_project,
    _schedule,
    classify,
    default_rules,
)

NORMAL, ATTENTION, MAJOR = Severity.NORMAL, Severity.ATTENTION, Severity.MAJOR


def _rule(rule_id: str, segment: str = "RE") -> AmountRule:
    return next(r for r in default_rules().amount_rules(segment) if r.id.startswith(rule_id))


# --- the ±5% band: "A deviation within ±5% is normal; beyond that it needs attention." ------

@pytest.mark.parametrize(("actual", "expected_severity"), [
    (1_049_999.99, NORMAL), (1_050_000.00, NORMAL), (1_050_000.01, ATTENTION),
    (950_000.01, NORMAL), (950_000.00, NORMAL), (949_999.99, ATTENTION)])
def test_the_normal_band_includes_exactly_5_percent(actual: float,
                                                    expected_severity: Severity) -> None:
    assert classify(actual, 1_000_000.00, _rule("INV-YTD"))[0] is expected_severity


@pytest.mark.parametrize(("expected", "actual", "rule_id", "severity"), [
    (12_427_036.20, 13_048_388.01, "INV-YTD", NORMAL),  # +5% exactly
    (22.40, 23.52, "INV-YTD", NORMAL),  # +5% exactly
    (22.40, 21.28, "INV-YTD", NORMAL),  # −5% exactly
    (52_085_299.80, 57_293_829.78, "INV-YTD", ATTENTION),  # +10% exactly: not above 10%
])
def test_the_band_is_exact_to_the_cent_for_any_budget(expected: float, actual: float,
                                                      rule_id: str,
                                                      severity: Severity) -> None:
    assert classify(actual, expected, _rule(rule_id))[0] is severity


# --- major: "both above 10% and at least 5,000,000 yuan; 2,000,000 for infrastructure and
# 1,000,000 for trading" ---------------------------------------------------------------------

@pytest.mark.parametrize(("segment", "amount"), [("RE", 5_000_000), ("INF", 2_000_000),
                                                 ("TRD", 1_000_000)])
def test_major_is_above_10_percent_and_at_least_the_segments_amount(segment: str,
                                                                    amount: int) -> None:
    rule = _rule("INV-YTD", segment)
    # 10% exactly is not "above 10%", even with the amount reached.
    assert classify(amount * 11.0, amount * 10.0, rule)[0] is ATTENTION
    assert classify(amount * 11.0 + 0.01, amount * 10.0, rule)[0] is MAJOR
    assert classify(amount * 9.0 - 0.01, amount * 10.0, rule)[0] is MAJOR  # and below
    # Above 10%, the amount one cent short of the materiality threshold: not major; at it: major.
    expected = amount * 4.0
    assert classify(expected + amount - 0.01, expected, rule)[0] is ATTENTION
    assert classify(expected + amount, expected, rule)[0] is MAJOR
    assert classify(expected - amount, expected, rule)[0] is MAJOR  # under-spend alike


def test_an_amount_against_no_plan_is_beyond_every_percentage() -> None:
    rule = _rule("INV-YTD")
    assert classify(4_999_999.99, 0.0, rule)[0] is ATTENTION
    assert classify(5_000_000.00, 0.0, rule)[0] is MAJOR
    assert classify(0.0, 0.0, rule)[0] is NORMAL


# --- milestones: "A key milestone 30 days late is major; a non-key milestone's delay counts
# half." Attention beyond 15 (weighted) days. Planned completion against the study: attention
# beyond 30 days, major from 90, earlier or later. -----------------------------------------

def _slips(slip_days: int, key: str, fs_finish: dt.date | None = None) -> list[Any]:
    milestones = pd.DataFrame([{"project": "RE01-P01", "milestone_id": "M1",
                                "milestone": "主体结构封顶", "key_milestone": key,
                                "slip_days": slip_days, "planned_finish": "2026-12-31"}])
    project = {"project": "RE01-P01", "segment": "RE",
               "fs_finish": fs_finish or dt.date(2026, 12, 31)}
    flags = _schedule({}, _milestones_by_project(milestones)["RE01-P01"], project,
                      default_rules())
    return [(f["rule_id"], f["severity"]) for f in flags]


@pytest.mark.parametrize(("days", "key", "severity"), [
    (15, "Y", None), (16, "Y", ATTENTION), (29, "Y", ATTENTION), (30, "Y", MAJOR),
    (30, "N", None), (31, "N", ATTENTION),  # 15.5 weighted days is beyond 15
    (59, "N", ATTENTION), (60, "N", MAJOR)])
def test_milestone_slip_thresholds(days: int, key: str, severity: Severity | None) -> None:
    found = [s for rule, s in _slips(days, key) if rule == "SCHEDULE"]
    assert found == ([severity] if severity else [])


@pytest.mark.parametrize(("days", "severity"), [(30, None), (31, ATTENTION), (89, ATTENTION),
                                                (90, MAJOR), (-90, MAJOR), (-31, ATTENTION)])
def test_planned_completion_against_the_feasibility_study(days: int,
                                                          severity: Severity | None) -> None:
    study_finish = dt.date(2026, 12, 31) - dt.timedelta(days=days)
    found = [s for rule, s in _slips(0, "Y", study_finish) if rule == "FINISH-FS"]
    assert found == ([severity] if severity else [])


# --- which projects are tracked: "approved investment reaches the threshold" (DOMAIN.md) ----

@pytest.mark.parametrize(("investment", "major"), [(19_999_999.99, False), (20_000_000.00, True),
                                                   (20_000_000.01, True)])
def test_a_project_is_major_from_its_segments_threshold_inclusive(investment: float,
                                                                  major: bool) -> None:
    register = demo_register()
    project = next(p for p in register.projects if p.id.startswith("RE")).model_copy(
        update={"approved_investment": investment, "board_designated": False})
    assert register.segment_of(project).major_threshold == 20_000_000
    assert register.is_major(project) is major
    assert register.is_major(project.model_copy(update={"board_designated": True}))


# --- lateness: "the day on its cover (填表日期) … a date later than the day xltrack first
# received the file is a slip … a cover without a date counts as received the day xltrack
# first received it … a file prepared on 2026-11-10 for October is on time, one prepared on
# 2026-11-11 is late." -------------------------------------------------------------------

SEEN = "2026-11-12T02:00:00+00:00"  # first received: 12 November in every time zone


def test_the_day_a_file_counts_as_received() -> None:
    assert received_day(dt.date(2026, 11, 10), SEEN) == "2026-11-10"
    assert received_day(dt.datetime(2026, 11, 10, 23, 59), SEEN) == "2026-11-10"
    assert received_day(None, SEEN) == "2026-11-12"  # no date on the cover
    assert received_day("10/11/2026", SEEN) == "2026-11-12"  # not a date
    assert received_day(dt.date(2026, 12, 1), SEEN) == "2026-11-12"  # a date not yet come


def test_the_received_day_is_the_computers_calendar_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the user guide says: without a cover date, the day xltrack first received the
    file, on this computer's calendar (its own time zone)."""
    import time

    late_evening_utc = "2026-11-10T16:30:00+00:00"  # 00:30 on the 11th in Shanghai
    for zone, day in (("UTC", "2026-11-10"), ("Asia/Shanghai", "2026-11-11")):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        assert received_day(None, late_evening_utc) == day
    monkeypatch.delenv("TZ")
    time.tzset()


_BOARD_COLUMNS = ("id", "status", "subsidiary", "period", "kind", "file", "path", "revision",
                  "received_at", "imported_at", "errors", "warnings", "findings", "prepared_on",
                  "file_modified", "order_evidence", "notes", "superseded_by")


def _board(register: Register, received: list[str], period: str = "2026-10") -> str:
    rows = [{"id": i + 1, "status": "accepted" if i == len(received) - 1 else "superseded",
             "subsidiary": "RE01", "period": period, "kind": "monthly",
             "file": f"RE01-monthly-{i}.xlsx",
             "path": f"inbox/{period}/RE01-monthly-{i}.xlsx", "revision": 1,
             "received_at": day, "imported_at": f"{day}T01:00:00+00:00", "errors": 0,
             "warnings": 0, "findings": json.dumps([]), "prepared_on": day,
             "file_modified": None, "order_evidence": "first", "notes": None,
             "superseded_by": None} for i, day in enumerate(received)]
    board = status_board(pd.DataFrame(rows, columns=list(_BOARD_COLUMNS)), register, period)
    [row] = board[(board.subsidiary == "RE01") & (board.kind == "monthly")].to_dict("records")
    return str(row["status"])


def test_monthly_figures_are_due_on_the_10th_of_the_following_month_inclusive() -> None:
    register = demo_register()
    assert register.deadline_day == 10
    assert deadline("2026-10", register) == dt.date(2026, 11, 10)
    assert deadline("2026-12", register) == dt.date(2027, 1, 10)
    assert _board(register, ["2026-11-10"]) == "received"
    assert _board(register, ["2026-11-11"]) == "late"
    assert _board(register, []) == "missing"


def test_a_correction_received_after_the_deadline_makes_the_month_late() -> None:
    """The board judges the version in force: an on-time file corrected on the 11th is late
    (the user guide says so)."""
    assert _board(demo_register(), ["2026-11-05", "2026-11-11"]) == "late"


# --- rounding: "Amounts are in 万元 with two decimals, rounded half up from the exact yuan;
# percentages have one decimal" --------------------------------------------------------------

@pytest.mark.parametrize(("yuan", "shown"), [
    (49_424_028.55, "4,942.40"), (12_250.00, "1.23"), (12_249.99, "1.22"), (12_350.00, "1.24"),
    (-12_250.00, "-1.23"), (50.00, "0.01"), (49.99, "0.00")])
def test_wan_is_two_decimals_half_up(yuan: float, shown: str) -> None:
    assert wan(yuan) == shown


@pytest.mark.parametrize(("fraction", "shown"), [(0.1385, "13.9%"), (0.1375, "13.8%"),
                                                 (0.13849, "13.8%"), (-0.0525, "5.3%"),
                                                 (None, "—")])
def test_percent_is_one_decimal_half_up_without_sign(fraction: float | None,
                                                     shown: str) -> None:
    assert percent(fraction) == shown


# --- the 25th: "The key-work month of November runs from 26 October to 25 November, both days
# included (with a cut-off day the month does not have, its last day)." ----------------------

def test_the_key_work_month_ends_on_the_25th_inclusive() -> None:
    assert key_work_month(dt.date(2026, 10, 26)) == "2026-11"
    assert key_work_month(dt.date(2026, 11, 25)) == "2026-11"
    assert key_work_month(dt.date(2026, 11, 26)) == "2026-12"
    assert cutoff("2026-02", Cadence(cutoff_day=31)) == dt.date(2026, 2, 28)
    assert key_work_month(dt.date(2026, 2, 28), Cadence(cutoff_day=31)) == "2026-02"
    assert key_work_month(dt.date(2026, 3, 1), Cadence(cutoff_day=31)) == "2026-03"


# --- persistence: "It also watches deviations that persist for three months in a row." -----

def _streak(months: list[tuple[float, float]], missing: bool = False) -> list[Any]:
    """(actual, plan) per month, oldest first, ending with the period 2026-10."""
    from xltrack.variance import _persistence, _series_by_project

    periods = [f"2026-{m:02d}" for m in range(11 - len(months), 11)]
    history = pd.DataFrame([{"project": "RE01-P01", "month": p, "actual": a, "plan": b}
                            for p, (a, b) in zip(periods, months, strict=True)])
    base = {"subsidiary": "RE01"}
    return [(f["months_in_row"], f["severity"]) for f in _persistence(
        base, _rule("INV-PERSIST"), _series_by_project(history)["RE01-P01"],
        {"RE01"} if missing else set())]


def test_three_months_in_a_row_beyond_the_band_in_one_direction() -> None:
    over, under, at_band = (106.0, 100.0), (94.0, 100.0), (105.0, 100.0)
    assert _streak([over, over, over]) == [(3, ATTENTION)]  # attention, never major
    assert _streak([over, over, over, over]) == [(4, ATTENTION)]
    assert _streak([under, under, under]) == [(3, ATTENTION)]
    assert _streak([over, over]) == []
    assert _streak([over, over, at_band]) == []  # 5% exactly is within the band
    assert _streak([over, at_band, over, over]) == []  # the run must end with the period
    assert _streak([under, over, over]) == []  # a change of direction breaks it
    assert _streak([(5.0, 0.0)] * 3) == [(3, ATTENTION)]  # spending against no plan
    assert _streak([over, over, over], missing=True) == []  # the period's figures missing


def test_a_month_exactly_5_percent_off_does_not_count_towards_persistence() -> None:
    assert _streak([(106.0, 100.0), (106.0, 100.0), (23.52, 22.40)]) == []


# --- amounts to the cent: "keeps amounts exact to the cent"; a 万元 amount becomes yuan ------

def _read_amounts(fill: Any, amounts: list[object], unit: str) -> list[float]:
    from tests.conftest import cost_row
    from xltrack import contract as c
    from xltrack.inbox import check_files

    codes = ["0101", "0102", "0201", "0202", "0301"]
    rows = [cost_row(code=code, amount=a) for code, a in zip(codes, amounts, strict=False)]
    path = fill(c.Kind.MONTHLY, {"ActualCost": rows}, unit=unit)
    [sub] = check_files([path], demo_register(), "2026-10").submissions
    assert not sub.has_errors, sub.findings
    return list(sub.tables["ActualCost"].columns["amount"])


def test_wan_amounts_become_yuan_to_the_cent(fill: Any) -> None:
    assert _read_amounts(fill, [1.2345675, 0.1234565, 4942.402855], "万元") == [
        12345.68, 1234.57, 49424028.55]


def test_yuan_amounts_are_kept_to_the_cent(fill: Any) -> None:
    assert _read_amounts(fill, [1234.567, 0.004], "元") == [1234.57, 0.0]


def test_half_a_cent_rounds_up(fill: Any) -> None:
    assert _read_amounts(fill, [0.0050005, 0.0029005], "万元") == [50.01, 29.01]


def test_the_cadence_options_help_states_the_ranges_accepted() -> None:
    from click.testing import CliRunner

    from xltrack.cli import cli

    shown = " ".join(CliRunner().invoke(cli, ["actions", "--help"],
                                        terminal_width=200).output.split())
    ranges = dict(re.findall(r"(--[a-z-]+) INTEGER RANGE .*?(\[\d+<=x<=\d+\])", shown))
    assert ranges == {"--near-days": "[0<=x<=366]", "--near-every": "[1<=x<=366]",
                      "--month-days": "[0<=x<=366]", "--month-every": "[1<=x<=366]",
                      "--cutoff-day": "[1<=x<=31]"}


# --- the baseline: "The first approved version is the baseline" (DOMAIN.md) -----------------

def _budget_facts(revisions: list[int]) -> pd.DataFrame:
    from xltrack.consolidate import FACT_COLUMNS

    rows = [{"submission_id": i + 1, "project": "RE01-P01", "tbl": "Budget", "item": "0101",
             "measure": "AMOUNT", "month": "2026-10", "amount": 1_000_000.0 * revision,
             "sheet": "预算", "cell": "D5", "kind": "budget", "subsidiary": "RE01",
             "period": "2026-01", "revision": revision, "received_at": f"2026-01-0{i + 1}",
             "file": f"RE01-budget-r{revision}.xlsx"} for i, revision in enumerate(revisions)]
    return pd.DataFrame(rows, columns=list(FACT_COLUMNS))


def test_the_baseline_is_revision_1_and_the_plan_the_newest() -> None:
    from xltrack.consolidate import select_facts

    chosen = select_facts(_budget_facts([1, 2]), "2026-10")
    assert dict(zip(chosen.basis, chosen.amount, strict=True)) == {
        "plan": 2_000_000.0, "baseline": 1_000_000.0}


def test_the_first_version_on_file_is_the_baseline() -> None:
    from xltrack.consolidate import select_facts

    chosen = select_facts(_budget_facts([2, 3]), "2026-10")
    assert dict(zip(chosen.basis, chosen.amount, strict=True)) == {
        "plan": 3_000_000.0, "baseline": 2_000_000.0}


# --- the roll-over: "finished items leave the table"; the summary counts each item "done" in
# the month (26 October – 25 November) it was completed in ----------------------------------

def test_an_item_finished_after_the_cut_off_counts_in_the_next_month(tmp_path: Any) -> None:
    """The roll-over is run a few days late (on 27 November): an item completed on the 26th
    belongs to December's month. It must not leave the table uncounted."""
    from openpyxl import load_workbook

    from xltrack.action_book import write_table
    from xltrack.action_month import close_month
    from xltrack.action_table import SHEET, read_key_work
    from xltrack.actions import ActionItem, Source, Status, month_summary

    def item(key: str, completed: dt.date | None = None) -> ActionItem:
        return ActionItem(id=key, source=Source.MINUTES, source_date=dt.date(2026, 11, 2),
                          content="整改", department="运营管理部", person="王敏",
                          original_deadline=dt.date(2026, 11, 30),
                          deadline=dt.date(2026, 11, 30),
                          status=Status.DONE if completed else Status.OPEN,
                          completed_on=completed, evidence="会议纪要" if completed else "")

    path = write_table(tmp_path / "key-work.xlsx", [
        item("OPEN"), item("IN-NOV", dt.date(2026, 11, 25)), item("IN-DEC", dt.date(2026, 11, 26))],
        dt.date(2026, 11, 27))
    wb = load_workbook(path)
    wb[SHEET]["R4"] = dt.date(2027, 1, 10)  # OPEN's newly agreed deadline
    wb.save(path)
    closed = close_month(path, "2026-11")
    assert closed.summary["done"] == ["IN-NOV"]  # the 25th is November's, the 26th is not
    december = read_key_work(closed.table).items
    assert [i.id for i in december] == ["OPEN", "IN-DEC"]
    assert month_summary(list(december), "2026-12")["done"] == ["IN-DEC"]


def test_a_rule_combining_either_needs_only_one_of_the_two() -> None:
    rule = _rule("INV-YTD").model_copy(update={"combine": "either"})
    assert classify(106_000_000.00, 100_000_000.00, rule)[0] is MAJOR  # 6%, but 6,000,000
    assert classify(1_100_000.01, 1_000_000.00, rule)[0] is MAJOR  # 100,000.01 but > 10%
    assert classify(1_100_000.00, 1_000_000.00, rule)[0] is ATTENTION  # neither


# --- "an amount beyond any plausible figure: more than 1,000,000,000,000 元 (一万亿元) either
# way, which is 100,000,000 万元 under a 万元 cover"; a revision "at most 999" ---------------

def _reasons(fill: Any, kind: Any, rows: dict[str, list[dict[str, object]]],
             **head: Any) -> list[str]:
    from xltrack.inbox import check_files

    [sub] = check_files([fill(kind, rows, **head)], demo_register(), "2026-10").submissions
    return [f.reason.value for f in sub.findings if f.severity.value == "error"]


@pytest.mark.parametrize(("amount", "unit", "refused"), [
    (1e12, "元", False), (-1e12, "元", False), (1e12 + 0.01, "元", True),
    (-1e12 - 0.01, "元", True), (1e8, "万元", False), (1e8 + 0.01, "万元", True)])
def test_the_plausible_bound_is_inclusive(fill: Any, amount: float, unit: str,
                                          refused: bool) -> None:
    from tests.conftest import cost_row
    from xltrack import contract as c

    found = _reasons(fill, c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=amount)]}, unit=unit)
    assert ("out_of_range" in found) is refused, found


@pytest.mark.parametrize(("revision", "refused"), [(999, False), (1000, True)])
def test_a_revision_is_at_most_999(fill: Any, revision: int, refused: bool) -> None:
    from xltrack import contract as c

    row = {"project_id": "RE01-P01", "cost_code": "0101", "year": 2026, "m10": 1000.0}
    found = _reasons(fill, c.Kind.BUDGET, {"Budget": [row]}, revision=revision)
    assert ("out_of_range" in found) is refused, found
