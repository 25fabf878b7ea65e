"""The cards' S-curves from the actual and plan parts of the selection alone (issue 22, fifth
round) are those of select_facts' whole selection, its baseline chosen too: the same monthly
sums, float for float, and the same cards. The old way is kept here as the reference."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pandas as pd
import pytest

from xltrack.consolidate import INVESTMENT, select_facts
from xltrack.monthly import MonthResult
from xltrack.report import report_data
from xltrack.report.report_data import _actual_and_plan, _monthly_sums, build_report_data


def _selected(facts: pd.DataFrame, period: str) -> pd.DataFrame:
    """report_data._cards' selection before the fifth round."""
    chosen = select_facts(facts, period)
    return chosen[chosen.indicator == INVESTMENT]


def _sums_same(facts: pd.DataFrame, period: str) -> None:
    mine, before = _monthly_sums(_actual_and_plan(facts, period)), \
        _monthly_sums(_selected(facts, period))
    assert mine == before
    assert {p: [list(d) for d in s] for p, s in mine.items()} == \
        {p: [list(d) for d in s] for p, s in before.items()}  # the months in the same order


def test_the_demo_months_cards_are_the_same(demo_month: MonthResult) -> None:
    run_time = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    mine = build_report_data(demo_month, run_time, None, "zh", dt.UTC).cards
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_data, "_actual_and_plan", _selected)
        before = build_report_data(demo_month, run_time, None, "zh", dt.UTC).cards
    assert len(mine) == len(before) > 3
    for a, b in zip(mine, before, strict=True):
        assert (a.project, a.name, a.row, a.figures, a.milestones) == \
            (b.project, b.name, b.row, b.figures, b.milestones)
        pd.testing.assert_frame_equal(a.curve, b.curve, check_exact=True)
    facts = demo_month.facts
    facts = facts[facts.tbl.isin(["Budget", "ActualCost"])]
    for period in ("2026-01", "2026-06", demo_month.period, "2027-03"):
        _sums_same(facts, period)
    _sums_same(facts.iloc[:0], demo_month.period)


@pytest.mark.parametrize("seed", range(20))
def test_revisions_periods_and_copies_in_any_order(seed: int) -> None:
    """Budgets in several revisions, periods and copies (the newest chosen, the first the
    baseline), actuals before and after the period, awkward amounts, rows shuffled."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for sid in range(1, rng.randint(2, 30)):
        project, tbl = f"P{rng.randint(1, 4)}", rng.choice(["Budget", "ActualCost"])
        period = f"2026-{rng.randint(1, 12):02d}"
        for _ in range(rng.randint(1, 8)):
            rows.append({
                "submission_id": sid, "project": project, "tbl": tbl, "measure": "AMOUNT",
                "month": f"{rng.choice([2025, 2026, 2027])}-{rng.randint(1, 12):02d}",
                "amount": rng.choice([rng.uniform(-1e9, 1e9), 0.1, 1e16, -1e16, 3e-3]),
                "period": period, "revision": rng.randint(1, 3),
                "received_at": f"2026-12-0{rng.randint(1, 9)}T00:00:00"})
    rng.shuffle(rows)
    facts = pd.DataFrame(rows)
    _sums_same(facts, f"2026-{rng.randint(1, 12):02d}")
