"""The report's S-curves from one groupby for all the cards equal those of the groupby per
card they replace (issue 22): the old way is kept here as the reference."""

from __future__ import annotations

import random
from typing import Any

import pandas as pd
import pytest

from xltrack.consolidate import ACTUAL, PLAN, select_facts
from xltrack.monthly import MonthResult
from xltrack.report.report_data import INVESTMENT, _curve, _monthly_sums, indicator_tables

_COLUMNS = ["month", "plan", "actual", "earned"]


def _curve_per_card(facts: pd.DataFrame, period: str) -> pd.DataFrame:
    """report_data._curve before issue 22 (without the earned value, which is unchanged)."""
    if facts.empty:
        return pd.DataFrame(columns=_COLUMNS)
    plan = facts[facts.basis == PLAN].groupby("month").amount.sum()
    actual = facts[facts.basis == ACTUAL].groupby("month").amount.sum()
    months = sorted(set(plan.index) | set(actual.index))
    spent = actual.reindex(months, fill_value=0.0).cumsum().to_list()
    return pd.DataFrame({
        "month": months, "plan": plan.reindex(months, fill_value=0.0).cumsum().to_list(),
        "actual": [float("nan") if month > period else a
                   for month, a in zip(months, spent, strict=True)],
        "earned": [None] * len(months)})


def _same(facts: pd.DataFrame, period: str) -> int:
    sums = _monthly_sums(facts)
    for project, mine in dict(tuple(facts.groupby("project", sort=False))).items():
        pd.testing.assert_frame_equal(_curve(sums.get(project), [], None, period, None),
                                      _curve_per_card(mine, period), check_exact=True)
    assert set(sums) == set(facts.project)
    return len(sums)


def test_the_demo_months_curves_are_the_same(demo_month: MonthResult) -> None:
    facts = demo_month.facts
    facts = facts[facts.tbl.isin(indicator_tables(INVESTMENT))]
    chosen = select_facts(facts, demo_month.period)
    assert _same(chosen[chosen.indicator == INVESTMENT], demo_month.period) > 5
    pd.testing.assert_frame_equal(_curve(None, [], None, "2026-10", None),
                                  _curve_per_card(chosen.iloc[:0], "2026-10"))


@pytest.mark.parametrize("seed", range(20))
def test_sums_of_awkward_amounts_in_any_order_are_the_same(seed: int) -> None:
    """Amounts whose float sums depend on the order and the method (cents, huge and tiny),
    rows shuffled, other bases mixed in, a project with neither plan nor actual."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 400)):
        amount = rng.choice([rng.uniform(-1e9, 1e9), round(rng.uniform(0, 1e7), 2), 0.1, 1e16,
                             -1e16, 3e-3, float("nan")])
        rows.append({"project": f"P{rng.randint(1, 6)}", "amount": amount,
                     "basis": rng.choice([PLAN, ACTUAL, ACTUAL, "forecast"]),
                     "month": f"2026-{rng.randint(1, 12):02d}"})
    rows.append({"project": "P9", "amount": 5.0, "basis": "forecast", "month": "2026-01"})
    _same(pd.DataFrame(rows), f"2026-{rng.randint(1, 12):02d}")
