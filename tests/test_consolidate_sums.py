"""consolidate's sums, taken over masks and integer keys without copying the facts, are the
figures of the summing it did before (kept here as the reference, each level grouped as a
frame by its four texts): same values to the last bit, dtypes and order, on the demo history
and on generated facts."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from xltrack import store
from xltrack.consolidate import (
    GROUP,
    LEVELS,
    SELECTION_COLUMNS,
    _complete,
    _rolled_up,
    _selected_parts,
    _span_masks,
    _summed,
    consolidate,
    projects_frame,
    with_indicator,
)
from xltrack.demo import demo_register
from xltrack.monthly import MonthResult
from xltrack.settings import Register


def _figures_before(facts: pd.DataFrame, register: Register, period: str) -> pd.DataFrame:
    projects = projects_frame(register)
    needed = facts[SELECTION_COLUMNS] if set(SELECTION_COLUMNS) <= set(facts.columns) else facts
    keys = ["project", "indicator", "basis"]
    sums = []
    tagged = with_indicator(needed, period)
    for part in _selected_parts(tagged, period, ["project", "indicator", "month", "amount"]):
        sums += [part[mask].groupby(keys).amount.sum().reset_index().assign(span=span)
                 for span, mask in _span_masks(part, period).items()]
    summed = (pd.concat(sums, ignore_index=True).groupby([*keys, "span"]).amount.sum()
              .reset_index())
    by_project = _complete(summed, projects)
    with_owner = by_project.merge(projects[["project", "subsidiary", "segment"]], on="project")
    with_owner["group"] = GROUP
    figures = _levels_before(with_owner)
    figures["amount"] = figures.amount.round(2)
    return figures


def _levels_before(with_owner: pd.DataFrame) -> pd.DataFrame:
    levels = []
    for level in LEVELS:
        rolled = (with_owner.groupby([level, "indicator", "basis", "span"]).amount.sum()
                  .reset_index().rename(columns={level: "key"}))
        levels.append(rolled.assign(level=level))
    return pd.concat(levels, ignore_index=True)[
        ["level", "key", "indicator", "basis", "span", "amount"]]


def _same(facts: pd.DataFrame, register: Register, period: str) -> pd.DataFrame:
    now = consolidate(facts, register, period).figures
    before = _figures_before(facts, register, period)
    pd.testing.assert_frame_equal(now, before, check_exact=True)
    assert list(now.dtypes) == list(before.dtypes)
    return now


@pytest.mark.parametrize("origins", [False, True])
@pytest.mark.parametrize("period", ["2026-10", "2026-03", "2025-12", "2000-01"])
def test_demo_figures_are_those_summed_before(demo_month: MonthResult, register: Register,
                                              period: str, origins: bool) -> None:
    with store.open_store(demo_month.db) as conn:
        facts = store.facts_in_force(conn, period, origins=origins)
    now = _same(facts, register, period)
    if period == "2026-10":
        assert (now.amount != 0).sum() > 100


def _generated(seed: int, register: Register) -> pd.DataFrame:
    """Facts of many versions: revisions, periods and receipts in every order, amounts with
    many decimals (where the order of a sum shows), sales measures, projects not registered."""
    rng = random.Random(seed)
    projects = [p.id for p in register.projects][:12] + ["XX-P99"]
    tables = ["Budget", "ActualCost", "SalesForecast", "ActualSales"]
    months = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)]
    rows = []
    for sub in range(1, 60):
        table = rng.choice(tables)
        period = rng.choice(months[:22])
        revision, received = rng.randint(1, 3), f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        for project in rng.sample(projects, rng.randint(1, 5)):
            measure = "amount" if table in ("Budget", "ActualCost") else rng.choice(
                ["amount", "area", "units"])
            for month in rng.sample(months, rng.randint(1, 8)):
                rows.append({"submission_id": sub, "project": project, "tbl": table,
                             "measure": measure, "month": month,
                             "amount": round(rng.uniform(-1e6, 1e7), rng.randint(0, 4)) / 3,
                             "period": period, "revision": revision, "received_at": received})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("period", ["2026-10", "2026-01", "2025-06"])
def test_generated_figures_are_those_summed_before(seed: int, period: str) -> None:
    register = demo_register()
    _same(_generated(seed, register), register, period)


def test_no_facts_give_the_same_figures(register: Register) -> None:
    _same(pd.DataFrame(), register, "2026-10")


def test_levels_missing_a_key_or_not_floats_are_rolled_up_as_before(register: Register) -> None:
    """_rolled_up's frames path (a key missing, amounts not floats) is the grouping before."""
    figures = consolidate(_generated(2, register), register, "2026-10").figures
    projects = projects_frame(register)
    summed = _summed(_generated(2, register), "2026-10")
    by_project = _complete(summed, projects)
    owner = by_project.merge(projects[["project", "subsidiary", "segment"]], on="project")
    owner["group"] = GROUP
    for with_owner in (owner, owner.assign(amount=owner.amount.astype(object)),
                       owner.assign(segment=owner.segment.where(owner.index % 3 != 0))):
        now, before = _rolled_up(with_owner), _levels_before(with_owner)
        pd.testing.assert_frame_equal(now, before, check_exact=True)
        assert list(now.dtypes) == list(before.dtypes)
    assert len(figures) == len(_rolled_up(owner))
