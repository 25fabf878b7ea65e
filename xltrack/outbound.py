"""Issuing the month's templates: one workbook per subsidiary, pre-filled from the register and
the history (the outbound half of the month, DESIGN.md).

This module decides *what* each subsidiary is sent — its projects, its cost codes and products,
the rows already listed, the plan in force and the live checks the group's rules would make —
and `issued.py` writes it into a template made by `templates.py`. Amounts here are in yuan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import contract as c
from . import store
from .backend import Connection
from .consolidate import ACTUAL, INVESTMENT, PLAN, Consolidation, select_facts
from .errors import UsageError
from .models import check_period
from .monthly import consolidate_period
from .settings import Register, Subsidiary
from .variance import AmountRule, Comparison, RuleSet

# The actual-vs-plan spans a template can recompute live: the month, and the year or the
# project to date (the months before this one come from the history, this month's are typed).
LIVE_SPANS = ("month", "ytd", "to_date")
_TABLE_OF = {INVESTMENT: "ActualCost"}  # any other indicator (sales:MEASURE) is ActualSales


@dataclass(frozen=True)
class PlanLine:
    """The plan in force for one row of a month's table: a budget or a forecast line."""

    project: str
    table: str  # ActualCost or ActualSales
    item: str  # cost code or product
    measure: str  # AMOUNT for a cost; AMOUNT, AREA or UNITS for a sale
    amount: float  # planned for the month, yuan (areas and counts unscaled)


@dataclass(frozen=True)
class Check:
    """One rule the run will apply to a project's actuals, with what the history knows."""

    project: str
    project_name: str
    table: str
    measure: str
    rule: AmountRule
    expected: float  # the plan in force over the rule's span, yuan
    actual_before: float  # actuals of the span before this month, yuan


@dataclass
class Issue:
    """Everything one subsidiary's template is filled with."""

    subsidiary: Subsidiary
    period: str
    kinds: tuple[c.Kind, ...]
    projects: list[str]
    cost_codes: list[str]
    products: list[str]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # table -> rows
    plan_lines: list[PlanLine] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    revision: int | None = None  # the revision a plan/budget/forecast template will be

    @property
    def stem(self) -> str:
        return f"{self.subsidiary.code}-{'-'.join(k.value for k in self.kinds)}-{self.period}"


class History:
    """What the store holds for the period, read once for every subsidiary."""

    def __init__(self, conn: Connection | None, register: Register, period: str) -> None:
        self.period = period
        if conn is None:  # no history yet: templates carry no plan and no live check
            self.facts = pd.DataFrame()
            self.consolidation: Consolidation | None = None
            self.records: dict[str, pd.DataFrame] = {}
            return
        self.facts = store.facts_in_force(conn, period)
        self.consolidation = consolidate_period(conn, register, period)
        self.records = {t: store.records_in_force(conn, period, t)
                        for t in ("Plan", "Budget", "SalesForecast", "Progress")}

    def plan_facts(self) -> pd.DataFrame:
        """Budget and forecast amounts of the versions in force (the newest per project)."""
        if self.facts.empty:
            return pd.DataFrame(columns=["project", "tbl", "item", "measure", "month",
                                         "amount", "submission_id", "cell"])
        chosen = select_facts(self.facts, self.period)
        return chosen[chosen.basis == PLAN]

    def figure(self, project: str, indicator: str, basis: str, span: str) -> float:
        if self.consolidation is None:
            return 0.0
        return self.consolidation.figure("project", project, indicator, basis, span)

    def newest_records(self, table: str, projects: list[str]) -> pd.DataFrame:
        """Each project's rows of the newest version in force of `table` (the same order as
        consolidate's choice: highest revision, then latest period, then latest received)."""
        records = self.records.get(table)
        if records is None or records.empty:
            return pd.DataFrame()
        mine = records[records.project_id.isin(projects)]
        order = ["revision", "period", "received_at", "submission_id"]
        newest = mine.sort_values(order).groupby("project_id").submission_id.last()
        return mine[mine.submission_id.isin(set(newest))].sort_values(
            ["project_id", "submission_id", "excel_row"])


def plan_issues(register: Register, rules: RuleSet, period: str, history: History,
                kinds: tuple[c.Kind, ...] = (c.Kind.MONTHLY,),
                subsidiaries: list[str] | None = None) -> list[Issue]:
    """One Issue per subsidiary asked for (default: every subsidiary of the register)."""
    check_period(period)
    known = {s.code for s in register.subsidiaries}
    unknown = sorted(set(subsidiaries or ()) - known)
    if unknown:
        raise UsageError(f"单位 {'、'.join(unknown)} 不在项目档案中（{'、'.join(sorted(known))}）",
                         f"subsidiary {', '.join(unknown)} is not in the register "
                         f"({', '.join(sorted(known))})")
    chosen = [s for s in register.subsidiaries if not subsidiaries or s.code in subsidiaries]
    plan = history.plan_facts()
    return [_issue(register, rules, history, plan, s, period, kinds) for s in chosen]


def _issue(register: Register, rules: RuleSet, history: History, plan: pd.DataFrame,
           sub: Subsidiary, period: str, kinds: tuple[c.Kind, ...]) -> Issue:
    projects = [p for p in register.projects if p.subsidiary == sub.code]
    ids = [p.id for p in projects]
    mine = plan[plan.project.isin(ids)]
    # Their own lists: the codes and products of their plans in force; with no plan filed yet,
    # the register's whole list (nothing narrower is known).
    costs = sorted(set(mine[mine.tbl == "Budget"].item)) or [x.code for x in register.cost_codes]
    products = sorted(set(mine[mine.tbl == "SalesForecast"].item)) or list(register.products)
    issue = Issue(sub, period, kinds, ids, costs, products)
    if c.Kind.MONTHLY in kinds:
        issue.plan_lines = _plan_lines(mine[mine.month == period])
        issue.rows.update(_monthly_rows(issue.plan_lines, history, ids))
        segment = sub.segment
        for project in projects:
            issue.checks.extend(_checks(project.id, project.name, segment, rules, history))
    revised: list[c.Kind] = [k for k in kinds if k is not c.Kind.MONTHLY]
    if revised:
        issue.rows.update(_revision_rows(history, mine, ids, revised))
        issue.revision = _next_revision(history, ids, revised)
    return issue


def _plan_lines(month: pd.DataFrame) -> list[PlanLine]:
    lines = []
    sums = month.groupby(["project", "tbl", "item", "measure"], sort=True).amount.sum()
    for key, amount in sums.items():
        project, tbl, item, measure = (str(part) for part in key)  # type: ignore[attr-defined]
        table = "ActualCost" if tbl == "Budget" else "ActualSales"
        lines.append(PlanLine(project, table, item, measure, round(float(amount), 2)))
    return lines


def _monthly_rows(lines: list[PlanLine], history: History,
                  projects: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The rows already listed: a line per budget and forecast line planned for the month,
    its amount 0 until the accountant types the actual (a line left at 0 is reported as
    nothing spent or sold, which is what the live variance beside it shows), and a progress
    line per unfinished milestone of the plan in force, starting from the last report."""
    cost = [{"project_id": x.project, "cost_code": x.item, "amount": 0.0}
            for x in lines if x.table == "ActualCost"]
    sales = [{"project_id": x.project, "product": x.item, "measure": x.measure, "amount": 0.0}
             for x in lines if x.table == "ActualSales"]
    return {"ActualCost": cost, "ActualSales": sales,
            "Progress": _progress_rows(history, projects)}


def _progress_rows(history: History, projects: list[str]) -> list[dict[str, Any]]:
    plan = history.newest_records("Plan", projects)
    if plan.empty:
        return []
    last: dict[tuple[str, str], dict[str, Any]] = {}
    progress = history.records.get("Progress")
    if progress is not None and not progress.empty:
        ordered = progress.sort_values(["period", "revision", "received_at", "submission_id"])
        for done in ordered.to_dict("records"):
            last[(str(done["project_id"]), str(done["milestone_id"]))] = {
                str(k): v for k, v in done.items()}
    rows = []
    for m in plan.to_dict("records"):
        before = last.get((str(m["project_id"]), str(m["milestone_id"])), {})
        if _present(before.get("actual_finish")):
            continue  # finished: nothing more to report
        row: dict[str, Any] = {"project_id": m["project_id"], "milestone_id": m["milestone_id"],
                               "pct_complete": float(before.get("pct_complete") or 0.0)}
        for key in ("actual_start", "forecast_finish"):
            if _present(before.get(key)):
                row[key] = pd.Timestamp(before[key]).date()
        rows.append(row)
    return rows


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) \
        and value != ""


def _checks(project: str, name: str, segment: str, rules: RuleSet,
            history: History) -> list[Check]:
    """The actual-vs-plan rules in force for the project that a template can recompute."""
    checks = []
    for rule in rules.amount_rules(segment):
        if rule.comparison is not Comparison.ACTUAL_VS_PLAN or rule.span not in LIVE_SPANS:
            continue
        table = _TABLE_OF.get(rule.indicator, "ActualSales")
        measure = c.MONEY_MEASURE if table == "ActualCost" else rule.indicator.split(":")[-1]
        expected = history.figure(project, rule.indicator, PLAN, rule.span)
        before = 0.0
        if rule.span != "month":  # the span's actuals, less this month's (typed in the file)
            before = round(history.figure(project, rule.indicator, ACTUAL, rule.span)
                           - history.figure(project, rule.indicator, ACTUAL, "month"), 2)
        checks.append(Check(project, name, table, measure, rule, expected, before))
    return checks


_ROW = re.compile(r"(\d+)$")


def _revision_rows(history: History, plan: pd.DataFrame, projects: list[str],
                   kinds: list[c.Kind]) -> dict[str, list[dict[str, Any]]]:
    """A revision starts from the version in force: its rows, ready to be changed."""
    rows: dict[str, list[dict[str, Any]]] = {}
    if c.Kind.PLAN in kinds:
        plan_rows = history.newest_records("Plan", projects)
        keys = c.TABLES_BY_NAME["Plan"].keys
        rows["Plan"] = [{k: _typed_value("Plan", k, r.get(k)) for k in keys if _present(r.get(k))}
                        for r in plan_rows.to_dict("records")]
    for kind, table in ((c.Kind.BUDGET, "Budget"), (c.Kind.FORECAST, "SalesForecast")):
        if kind in kinds:
            rows[table] = _year_rows(history, plan[plan.tbl == table], table)
    return rows


def _year_rows(history: History, facts: pd.DataFrame, table: str) -> list[dict[str, Any]]:
    """A plan's amounts back into its rows: one per submission row (project, item, year)."""
    if facts.empty:
        return []
    spec = c.TABLES_BY_NAME[table]
    records = history.records.get(table)
    by_row: dict[tuple[int, int], dict[str, Any]] = {}
    if records is not None and not records.empty:
        for r in records.to_dict("records"):
            by_row[(int(r["submission_id"]), int(r["excel_row"]))] = {
                str(k): v for k, v in r.items()}
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for f in facts.to_dict("records"):
        match = _ROW.search(str(f["cell"]))
        excel_row = int(match.group(1)) if match else 0
        key = (int(f["submission_id"]), excel_row)
        if key not in out:
            record = by_row.get(key, {})
            row = {k: _typed_value(table, k, record[k]) for k in spec.keys
                   if k in record and _present(record[k]) and k not in spec.month_keys
                   and k != "total"}
            row.setdefault("project_id", f["project"])
            row.setdefault("year", int(str(f["month"])[:4]))
            out[key] = row
        out[key][f"m{str(f['month'])[5:7]}"] = float(f["amount"])
    return [out[k] for k in sorted(out, key=lambda k: (str(out[k]["project_id"]), k))]


def _typed_value(table: str, key: str, value: Any) -> Any:
    column = c.TABLES_BY_NAME[table].column(key)
    if column.type is c.ColumnType.DATE:
        return pd.Timestamp(value).date()
    if column.type is c.ColumnType.YEAR:
        return int(value)
    return value


def _next_revision(history: History, projects: list[str], kinds: list[c.Kind]) -> int:
    """One above the highest revision in force of any of the kinds (1 when none is)."""
    tables = {c.Kind.PLAN: "Plan", c.Kind.BUDGET: "Budget", c.Kind.FORECAST: "SalesForecast"}
    highest = 0
    for kind in kinds:
        rows = history.newest_records(tables[kind], projects)
        if not rows.empty:
            highest = max(highest, int(rows.revision.max()))
    return highest + 1


def issue_path(out_dir: Path, issue: Issue) -> Path:
    """outbox/2026-11/RE01-monthly-2026-11.xlsx"""
    return out_dir / issue.period / f"{issue.stem}.xlsx"
