"""Issued templates: pre-filled per subsidiary, read like blank ones, checked live by their own
formulas exactly as the run checks them (LibreOffice recalculates them here)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xltrack import contract as c
from xltrack import store
from xltrack.consolidate import ACTUAL, PLAN
from xltrack.filler import fill_template
from xltrack.issued import CHECK_HEADER_ROW, CHECK_SHEET, EXPLAIN, write_issue
from xltrack.monthly import MonthResult, run_month
from xltrack.outbound import History, Issue, issue_path, plan_issues
from xltrack.reader import read_submission
from xltrack.settings import Register
from xltrack.validate import check_file
from xltrack.variance import default_rules

from .conftest import header, template

SUB, PERIOD = "RE01", "2026-11"  # the month after the demo's last


def _history_copy(demo_month: MonthResult, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{demo_month.db}{suffix}")
        if source.exists():
            shutil.copyfile(source, folder / f"h.sqlite{suffix}")
    return folder / "h.sqlite"


@pytest.fixture(scope="module")
def issued(demo_month: MonthResult, register: Register,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[Issue, Path]:
    with store.open_store(demo_month.db) as conn:
        history = History(conn, register, PERIOD)
    (issue,) = plan_issues(register, default_rules(), PERIOD, history, subsidiaries=[SUB])
    out = tmp_path_factory.mktemp("outbox")
    return issue, write_issue(issue_path(out, issue), issue, register, "zh")


def _typed_actuals(issue: Issue) -> dict[str, list[dict[str, Any]]]:
    """What the accountant types: one project on plan, one well over, one a little under,
    sales at half the forecast for the first project; one listed line left as it is."""
    factor = {p: f for p, f in zip(issue.projects, (1.0, 1.3, 0.97), strict=False)}
    cost = [{"project_id": x.project, "cost_code": x.item,
             "amount": round(x.amount * factor.get(x.project, 1.0), 2)}
            for x in issue.plan_lines if x.table == "ActualCost"]
    # One listed line left untouched: the issued file sends its 0, the blank one nothing.
    cost = cost[:-1]
    cost[0]["remark"] = "按合同付款"
    # 计量 as the zh drop-down offers it (金额, not the code AMOUNT)
    sales = [{"project_id": x.project, "product": x.item,
              "measure": c.choice_options((x.measure,), "zh")[0],
              "amount": round(x.amount * (0.5 if x.project == issue.projects[0] else 1.0), 2)}
             for x in issue.plan_lines if x.table == "ActualSales"]
    return {"ActualCost": cost, "ActualSales": sales,
            "Explanations": [{"project_id": issue.projects[1], "indicator": "investment",
                              "explanation": "主体结构提前施工"}]}


@pytest.fixture(scope="module")
def filled(issued: tuple[Issue, Path], register: Register,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The issued template and a blank one, filled the same way through the filler alone."""
    issue, path = issued
    rows = _typed_actuals(issue)
    folder = tmp_path_factory.mktemp("filled")
    head = header(SUB, PERIOD, xt_prepared_on=dt.date(2026, 12, 5))
    fill_template(path, folder / "issued" / f"{SUB}-monthly-{PERIOD}.xlsx",
                  {k: v for k, v in head.items() if k in ("xt_preparer", "xt_prepared_on")},
                  rows)
    blank = template(tmp_path_factory.mktemp("blank"), (c.Kind.MONTHLY,), "zh", register)
    fill_template(blank, folder / "blank" / f"{SUB}-monthly-{PERIOD}.xlsx", head, rows)
    return folder / "issued", folder / "blank"


@pytest.fixture(scope="module")
def runs(filled: tuple[Path, Path], demo_month: MonthResult, register: Register,
         tmp_path_factory: pytest.TempPathFactory) -> tuple[MonthResult, MonthResult]:
    out = []
    for inbox in filled:
        db = _history_copy(demo_month, tmp_path_factory.mktemp(inbox.name))
        out.append(run_month(inbox, register, PERIOD, db))
    return out[0], out[1]


def test_an_issued_template_is_accepted_with_the_figures_of_a_blank_one(
        runs: tuple[MonthResult, MonthResult]) -> None:
    issued, blank = runs
    for result in runs:
        (sub,) = result.checked.submissions
        assert not sub.has_errors, [f.message_en for f in sub.findings]
        assert sub.contract_version == c.CONTRACT_VERSION
    mine = issued.consolidation.figures
    theirs = blank.consolidation.figures
    assert mine.amount.abs().sum() > 0
    assert mine.sort_values(["level", "key", "indicator", "basis", "span"]).amount.round(2) \
        .tolist() == theirs.sort_values(["level", "key", "indicator", "basis", "span"]) \
        .amount.round(2).tolist()
    columns = ["project", "rule_id", "severity", "variance_pct"]
    assert issued.variances[columns].fillna(0).values.tolist() == \
        blank.variances[columns].fillna(0).values.tolist()


def test_the_cover_is_filled_and_locked_and_the_lists_are_theirs(
        issued: tuple[Issue, Path], register: Register, demo_month: MonthResult) -> None:
    issue, path = issued
    wb = load_workbook(path)
    cover = wb["封面"]
    cells = {}
    for name in ("xt_subsidiary", "xt_period", "xt_unit", "xt_preparer"):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        cells[name] = wb[sheet][ref.replace("$", "")]
    assert [cells[k].value for k in ("xt_subsidiary", "xt_period", "xt_unit")] == \
        [SUB, PERIOD, register.subsidiary(SUB).unit]
    assert register.subsidiary(SUB).name in str(cover.cell(cells["xt_subsidiary"].row, 3).value)
    assert cells["xt_subsidiary"].protection.locked and cells["xt_period"].protection.locked
    assert not cells["xt_preparer"].protection.locked and not cells["xt_unit"].protection.locked
    for ws in wb.worksheets:
        assert ws.protection.sheet and not ws.protection.password  # locked, nothing secret
    lists = wb["_lists"]
    column = {lists.cell(1, col).value: [lists.cell(r, col).value
                                         for r in range(2, lists.max_row + 1)
                                         if lists.cell(r, col).value]
              for col in (1, 2, 3)}
    own = [p.id for p in register.projects if p.subsidiary == SUB]
    assert column["projects"] == own
    # Their own lists: what their plans in force use.
    with store.open_store(demo_month.db) as conn:
        budget = store.records_in_force(conn, PERIOD, "Budget")
        forecast = store.records_in_force(conn, PERIOD, "SalesForecast")
    assert column["cost_codes"] == sorted(set(budget[budget.project_id.isin(own)].cost_code))
    assert column["products"] == sorted(set(forecast[forecast.project_id.isin(own)]["product"]))
    assert set(column["products"]) < set(register.products)
    cost = wb["实际投资"]
    listed = [(cost.cell(r, 1).value, cost.cell(r, 2).value, cost.cell(r, 3).value)
              for r in range(5, 5 + len(issue.rows["ActualCost"]))]
    assert {x[0] for x in listed} == set(own)
    assert all(amount == 0 for *_, amount in listed)
    assert not cost.cell(5, 3).protection.locked and cost.cell(5, 5).protection.locked
    # Each pre-filled choice is one its drop-down offers (计量: 金额, not the code AMOUNT).
    sales = wb["实际销售"]
    for validation in sales.data_validations.dataValidation:
        offered = validation.formula1.strip('"').split(",") if validation.type == "list" else []
        if offered and not offered[0].startswith(("_", "=")) and "金额" in offered:
            for cell_range in validation.sqref.ranges:
                filled = [cell.value for row in sales.iter_rows(
                    min_row=cell_range.min_row, max_row=cell_range.max_row,
                    min_col=cell_range.min_col, max_col=cell_range.max_col) for cell in row
                    if cell.value is not None]
                assert filled and set(filled) <= set(offered), filled
            break
    else:
        raise AssertionError("no 计量 drop-down on 实际销售")


def test_reference_columns_are_declared_and_never_read(issued: tuple[Issue, Path],
                                                       register: Register) -> None:
    _, path = issued
    wb = load_workbook(path)
    ws = wb[c.MAP_SHEET]
    table = ws.tables[c.MAP_TABLE]
    rows = [[cell.value for cell in row] for row in ws[table.ref]]
    head, body = rows[0], rows[1:]
    assert head == list(c.MAP_COLUMNS)
    roles = {(r[0], r[1]): r[5] for r in body}
    for name in ("ActualCost", "ActualSales"):
        for col in c.TABLES_BY_NAME[name].references:
            assert roles[(name, col.key)] == "reference"
    assert roles[("ActualCost", "amount")] == "input"
    sub = check_file(read_submission(path), register, PERIOD)
    assert not sub.has_errors  # formulas in every reference cell: expected, not a finding
    assert not any(f.reason.value == "formula" for f in sub.findings)
    assert "ref_plan" not in sub.tables["ActualCost"].columns


def test_a_version_1_map_is_still_read(fill: Any, tmp_path: Path, register: Register) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [{"project_id": "RE01-P01", "cost_code": "0101",
                                                  "amount": 10.0}]})
    wb = load_workbook(path)
    ws = wb[c.MAP_SHEET]
    ws["B1"] = 1
    table = ws.tables[c.MAP_TABLE]
    for row in ws[table.ref]:
        row[-1].value = None  # a version-1 map has no role column
    table.ref = table.ref.replace("F", "E")
    table.autoFilter.ref = table.ref
    del table.tableColumns[-1]
    old = tmp_path / "v1.xlsx"
    wb.save(old)
    sub = check_file(read_submission(old), register, "2026-10")
    assert sub.contract_version == 1 and not sub.has_errors
    assert sub.tables["ActualCost"].columns["amount"] == [10.0]


def _recalculated(path: Path, folder: Path) -> Path:
    """The file as LibreOffice computes it: every formula recalculated on load."""
    assert shutil.which("soffice"), "LibreOffice is needed: make office installs it"
    profile = folder / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items '
        'xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>'
        "</oor:items>", encoding="utf-8")
    out = folder / "recalculated"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "xlsx", "--outdir", str(out), str(path)], capture_output=True, timeout=180,
        check=False)
    assert done.returncode == 0, done.stderr
    return out / path.name


def test_libreoffice_computes_the_runs_variances_and_flags(
        filled: tuple[Path, Path], runs: tuple[MonthResult, MonthResult], tmp_path: Path,
        issued: tuple[Issue, Path]) -> None:
    issue, _ = issued
    (path,) = filled[0].glob("*.xlsx")
    wb = load_workbook(_recalculated(path, tmp_path), data_only=True)
    ws = wb[CHECK_SHEET["zh"]]
    result = runs[0]
    flags = result.variances[result.variances.comparison == "actual_vs_plan"]
    flagged = {(r.project, r.rule_id): r.variance_pct for r in flags.itertuples()}
    seen, shown_flags = 0, 0
    for check, row in zip(issue.checks, ws.iter_rows(min_row=CHECK_HEADER_ROW + 1,
                                                     values_only=True), strict=False):
        project, _, _, rule_id, _, plan, actual, _, pct, _, flag = row[:11]
        assert (project, rule_id) == (check.project, check.rule.id)
        indicator, span = check.rule.indicator, check.rule.span
        fig = result.consolidation.figure
        assert actual == pytest.approx(fig("project", project, indicator, ACTUAL, span),
                                       abs=0.01)
        assert plan == pytest.approx(fig("project", project, indicator, PLAN, span), abs=0.01)
        assert (flag == EXPLAIN["zh"]) == ((project, rule_id) in flagged), (project, rule_id)
        if (project, rule_id) in flagged and flagged[(project, rule_id)] is not None:
            assert pct == pytest.approx(flagged[(project, rule_id)], abs=1e-9)
        seen += 1
        shown_flags += flag == EXPLAIN["zh"]
    assert seen == len(issue.checks) and 0 < shown_flags < seen  # some flagged, some not
    cost = wb["实际投资"]
    flags_by_project = {p for p, r in flagged if r.startswith("INV")}
    for r in range(5, 5 + len(issue.rows["ActualCost"])):
        project, amount, plan, variance, flag = (cost.cell(r, k).value for k in (1, 3, 5, 6, 8))
        assert variance == pytest.approx(amount - plan, abs=0.01)
        assert (flag == EXPLAIN["zh"]) == (project in flags_by_project)


def test_a_revision_template_starts_from_the_version_in_force(
        demo_month: MonthResult, register: Register, tmp_path: Path) -> None:
    with store.open_store(demo_month.db) as conn:
        history = History(conn, register, PERIOD)
        budget = store.records_in_force(conn, PERIOD, "Budget")
    mine = budget[budget.project_id.str.startswith(SUB)]
    (issue,) = plan_issues(register, default_rules(), PERIOD, history, (c.Kind.BUDGET,), [SUB])
    assert issue.revision == int(mine.revision.max()) + 1
    path = write_issue(issue_path(tmp_path, issue), issue, register, "zh")
    assert path.name == f"{SUB}-budget-{PERIOD}.xlsx"
    sent = tmp_path / "sent.xlsx"
    fill_template(path, sent, {"xt_preparer": "赵敏", "xt_prepared_on": dt.date(2026, 11, 20)},
                  {})
    sub = check_file(read_submission(sent), register, PERIOD)
    assert not sub.has_errors, [f.message_en for f in sub.findings]
    assert sub.header["xt_revision"] == issue.revision
    read = sub.tables["Budget"].columns
    plan = history.plan_facts()
    plan = plan[(plan.tbl == "Budget") & plan.project.str.startswith(SUB)]
    total = sum(v or 0.0 for k in c.MONTH_KEYS for v in read[k])
    assert total == pytest.approx(plan.amount.sum(), abs=0.01)
    assert set(read["cost_code"]) == set(plan.item)


def test_text_from_the_register_is_written_as_text_never_a_formula(
        register: Register, tmp_path: Path) -> None:
    projects = [p.model_copy(update={"name": '=HYPERLINK("http://x")'}) if p.subsidiary == SUB
                else p for p in register.projects]
    subs = [s.model_copy(update={"name": "=1+1"}) if s.code == SUB else s
            for s in register.subsidiaries]
    odd = register.model_copy(update={"projects": projects, "subsidiaries": subs})
    (issue,) = plan_issues(odd, default_rules(), PERIOD, History(None, odd, PERIOD),
                           subsidiaries=[SUB])
    assert issue.checks and not issue.plan_lines  # no history: rules, but no plan figures
    path = write_issue(issue_path(tmp_path, issue), issue, odd, "zh")
    wb = load_workbook(path)
    name = wb[CHECK_SHEET["zh"]].cell(CHECK_HEADER_ROW + 1, 2)
    assert name.value == '=HYPERLINK("http://x")' and name.data_type == "s"
    assert str(wb["封面"]["C4"].value).startswith("=1+1") and wb["封面"]["C4"].data_type == "s"


@pytest.mark.parametrize("kind", [c.Kind.PLAN, c.Kind.FORECAST])
def test_plan_and_forecast_revisions_start_from_the_version_in_force(
        kind: c.Kind, demo_month: MonthResult, register: Register, tmp_path: Path) -> None:
    table = c.tables_of((kind,))[0].name
    with store.open_store(demo_month.db) as conn:
        history = History(conn, register, PERIOD)
    (issue,) = plan_issues(register, default_rules(), PERIOD, history, (kind,), [SUB])
    path = write_issue(issue_path(tmp_path, issue), issue, register, "en")
    sent = tmp_path / "sent.xlsx"
    fill_template(path, sent, {"xt_preparer": "Zhao", "xt_prepared_on": dt.date(2026, 11, 20)},
                  {})
    sub = check_file(read_submission(sent), register, PERIOD)
    assert not sub.has_errors, [f.message_en for f in sub.findings]
    read = sub.tables[table].columns
    newest = history.newest_records(table, issue.projects)
    assert len(read["project_id"]) == len(newest) > 0
    if kind is c.Kind.PLAN:
        assert read["milestone_id"] == newest.milestone_id.tolist()
        assert [d.isoformat() for d in read["planned_finish"]] == \
            newest.planned_finish.tolist()
    else:
        plan = history.plan_facts()
        plan = plan[(plan.tbl == "SalesForecast") & plan.project.isin(issue.projects)]
        total = sum(v or 0.0 for k in c.MONTH_KEYS for v in read[k])
        assert total == pytest.approx(plan.amount.sum(), abs=0.01)
