"""Variance rules and the flags they raise.

A deviation within the normal band (5%) is normal; beyond it needs attention; a major variance
(重大差异) needs both a large percentage and a material amount (or either, per rule). Rules are
per comparison, indicator, span and segment; a segment's own rule wins over the general one.
Every flag names the rule that fired and carries the subsidiary's explanation, if any.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .consolidate import (
    ACTUAL,
    ACTUAL_TABLES,
    BASELINE,
    INVESTMENT,
    PLAN,
    PLAN_TABLES,
    SELECTION_COLUMNS,
    Consolidation,
    indicator_tables,
    newest_each_month,
    with_indicator,
)
from .errors import RegisterError, Said, said_of_check
from .models import add_months
from .rows import records
from .words import KEY_MILESTONE, MISSING_RULE, rule_text


class Severity(StrEnum):
    NORMAL = "normal"
    ATTENTION = "attention"
    MAJOR = "major"


class Comparison(StrEnum):
    ACTUAL_VS_PLAN = "actual_vs_plan"  # actual against the current budget or forecast
    PLAN_VS_BASELINE = "plan_vs_baseline"  # current revision against revision 1
    PLAN_VS_FEASIBILITY = "plan_vs_feasibility"  # current plan against the feasibility study
    PERSISTENCE = "persistence"  # beyond the normal band N months in a row
    MILESTONE_SLIP = "milestone_slip"  # actual or forecast finish against the plan
    FINISH_VS_FEASIBILITY = "finish_vs_feasibility"  # planned completion against the study


# Which explanation topic (Explanations.indicator) answers which comparison.
TOPICS = {Comparison.ACTUAL_VS_PLAN: None, Comparison.PERSISTENCE: None,
          Comparison.PLAN_VS_BASELINE: "plan", Comparison.PLAN_VS_FEASIBILITY: "plan",
          Comparison.MILESTONE_SLIP: "schedule", Comparison.FINISH_VS_FEASIBILITY: "schedule"}


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    segment: str | None = None  # None: every segment without a rule of its own


class AmountRule(_Rule):
    comparison: Literal[Comparison.ACTUAL_VS_PLAN, Comparison.PLAN_VS_BASELINE,
                        Comparison.PLAN_VS_FEASIBILITY, Comparison.PERSISTENCE]
    indicator: str = INVESTMENT
    span: Literal["month", "ytd", "to_date", "at_completion"] = "ytd"
    normal_pct: float = Field(0.05, ge=0)  # within this: normal (inclusive)
    major_pct: float = Field(0.10, ge=0)  # beyond this (strictly) …
    major_amount: float = Field(5_000_000, ge=0)  # … and at least this much, in yuan …
    combine: Literal["both", "either"] = "both"  # … both, or either, make it major
    months: int = Field(3, ge=2)  # for persistence: this many months in a row

    def describe(self) -> str:
        if self.comparison is Comparison.PERSISTENCE:
            return f"beyond ±{self.normal_pct:.0%} for {self.months} months in a row"
        joiner = "and" if self.combine == "both" else "or"
        return (f"normal within ±{self.normal_pct:.0%}; major above {self.major_pct:.0%} "
                f"{joiner} at least {self.major_amount:,.0f} yuan")


class ScheduleRule(_Rule):
    comparison: Literal[Comparison.MILESTONE_SLIP, Comparison.FINISH_VS_FEASIBILITY]
    attention_days: int = Field(15, ge=0)  # weighted slip beyond this: attention
    major_days: int = Field(30, ge=0)  # weighted slip of at least this: major
    key_weight: float = Field(2.0, ge=1)  # a non-key milestone's slip counts 1/key_weight

    def describe(self) -> str:
        return (f"attention beyond {self.attention_days} days, major from {self.major_days} "
                f"days (non-key milestones count 1/{self.key_weight:g})")


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    amount: list[AmountRule]
    schedule: list[ScheduleRule]

    def amount_rules(self, segment: str) -> list[AmountRule]:
        """The rules in force for a segment: its own, else the general one, per kind."""
        chosen: dict[tuple[str, str, str], AmountRule] = {}
        for rule in sorted(self.amount, key=lambda r: r.segment is not None):
            if rule.segment in (None, segment):
                chosen[(rule.comparison, rule.indicator, rule.span)] = rule
        return list(chosen.values())

    def schedule_rule(self, comparison: Comparison, segment: str) -> ScheduleRule | None:
        rules = [r for r in self.schedule if r.comparison == comparison
                 and r.segment in (None, segment)]
        return max(rules, key=lambda r: r.segment is not None, default=None)


def default_rules() -> RuleSet:
    """The process documents' defaults; materiality scaled down for smaller segments."""
    A, S = AmountRule, ScheduleRule
    general = [
        A(id="INV-MONTH", comparison=Comparison.ACTUAL_VS_PLAN, span="month"),
        A(id="INV-YTD", comparison=Comparison.ACTUAL_VS_PLAN, span="ytd"),
        A(id="INV-PERSIST", comparison=Comparison.PERSISTENCE, span="month"),
        A(id="SALES-YTD", comparison=Comparison.ACTUAL_VS_PLAN, indicator="sales:AMOUNT"),
        A(id="INV-REVISION", comparison=Comparison.PLAN_VS_BASELINE, span="at_completion"),
        A(id="SALES-REVISION", comparison=Comparison.PLAN_VS_BASELINE,
          indicator="sales:AMOUNT", span="at_completion"),
        A(id="INV-FS", comparison=Comparison.PLAN_VS_FEASIBILITY, span="at_completion"),
    ]
    scaled = [rule.model_copy(update={"id": f"{rule.id}-{seg}", "segment": seg,
                                      "major_amount": amount})
              for seg, amount in (("INF", 2_000_000), ("TRD", 1_000_000)) for rule in general]
    return RuleSet(amount=general + scaled, schedule=[
        S(id="SCHEDULE", comparison=Comparison.MILESTONE_SLIP),
        S(id="FINISH-FS", comparison=Comparison.FINISH_VS_FEASIBILITY, attention_days=30,
          major_days=90, key_weight=1)])


def load_rules(path: Path | None) -> RuleSet:
    if path is None:
        return default_rules()
    try:
        return RuleSet.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        problems: list[str] = ([said_of_check(e) for e in exc.errors()]
                               if isinstance(exc, ValidationError) else
                               [Said(f"无法读取规则文件：{exc}", str(exc))])
        raise RegisterError(str(path), problems) from None


def classify(actual: float, expected: float, rule: AmountRule) -> tuple[Severity, float | None]:
    """Severity of actual against expected, and the relative variance (None when expected
    is zero: any amount against nothing is beyond every percentage)."""
    diff = round(actual - expected, 2)
    pct = diff / expected if expected else (None if diff else 0.0)
    if not beyond(diff, expected, rule.normal_pct):
        return Severity.NORMAL, pct
    large = beyond(diff, expected, rule.major_pct)
    material = abs(diff) >= rule.major_amount
    major = (large and material) if rule.combine == "both" else (large or material)
    return (Severity.MAJOR if major else Severity.ATTENTION), pct


def beyond(diff: float, expected: float, pct: float) -> bool:
    """Whether `diff` is more than `pct` of `expected`, judged on the amounts in cents.

    A float ratio puts an amount exactly on the boundary on either side of it (22.40 → 23.52
    is 5.0000000000000036 %): the comparison is made in decimals, of the amounts rounded to
    the cent and of the percentage as written in the rules. Anything against nothing is
    beyond every percentage."""
    cents, base = _cents(diff), _cents(expected)
    if not base:
        return bool(cents)
    return abs(cents) > Decimal(repr(pct)) * abs(base)


def _cents(amount: float) -> Decimal:
    return Decimal(repr(round(float(amount), 2)))


FLAG_COLUMNS = ["project", "subsidiary", "segment", "major_project", "comparison", "indicator",
                "span", "item", "actual", "expected", "variance", "variance_pct", "days",
                "months_in_row", "severity", "rule_id", "rule", "explanation", "rule_zh"]


def monthly_series(facts: pd.DataFrame, periods: list[str],
                   indicator: str = INVESTMENT) -> pd.DataFrame:
    """Actual and planned amount of each project for each month, against the plan that was in
    force in that month (a later revision does not rewrite history).

    The same choice as select_facts(facts, month) for each month, made in one pass: a month's
    actual is what was filed for it by then; its plan, the month's amounts of the version in
    force in it (consolidate.newest_each_month)."""
    columns = ["project", "month", ACTUAL, PLAN]
    if not periods:
        return pd.DataFrame(columns=columns)
    # Only these months' amounts can count, and only the tables of this indicator: a choice of
    # the newest version is made per project and table, so leaving other tables out of the
    # window changes no choice. Nothing filed after the last month can count in any of them.
    window = facts[facts.month.isin(periods) & facts.tbl.isin(indicator_tables(indicator))]
    if set(SELECTION_COLUMNS) <= set(window.columns):
        window = window[SELECTION_COLUMNS]
    window = with_indicator(window, max(periods))
    actual = window.tbl.isin(ACTUAL_TABLES) & (window.period <= window.month)
    plan = newest_each_month(window, window.tbl.isin(PLAN_TABLES), periods)
    mine = window.indicator == indicator
    chosen = pd.concat([window.loc[actual & mine, ["month", "project", "amount"]]
                        .assign(basis=ACTUAL),
                        window.loc[plan & mine, ["month", "project", "amount"]]
                        .assign(basis=PLAN)])
    if chosen.empty:  # nothing in force in any of the months
        return pd.DataFrame(columns=pd.Index(columns, name="basis"))
    if chosen.amount.dtype != np.float64 or chosen.project.isna().any():
        return _series_by_frames(chosen, periods, columns)
    # Summed month by month: pandas' float sums depend on the rows grouped with them (a
    # grouping whose rows come in the order of their groups is summed by numpy's reduceat,
    # any other by pandas' compensated sum), and a month's figures must be the same whatever
    # months are asked for with it. Each month's amounts are grouped as a Series by one
    # integer per (project, basis), ranked as the texts sort: the same groups, in the same
    # order, so the same sums, without a frame to unstack, reindex and assign per month.
    ranks, names = pd.factorize(chosen.project, sort=True)
    key = ranks.astype("int64") * 2 + (chosen.basis.to_numpy() == PLAN)
    amount = chosen.amount.to_numpy()
    at: dict[str, list[int]] = {}
    for i, month in enumerate(chosen.month.tolist()):
        at.setdefault(month, []).append(i)
    summed: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for month, rows in at.items():
        sums = pd.Series(amount[rows]).groupby(key[rows]).sum()
        keys, values = sums.index.to_numpy(), sums.to_numpy()
        projects, where = np.unique(keys // 2, return_inverse=True)
        spent, planned = np.zeros(len(projects)), np.zeros(len(projects))
        spent[where[keys % 2 == 0]] = values[keys % 2 == 0]
        planned[where[keys % 2 == 1]] = values[keys % 2 == 1]
        summed[month] = (projects, spent, planned)
    ordered = [(month, summed[month]) for month in periods if month in summed]
    if not ordered:
        return pd.DataFrame(columns=pd.Index(columns, name="basis"))
    return pd.DataFrame({
        "project": names.take(np.concatenate([p for _, (p, _, _) in ordered])),
        "month": [month for month, (p, _, _) in ordered for _ in range(len(p))],
        ACTUAL: np.concatenate([a for _, (_, a, _) in ordered]),
        PLAN: np.concatenate([p for _, (_, _, p) in ordered])},
        columns=pd.Index(columns, name="basis"))


def _series_by_frames(chosen: pd.DataFrame, periods: list[str],
                      columns: list[str]) -> pd.DataFrame:
    """monthly_series' sums of amounts that are not all floats, or of facts missing a
    project: each month's grouped as a frame."""
    parts = []
    for month, rows in chosen.groupby("month", sort=False):
        sums = rows.groupby(["project", "basis"]).amount.sum().unstack(fill_value=0)
        parts.append((month, sums.reindex(columns=[ACTUAL, PLAN], fill_value=0.0)
                      .reset_index().assign(month=month)))
    ordered = [frame for month in periods for m, frame in parts if m == month]
    if not ordered:  # nothing in force in any of the months
        return pd.DataFrame(columns=pd.Index(columns, name="basis"))
    return pd.concat(ordered, ignore_index=True)[columns]


def last_twelve_months(period: str) -> list[str]:
    return [add_months(period, -i) for i in range(11, -1, -1)]


def find_variances(consolidation: Consolidation, history: pd.DataFrame, rules: RuleSet,
                   explanations: pd.DataFrame | None = None,
                   missing_actuals: set[str] | None = None) -> pd.DataFrame:
    """Every flag beyond the normal band, for every project of the register.

    `history` is monthly_series() over the last twelve months (for persistence);
    `explanations` are this period's Explanations rows (project_id, indicator, explanation);
    `missing_actuals` names subsidiaries whose figures for the period did not arrive: their
    month is not compared (a gap is not a −100% variance) and is flagged instead.
    """
    missing = missing_actuals or set()
    flags: list[dict[str, Any]] = []
    # Each project's months and milestones, found once rather than by a filter per project.
    months = _series_by_project(history)
    milestones = _milestones_by_project(consolidation.milestones)
    for project in records(consolidation.projects):
        segment = project["segment"]
        base = {"project": project["project"], "subsidiary": project["subsidiary"],
                "segment": segment, "major_project": project["major"], "item": "",
                "days": None, "months_in_row": None, "explanation": ""}
        if project["subsidiary"] in missing:
            flags.append({**base, "comparison": "missing_actuals", "indicator": INVESTMENT,
                          "span": "month", "severity": Severity.ATTENTION, "rule_id": "MISSING",
                          "rule": MISSING_RULE[1], "rule_zh": MISSING_RULE[0]})
        for rule in rules.amount_rules(segment):
            if rule.comparison is Comparison.PERSISTENCE:
                flags.extend(_persistence(base, rule, months.get(project["project"], []),
                                          missing))
                continue
            if (rule.comparison is Comparison.ACTUAL_VS_PLAN
                    and project["subsidiary"] in missing):
                continue  # a month not received is not an underspend
            actual, expected = _pair(consolidation, project, rule)
            if actual is None or expected is None or (actual == 0 and expected == 0):
                continue
            severity, pct = classify(actual, expected, rule)
            if severity is not Severity.NORMAL:
                flags.append({**base, "comparison": rule.comparison.value,
                              "indicator": rule.indicator, "span": rule.span,
                              "actual": actual, "expected": expected,
                              "variance": round(actual - expected, 2), "variance_pct": pct,
                              "severity": severity, "rule_id": rule.id,
                              "rule": rule.describe(), "rule_zh": rule_text(rule)})
        flags.extend(_schedule(base, milestones.get(project["project"], ([], [])), project,
                               rules))
    frame = pd.DataFrame(flags, columns=FLAG_COLUMNS)
    return _explain(frame, explanations)


def _pair(consolidation: Consolidation, project: dict[Any, Any],
          rule: AmountRule) -> tuple[float | None, float | None]:
    def fig(basis: str) -> float:
        return consolidation.figure("project", project["project"], rule.indicator, basis,
                                    rule.span)
    if rule.comparison is Comparison.ACTUAL_VS_PLAN:
        return fig(ACTUAL), fig(PLAN)
    if rule.comparison is Comparison.PLAN_VS_BASELINE:
        return fig(PLAN), fig(BASELINE)
    feasibility = {INVESTMENT: "fs_total_investment", "sales:AMOUNT": "fs_sales_amount"}
    column = feasibility.get(rule.indicator)
    planned = fig(PLAN)
    if column is None or planned == 0:  # no plan filed yet: nothing to compare
        return None, None
    return planned, float(project[column])


def _series_by_project(history: pd.DataFrame) -> dict[Any, list[tuple[float, float]]]:
    """Each project's (actual, plan) per month, the latest month first."""
    newest_first = history.sort_values("month", ascending=False)
    months: dict[Any, list[tuple[float, float]]] = {}
    for project, actual, plan in zip(newest_first.project, newest_first[ACTUAL],
                                     newest_first[PLAN], strict=True):
        months.setdefault(project, []).append((float(actual), float(plan)))
    return months


def _persistence(base: dict[str, Any], rule: AmountRule, months: list[tuple[float, float]],
                 missing: set[str]) -> list[dict[str, Any]]:
    """Months in a row beyond the normal band in the same direction, from the latest."""
    streak, direction = 0, 0
    for actual, plan in months:
        if plan == 0 and actual == 0:
            break
        sign = 1 if not plan or (actual - plan) / plan > 0 else -1
        if not beyond(actual - plan, plan, rule.normal_pct) or (streak and sign != direction):
            break
        streak, direction = streak + 1, sign
    if streak < rule.months or base["subsidiary"] in missing:
        return []
    return [{**base, "comparison": rule.comparison.value, "indicator": rule.indicator,
             "span": "month", "months_in_row": streak, "severity": Severity.ATTENTION,
             "rule_id": rule.id, "rule": rule.describe(), "rule_zh": rule_text(rule),
             "variance_pct": None, "actual": None, "expected": None, "variance": None}]


_Milestones = tuple[list[dict[Hashable, Any]], list[Any]]  # the rows, and their planned finish


def _milestones_by_project(milestones: pd.DataFrame) -> dict[Any, _Milestones]:
    """Each project's milestones (in the board's order) and their planned finishes as
    timestamps, read as dates once for the whole board."""
    finishes = list(pd.to_datetime(milestones.planned_finish)) if len(milestones) else []
    mine: dict[Any, _Milestones] = {}
    for row, finish in zip(records(milestones), finishes, strict=True):
        rows, planned = mine.setdefault(row["project"], ([], []))
        rows.append(row)
        planned.append(finish)
    return mine


def _schedule(base: dict[str, Any], mine: _Milestones, project: dict[Any, Any],
              rules: RuleSet) -> list[dict[str, Any]]:
    flags = []
    rows, finishes = mine
    rule = rules.schedule_rule(Comparison.MILESTONE_SLIP, project["segment"])
    for m in rows if rule is not None else []:
        slip = m["slip_days"]
        if slip is None or pd.isna(slip) or slip <= 0:
            continue
        key = m["key_milestone"] == "Y"
        weighted = slip if key else slip / rule.key_weight
        severity = _days_severity(weighted, rule)
        if severity is not Severity.NORMAL:
            flags.append({**base, "comparison": Comparison.MILESTONE_SLIP.value,
                          "indicator": "schedule", "span": "to_date",
                          "item": f"{m['milestone_id']} {m['milestone']}" + KEY_MILESTONE[0] * key,
                          "days": int(slip), "severity": severity, "rule_id": rule.id,
                          "rule": rule.describe(), "rule_zh": rule_text(rule)})
    finish_rule = rules.schedule_rule(Comparison.FINISH_VS_FEASIBILITY, project["segment"])
    if finish_rule and rows:
        planned = max(finishes).date()
        days = (planned - project["fs_finish"]).days
        severity = _days_severity(abs(days), finish_rule)
        if severity is not Severity.NORMAL:
            flags.append({**base, "comparison": Comparison.FINISH_VS_FEASIBILITY.value,
                          "indicator": "schedule", "span": "at_completion", "days": days,
                          "severity": severity, "rule_id": finish_rule.id,
                          "rule": finish_rule.describe(),
                          "rule_zh": rule_text(finish_rule)})
    return flags


def _days_severity(days: float, rule: ScheduleRule) -> Severity:
    if days >= rule.major_days:
        return Severity.MAJOR
    return Severity.ATTENTION if days > rule.attention_days else Severity.NORMAL


def topic_of(comparison: str, indicator: str) -> str:
    """The Explanations.indicator value that explains a flag of this kind."""
    topic = TOPICS.get(Comparison(comparison)) if comparison in Comparison._value2member_map_ \
        else None
    if topic:
        return topic
    return "investment" if indicator == INVESTMENT else "sales"


def _given(explanations: pd.DataFrame | None) -> dict[tuple[str, str], str]:
    """The explanation given per (project, topic), the last given if several; the columns'
    values taken out at once (the Python values itertuples gives a row)."""
    given: dict[tuple[str, str], str] = {}
    if explanations is not None and not explanations.empty:
        for project, topic, text in zip(explanations.project_id.tolist(),
                                        explanations.indicator.tolist(),
                                        explanations.explanation.tolist(), strict=True):
            given[(str(project), str(topic))] = str(text)
    return given


def _explain(flags: pd.DataFrame, explanations: pd.DataFrame | None) -> pd.DataFrame:
    """Join each flag to the subsidiary's explanation; flag a major one left unexplained."""
    given = _given(explanations)
    flags["explanation"] = [given.get((p, topic_of(c, i)), "") for p, c, i in
                            zip(flags.project, flags.comparison, flags.indicator, strict=True)]
    unexplained = flags[(flags.severity == Severity.MAJOR) & (flags.explanation == "")]
    extra = [{**row, "comparison": "missing_explanation", "severity": Severity.ATTENTION,
              "rule_id": "EXPLAIN", "item": row["rule_id"],
              "rule": "a major variance needs the subsidiary's explanation"}
             for row in records(unexplained)]
    if extra:
        flags = pd.concat([flags, pd.DataFrame(extra, columns=FLAG_COLUMNS)], ignore_index=True)
    flags["severity"] = flags.severity.astype(str)
    return flags.sort_values(["severity", "project", "rule_id"], key=_severity_order,
                             ignore_index=True)


def _severity_order(column: pd.Series) -> pd.Series:
    if column.name == "severity":
        return column.map({"major": 0, "attention": 1, "normal": 2})
    return column
