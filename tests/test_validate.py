"""Each check, built through the contract filler, gives the exact finding: code, sheet, cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from xltrack import contract as c
from xltrack.inbox import check_files
from xltrack.models import Reason, Severity
from xltrack.reader import read_submission
from xltrack.settings import Register
from xltrack.validate import validate

from .conftest import Fill, cost_row

COST = c.TABLES_BY_NAME["ActualCost"].label("zh")
PLAN = c.TABLES_BY_NAME["Plan"].label("zh")
PROGRESS = c.TABLES_BY_NAME["Progress"].label("zh")
BUDGET = c.TABLES_BY_NAME["Budget"].label("zh")


def _findings(path: Path, register: Register, **kw: Any) -> set[tuple[str, str, str]]:
    sub = validate(read_submission(path), register, kw.get("period", "2026-10"),
                   kw.get("milestones"))
    return {(f.reason.value, f.sheet, f.cell) for f in sub.findings}


def _milestone(mid: str, **kw: Any) -> dict[str, Any]:
    return {"project_id": "RE01-P01", "milestone_id": mid, "milestone": "开工",
            "planned_start": dt.date(2026, 1, 1), "planned_finish": dt.date(2026, 3, 31),
            "weight_pct": 0.5, "key_milestone": "Y", **kw}


@pytest.mark.parametrize(("row", "expected"), [
    (cost_row(amount="1,2O0"), ("bad_number", "C5")),
    (cost_row(amount=None), ("required", "C5")),
    (cost_row(project=""), ("required", "A5")),
    (cost_row(code="0999"), ("bad_choice", "B5")),
    (cost_row(project="XX-P99"), ("unknown_project", "A5")),
    (cost_row(project="INF01-P01"), ("foreign_project", "A5")),
    (cost_row(project="合计", code="0101", amount=99.0), ("unknown_project", "A5")),  # a total row
])
def test_cell_checks(fill: Fill, register: Register, row: dict[str, Any],
                     expected: tuple[str, str]) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [row]})
    assert _findings(path, register) == {(expected[0], COST, expected[1])}


def test_header_checks(fill: Fill, register: Register) -> None:
    path = fill(c.Kind.MONTHLY, {}, subsidiary="ZZ99", period="2026-11", unit="千元")
    found = _findings(path, register)
    assert found == {("unknown_subsidiary", "封面", "B4"), ("wrong_period", "封面", "B5"),
                     ("bad_choice", "封面", "B8")}


def test_period_written_as_a_date_or_in_chinese_is_understood(fill: Fill,
                                                              register: Register) -> None:
    for typed in ("2026年10月", dt.date(2026, 10, 1)):
        sub = read_submission(fill(c.Kind.MONTHLY, {}, period=typed))
        assert sub.header["xt_period"] == "2026-10"
        assert not sub.findings


def test_missing_header_values(fill: Fill, register: Register) -> None:
    path = fill(c.Kind.BUDGET, {}, revision=None, unit=None)
    sub = validate(read_submission(path), register, "2026-10")
    assert {(f.reason, f.key, f.severity) for f in sub.findings} == {
        (Reason.REQUIRED, "xt_unit", Severity.ERROR),
        (Reason.REQUIRED, "xt_revision", Severity.ERROR)}


def test_duplicates_ranges_and_order(fill: Fill, register: Register) -> None:
    budget = {"project_id": "RE01-P01", "cost_code": "0101", "year": 2026, "m01": 5.0}
    path = fill(c.Kind.BUDGET, {"Budget": [budget, budget, {**budget, "year": 1999},
                                           {**budget, "year": 2027, "m02": -1.0}]})
    assert _findings(path, register) == {
        ("duplicate_row", BUDGET, "A6"), ("out_of_range", BUDGET, "D7"),
        ("out_of_range", BUDGET, "F8")}


def test_negative_amounts_in_wan_are_quoted_in_the_files_unit(fill: Fill,
                                                              register: Register) -> None:
    budget = {"project_id": "RE01-P01", "cost_code": "0101", "year": 2026, "m01": -1.5}
    sub = validate(read_submission(fill(c.Kind.BUDGET, {"Budget": [budget]}, unit="万元")),
                   register, "2026-10")
    assert [f.value for f in sub.findings] == ["-1.5"]


def test_total_typed_over_is_reported_and_never_used(fill: Fill, register: Register,
                                                     tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = fill(c.Kind.BUDGET, {"Budget": [{"project_id": "RE01-P01", "cost_code": "0101",
                                            "year": 2026, "m01": 1.25, "m02": 2.5}]})
    wb = load_workbook(path)
    wb[BUDGET]["Q5"] = 999.0  # someone typed over the formula
    wb.save(path)
    sub = validate(read_submission(path), register, "2026-10")
    assert [(f.reason, f.cell, f.severity) for f in sub.findings] == [
        (Reason.TOTAL_MISMATCH, "Q5", Severity.WARNING)]
    assert sub.tables["Budget"].frame["total"].tolist() == [3.75]


def test_plan_checks(fill: Fill, register: Register) -> None:
    rows = [_milestone("M01"), _milestone("M02", planned_start=dt.date(2026, 5, 1),
                                          weight_pct=0.4)]
    found = _findings(fill(c.Kind.PLAN, {"Plan": rows}), register)
    assert found == {("out_of_range", PLAN, "E6"), ("out_of_range", PLAN, "F5")}


def test_progress_milestones_must_be_in_the_plan(fill: Fill, register: Register) -> None:
    progress = {"project_id": "RE01-P01", "milestone_id": "M09", "pct_complete": 0.5}
    path = fill(c.Kind.MONTHLY, {"Progress": [progress]})
    assert _findings(path, register, milestones={"RE01-P01": {"M01", "M02"}}) == {
        ("unknown_milestone", PROGRESS, "B5")}


def test_plan_in_the_same_run_supplies_the_milestones(fill: Fill, register: Register) -> None:
    plan = fill(c.Kind.PLAN, {"Plan": [_milestone("M01", weight_pct=1.0)]}, name="plan.xlsx")
    monthly = fill(c.Kind.MONTHLY, {"Progress": [
        {"project_id": "RE01-P01", "milestone_id": "M01", "pct_complete": 0.5},
        {"project_id": "RE01-P01", "milestone_id": "M07", "pct_complete": 0.1}]},
        name="monthly.xlsx")
    result = check_files([plan, monthly], register, "2026-10")
    found = [(f.file, f.reason.value, f.cell) for s in result.submissions for f in s.findings]
    assert found == [("monthly.xlsx", "unknown_milestone", "B6")]


def test_hidden_rows_and_sheets_are_noted(fill: Fill, register: Register) -> None:
    from openpyxl import load_workbook

    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(), cost_row(code="0102")]})
    wb = load_workbook(path)
    wb[COST].row_dimensions[6].hidden = True
    wb[PROGRESS].sheet_state = "hidden"
    wb.save(path)
    sub = validate(read_submission(path), register, "2026-10")
    assert {(f.reason, f.severity, f.sheet, f.cell) for f in sub.findings} == {
        (Reason.HIDDEN, Severity.WARNING, COST, "A6"),
        (Reason.HIDDEN, Severity.INFO, PROGRESS, "")}
    assert len(sub.tables["ActualCost"].frame) == 2  # hidden rows are still counted


def test_every_finding_is_reported_not_just_the_first(fill: Fill, register: Register) -> None:
    rows = [cost_row(amount="x"), cost_row(code="0102", amount="y"), cost_row(project="Q")]
    assert len(_findings(fill(c.Kind.MONTHLY, {"ActualCost": rows}), register)) == 3


def test_not_a_template_and_stale_versions(tmp_path: Path, register: Register,
                                           fill: Fill) -> None:
    from openpyxl import Workbook, load_workbook

    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    assert [f.reason for f in read_submission(plain).findings] == [Reason.NOT_A_TEMPLATE]
    old = fill(c.Kind.MONTHLY, {})
    wb = load_workbook(old)
    wb[c.MAP_SHEET]["B1"] = 0
    wb.save(old)
    [finding] = read_submission(old).findings
    assert finding.reason is Reason.UNSUPPORTED_VERSION and "'0'" in finding.message_en


def test_renamed_header_is_a_missing_column(fill: Fill, register: Register) -> None:
    from openpyxl import load_workbook

    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]})
    wb = load_workbook(path)
    wb[COST]["C4"] = "金额"
    wb[COST].tables["ActualCost"].tableColumns[2].name = "金额"
    wb.save(path)
    findings = read_submission(path).findings
    assert [(f.reason, f.key) for f in findings] == [(Reason.MISSING_COLUMN, "amount")]


def test_reordered_columns_read_the_same(fill: Fill, register: Register,
                                         tmp_path: Path) -> None:
    """Columns are found by key through the map, never by position."""
    from openpyxl import load_workbook

    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=12.5, remark="甲")]})
    wb = load_workbook(path)
    ws = wb[COST]
    for row in range(4, 6):  # swap the amount (C) and remark (D) columns, headers included
        ws[f"C{row}"].value, ws[f"D{row}"].value = ws[f"D{row}"].value, ws[f"C{row}"].value
    cols = ws.tables["ActualCost"].tableColumns
    cols[2].name, cols[3].name = cols[3].name, cols[2].name
    wb.save(path)
    sub = read_submission(path)
    assert not sub.findings
    frame = sub.tables["ActualCost"].frame
    assert frame["amount"].tolist() == [12.5] and frame["remark"].tolist() == ["甲"]
    assert sub.tables["ActualCost"].letters["amount"] == "D"


def test_formulas_in_input_cells_are_recomputed_or_refused(fill: Fill,
                                                           register: Register) -> None:
    """Cached values are never trusted: openpyxl saves these formulas with no cached value."""
    from openpyxl import load_workbook

    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(), cost_row(code="0102"),
                                                cost_row(code="0201")]})
    wb = load_workbook(path)
    wb[COST]["C5"] = "=1200+350*2"
    wb[COST]["C6"] = "=(100-20)/4"
    wb[COST]["C7"] = "=Sheet9!A1*3"
    wb.save(path)
    sub = validate(read_submission(path), register, "2026-10")
    assert sub.tables["ActualCost"].frame["amount"].tolist()[:2] == [1900.0, 20.0]
    assert [(f.reason, f.cell, f.value) for f in sub.findings] == [
        (Reason.FORMULA, "C7", "=Sheet9!A1*3")]


def test_a_1904_workbook_reads_the_same_dates(fill: Fill, register: Register) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    row = {"project_id": "RE01-P01", "milestone_id": "M01", "pct_complete": 0.5,
           "actual_start": dt.date(2026, 1, 5)}
    path = fill(c.Kind.MONTHLY, {"Progress": [row]})
    wb = load_workbook(path)
    wb.epoch = CALENDAR_MAC_1904
    wb[PROGRESS]["D5"] = 44838  # a bare serial: 2026-10-05 in the 1904 system
    wb.save(path)
    sub = read_submission(path)
    assert not sub.findings
    frame = sub.tables["Progress"].frame
    assert frame["actual_start"].tolist() == [dt.date(2026, 1, 5)]
    assert frame["actual_finish"].tolist() == [dt.date(2026, 10, 5)]
