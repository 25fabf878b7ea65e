"""Variance rules, boundaries and earned value, against hand-computed expectations."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltrack.consolidate import indicator_tables, select_facts
from xltrack.earned_value import earned_value, weighted_complete
from xltrack.monthly import MonthResult
from xltrack.variance import (
    AmountRule,
    Comparison,
    RuleSet,
    Severity,
    classify,
    default_rules,
    load_rules,
    monthly_series,
)

RULE = AmountRule(id="T", comparison=Comparison.ACTUAL_VS_PLAN)  # 5%, >10% and ≥ 5,000,000


@pytest.mark.parametrize(("actual", "expected", "severity"), [
    (105_000_000, 100_000_000, Severity.NORMAL),  # exactly 5%: still normal
    (105_000_001, 100_000_000, Severity.ATTENTION),  # just beyond 5%
    (110_000_000, 100_000_000, Severity.ATTENTION),  # exactly 10% is not "above 10%"
    (155_000_000, 150_000_000, Severity.NORMAL),  # 5,000,000 but only 3.3%
    (55_000_000, 50_000_000, Severity.ATTENTION),  # 10% exactly, 5,000,000 exactly
    (55_000_001, 50_000_000, Severity.MAJOR),  # above 10% and at least 5,000,000
    (44_999_999, 40_000_000, Severity.ATTENTION),  # 12.5% but not material
])
def test_boundaries(actual: float, expected: float, severity: Severity) -> None:
    assert classify(actual, expected, RULE)[0] is severity


def test_exact_materiality_amount_and_percentage() -> None:
    assert classify(45_000_000, 40_000_000, RULE)[0] is Severity.MAJOR  # 12.5%, exactly 5M
    assert classify(44_999_999.99, 40_000_000, RULE)[0] is Severity.ATTENTION


def test_underspend_is_measured_the_same_way() -> None:
    severity, pct = classify(40_000_000, 50_000_000, RULE)
    assert severity is Severity.MAJOR and pct == -0.2
    assert classify(47_500_000, 50_000_000, RULE)[0] is Severity.NORMAL  # −5% exactly


def test_zero_budget() -> None:
    assert classify(0, 0, RULE) == (Severity.NORMAL, 0.0)
    assert classify(6_000_000, 0, RULE) == (Severity.MAJOR, None)  # material, nothing planned
    assert classify(1_000, 0, RULE) == (Severity.ATTENTION, None)


def test_either_combination() -> None:
    either = RULE.model_copy(update={"combine": "either"})
    assert classify(115, 100, either)[0] is Severity.MAJOR  # 15% of a small amount
    assert classify(106_000_000, 100_000_000, either)[0] is Severity.MAJOR  # 6M at 6%


def test_segment_rules_override_the_general_ones() -> None:
    rules = default_rules()
    ytd = {r.segment: r for r in rules.amount if r.id.startswith("INV-YTD")}
    assert [r.major_amount for r in rules.amount_rules("TRD") if r.id.startswith("INV-YTD")] \
        == [ytd["TRD"].major_amount] == [1_000_000]
    assert [r.id for r in rules.amount_rules("RE") if r.id.startswith("INV-YTD")] == ["INV-YTD"]


def test_rules_load_from_json_and_bad_rules_are_named(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(default_rules().model_dump_json(), encoding="utf-8")
    assert load_rules(path) == default_rules()
    data = json.loads(path.read_text(encoding="utf-8"))
    data["amount"][0]["normal_pct"] = -1
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(Exception, match="amount.0.normal_pct"):
        load_rules(path)
    assert isinstance(default_rules(), RuleSet)


def test_earned_value_worked_example() -> None:
    """Formulas of the PMBOK Guide, 6th ed., Table 7-1, on a worked example: BAC 10,000;
    at the status date PV 5,000, 40% of the work done (EV 4,000) for AC 4,500.
    SV = EV − PV = −1,000; CV = EV − AC = −500; SPI = 0.8; CPI = 0.8889;
    EAC = BAC / CPI = 11,250; VAC = BAC − EAC = −1,250."""
    ev = earned_value(bac=10_000, pv=5_000, ac=4_500, percent_complete=0.4)
    assert (ev.ev, ev.sv, ev.cv) == (4_000, -1_000, -500)
    assert ev.spi == pytest.approx(0.8) and ev.cpi == pytest.approx(8 / 9)
    assert (ev.eac, ev.vac) == (11_250, -1_250)


def test_earned_value_second_example_ahead_and_under_budget() -> None:
    """BAC 200,000; PV 80,000; 50% done (EV 100,000); AC 90,000: SPI 1.25, CPI 1.1111,
    EAC 180,000, VAC +20,000."""
    ev = earned_value(bac=200_000, pv=80_000, ac=90_000, percent_complete=0.5)
    assert (ev.sv, ev.cv, ev.eac, ev.vac) == (20_000, 10_000, 180_000, 20_000)
    assert ev.spi == pytest.approx(1.25)


def test_earned_value_division_by_zero_and_not_started() -> None:
    assert earned_value(1_000, 0, 0, 0).state == "not started"
    no_cost = earned_value(1_000, 100, 0, 0.1)
    assert no_cost.cpi is None and no_cost.eac is None and no_cost.spi == pytest.approx(1.0)
    nothing_earned = earned_value(1_000, 100, 50, 0.0)
    assert nothing_earned.spi == 0 and nothing_earned.cpi == 0 and nothing_earned.eac is None


def test_weighted_complete() -> None:
    milestones = pd.DataFrame({"weight_pct": [0.2, 0.5, 0.3], "pct_complete": [1.0, 0.4, None]})
    assert weighted_complete(milestones) == pytest.approx(0.4)
    assert weighted_complete(milestones.iloc[0:0]) is None


def test_no_schedule_plan_means_no_earned_value_not_zero() -> None:
    ev = earned_value(bac=1_000, pv=500, ac=400, percent_complete=None)
    assert ev.state == "no schedule plan"
    assert (ev.ev, ev.spi, ev.cpi, ev.eac) == (None, None, None, None)


def test_demo_variances_are_exactly_the_story(demo: Path, demo_month: MonthResult) -> None:
    manifest = json.loads((demo / "expected.json").read_text(encoding="utf-8"))
    result = demo_month
    flags = result.variances
    majors = flags[flags.severity == "major"]
    assert sorted(zip(majors.project, majors.comparison, majors.indicator, strict=True)) == \
        sorted(tuple(m.values()) for m in manifest["major_variances"])
    story = manifest["story"]
    unexplained = flags[flags.comparison == "missing_explanation"]
    assert list(unexplained.project) == [story["unexplained"]]
    minor = flags[flags.project == story["minor"]]
    assert not minor.empty and set(minor.severity) == {"attention"}
    assert set(flags[flags.comparison == "missing_actuals"].subsidiary) == {
        story["invalid_subsidiary"]}
    slipped = flags[(flags.project == story["slipped"]) & (flags.severity == "major")]
    assert list(slipped.days) == [story["slip_days"]]
    ev = result.earned_value.set_index("project")
    assert ev.loc[story["overspend"], "cpi"] < 0.95 < ev.loc["RE01-P02", "cpi"]
    assert ev.loc[story["slipped"], "spi"] < 0.95


def _fact(sub: int, project: str, tbl: str, month: str, amount: float, period: str,
          revision: int = 1, received: str = "2026-01-05", measure: str = "MONEY"
          ) -> dict[str, object]:
    return {"submission_id": sub, "project": project, "tbl": tbl, "measure": measure,
            "month": month, "amount": amount, "period": period, "revision": revision,
            "received_at": received}


def test_monthly_series_keeps_each_month_against_the_plan_then_in_force() -> None:
    """A budget revised in 2026-03 (revision 2) replaces the plan from March on; January and
    February keep revision 1's months. An actual filed late (its period after its month) does
    not count in its month: the series shows what was known then."""
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    facts = pd.DataFrame(
        [_fact(1, "P", "Budget", m, 100.0, "2026-01") for m in months]
        + [_fact(2, "P", "Budget", m, 150.0, "2026-03", revision=2) for m in months]
        + [_fact(3, "P", "ActualCost", "2026-01", 90.0, "2026-01"),
           _fact(4, "P", "ActualCost", "2026-02", 95.5, "2026-02"),
           _fact(5, "P", "ActualCost", "2026-03", 160.25, "2026-04"),
           _fact(6, "P", "ActualCost", "2026-04", 149.99, "2026-04")])
    series = monthly_series(facts, months)
    assert series.to_dict("list") == {
        "project": ["P"] * 4, "month": months, "actual": [90.0, 95.5, 0.0, 149.99],
        "plan": [100.0, 100.0, 150.0, 150.0]}


def _month_by_month(facts: pd.DataFrame, periods: list[str], indicator: str) -> pd.DataFrame:
    """The series as it was made before one pass: select_facts once for every month."""
    window = facts[facts.month.isin(periods) & facts.tbl.isin(indicator_tables(indicator))]
    parts = []
    for month in periods:
        chosen = select_facts(window, month)
        chosen = chosen[(chosen.month == month) & (chosen.indicator == indicator)
                        & chosen.basis.isin(["actual", "plan"])]
        sums = chosen.groupby(["project", "basis"]).amount.sum().unstack(fill_value=0)
        parts.append(sums.reindex(columns=["actual", "plan"], fill_value=0.0)
                     .reset_index().assign(month=month))
    return pd.concat(parts, ignore_index=True)[["project", "month", "actual", "plan"]]


_MONTHS = [f"2026-{m:02d}" for m in range(1, 7)]


@st.composite
def _histories(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for sub in range(1, draw(st.integers(1, 14)) + 1):
        tbl = draw(st.sampled_from(["Budget", "ActualCost", "SalesForecast", "ActualSales"]))
        period = draw(st.sampled_from(_MONTHS))
        revision = draw(st.integers(1, 3))
        received = draw(st.sampled_from(["2026-02-01", "2026-05-01"]))  # ties on purpose
        for project in draw(st.sets(st.sampled_from(["P1", "P2", "P3"]), min_size=1)):
            months = (draw(st.sets(st.sampled_from(_MONTHS), min_size=1))
                      if tbl in ("Budget", "SalesForecast") else {period})
            for month in sorted(months):
                for measure in draw(st.sets(st.sampled_from(["MONEY", "AMOUNT", "AREA"]),
                                            min_size=1)):
                    cents = draw(st.integers(-10**9, 10**9))
                    rows.append(_fact(sub, project, tbl, month, cents / 100, period, revision,
                                      received, measure))
    return pd.DataFrame(rows)


@settings(max_examples=100, deadline=None)
@given(facts=_histories(), periods=st.lists(st.sampled_from(_MONTHS), min_size=1,
                                            max_size=6, unique=True).map(sorted),
       indicator=st.sampled_from(["investment", "sales:AMOUNT"]))
def test_monthly_series_in_one_pass_equals_the_choice_made_month_by_month(
        facts: pd.DataFrame, periods: list[str], indicator: str) -> None:
    expected = _month_by_month(facts, periods, indicator)
    got = monthly_series(facts, periods, indicator)
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  expected.reset_index(drop=True), check_exact=True,
                                  check_dtype=False, check_index_type=False)
