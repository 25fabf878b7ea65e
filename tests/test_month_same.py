"""The month's faster steps give what the steps before them gave (kept here as the
reference): rows.records is to_dict("records"), value for value and type for type, the
earned value's weighted completion is weighted_complete of each project's own frame, and the
monthly series, each month grouped as a Series, is the series summed as frames, and the
newest versions and each project's current plan, chosen as Python values or integers, are
those chosen as frames."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_variance import _MONTHS, _histories
from xltrack import store
from xltrack.consolidate import (
    ACTUAL,
    ACTUAL_TABLES,
    INVESTMENT,
    PLAN,
    PLAN_TABLES,
    SELECTION_COLUMNS,
    Consolidation,
    _current,
    _first_revision,
    _newest,
    _pairs,
    indicator_tables,
    newest_each_month,
    with_indicator,
)
from xltrack.earned_value import _weighted_by_project, project_earned_value, weighted_complete
from xltrack.monthly import MonthResult
from xltrack.rows import records
from xltrack.variance import _given, last_twelve_months, monthly_series


def _same_value(a: Any, b: Any) -> bool:
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a)
                                              and math.isnan(b)))


def _same_rows(frame: pd.DataFrame) -> None:
    now, before = records(frame), frame.to_dict("records")
    assert len(now) == len(before)
    for a, b in zip(now, before, strict=True):
        assert list(a) == list(b) and all(_same_value(a[k], b[k]) for k in a)


def test_rows_are_to_dict_records(demo_month: MonthResult) -> None:
    with store.open_store(demo_month.db) as conn:
        frames = [store.submissions(conn), demo_month.consolidation.projects,
                  demo_month.consolidation.milestones, demo_month.variances,
                  demo_month.status, demo_month.progress,
                  store.records_in_force(conn, demo_month.period, "Plan"),
                  pd.DataFrame(), pd.DataFrame(index=range(3))]
    for frame in frames:
        _same_rows(frame)


def _earned_before(consolidation: Consolidation) -> pd.DataFrame:
    from dataclasses import asdict

    from xltrack.consolidate import ACTUAL, INVESTMENT, PLAN
    from xltrack.earned_value import earned_value
    rows = []
    by_project = dict(tuple(consolidation.milestones.groupby("project")))
    for project in consolidation.projects.project:
        def fig(basis: str, span: str, project: str = project) -> float:
            return consolidation.figure("project", project, INVESTMENT, basis, span)
        ev = earned_value(fig(PLAN, "at_completion"), fig(PLAN, "to_date"),
                          fig(ACTUAL, "to_date"),
                          weighted_complete(by_project.get(project, pd.DataFrame())))
        rows.append({"project": project, **asdict(ev)})
    return pd.DataFrame(rows)


def test_earned_value_is_that_made_before(demo_month: MonthResult) -> None:
    c = demo_month.consolidation
    pd.testing.assert_frame_equal(project_earned_value(c), _earned_before(c), check_exact=True)
    milestones = c.milestones.assign(pct_complete=c.milestones.pct_complete * 1.37 / 3)
    complete = _weighted_by_project(milestones)
    for project, mine in milestones.groupby("project"):
        assert complete(project) == weighted_complete(mine)
    assert complete("nobody") is None


def _newest_each_month_before(facts: pd.DataFrame, among: pd.Series,
                              months: list[str]) -> pd.Series:
    """consolidate.newest_each_month as it was: the (project, table, month, submission) in
    force looked up by a MultiIndex."""
    chosen = pd.Series(False, index=facts.index)
    if not among.any() or not months:
        return chosen
    rows = facts.loc[among]
    versions = (rows.drop_duplicates(["project", "tbl", "submission_id"])
                .sort_values(["revision", "period", "received_at", "submission_id"]))
    in_force: list[tuple[Any, Any, str, Any]] = []
    order = list(zip(versions.project.tolist(), versions.tbl.tolist(), versions.period.tolist(),
                     versions.submission_id.tolist(), strict=True))
    for month in months:
        last: dict[tuple[Any, Any], Any] = {}
        for project, table, when, submission in order:
            if when <= month:
                last[(project, table)] = submission
        in_force += [(project, table, month, submission)
                     for (project, table), submission in last.items()]
    if not in_force:
        return chosen
    keys = pd.MultiIndex.from_arrays([rows.project, rows.tbl, rows.month, rows.submission_id])
    chosen[among] = keys.isin(in_force)
    return chosen


def _series_before(facts: pd.DataFrame, periods: list[str],
                   indicator: str = INVESTMENT) -> pd.DataFrame:
    """variance.monthly_series as it was: each month's sums grouped on their own."""
    columns = ["project", "month", ACTUAL, PLAN]
    if not periods:
        return pd.DataFrame(columns=columns)
    window = facts[facts.month.isin(periods) & facts.tbl.isin(indicator_tables(indicator))]
    if set(SELECTION_COLUMNS) <= set(window.columns):
        window = window[SELECTION_COLUMNS]
    window = with_indicator(window, max(periods))
    actual = window.tbl.isin(ACTUAL_TABLES) & (window.period <= window.month)
    plan = _newest_each_month_before(window, window.tbl.isin(PLAN_TABLES), periods)
    mine = window.indicator == indicator
    chosen = pd.concat([window.loc[actual & mine, ["month", "project", "amount"]]
                        .assign(basis=ACTUAL),
                        window.loc[plan & mine, ["month", "project", "amount"]]
                        .assign(basis=PLAN)])
    parts = []
    for month, rows in chosen.groupby("month", sort=False):
        sums = rows.groupby(["project", "basis"]).amount.sum().unstack(fill_value=0)
        parts.append((month, sums.reindex(columns=[ACTUAL, PLAN], fill_value=0.0)
                      .reset_index().assign(month=month)))
    ordered = [frame for month in periods for m, frame in parts if m == month]
    if not ordered:
        return pd.DataFrame(columns=pd.Index(columns, name="basis"))
    return pd.concat(ordered, ignore_index=True)[columns]


def _same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.columns.name == expected.columns.name
    assert list(got.dtypes) == list(expected.dtypes)
    assert type(got.index) is type(expected.index)
    for column in got.columns:
        assert ([type(v) for v in got[column].tolist()]
                == [type(v) for v in expected[column].tolist()])


_WINDOWS = [last_twelve_months("2026-10"), last_twelve_months("2026-03"),
            ["2026-10"], ["2026-09", "2026-10", "2026-09"], ["2026-10", "2026-01"],
            ["1999-01"], []]


@pytest.mark.parametrize("periods", _WINDOWS)
@pytest.mark.parametrize("indicator", [INVESTMENT, "sales:AMOUNT", "sales:AREA"])
def test_series_is_that_summed_month_by_month_before(demo_month: MonthResult,
                                                     periods: list[str],
                                                     indicator: str) -> None:
    facts = demo_month.facts
    _same_frame(monthly_series(facts, periods, indicator),
                _series_before(facts, periods, indicator))
    among = facts.tbl.isin(PLAN_TABLES)
    pd.testing.assert_series_equal(newest_each_month(facts, among, periods),
                                   _newest_each_month_before(facts, among, periods))


@settings(max_examples=150, deadline=None)
@given(facts=_histories(), periods=st.lists(st.sampled_from(_MONTHS), min_size=1,
                                            max_size=8),
       indicator=st.sampled_from(["investment", "sales:AMOUNT"]))
def test_generated_series_are_those_summed_month_by_month_before(
        facts: pd.DataFrame, periods: list[str], indicator: str) -> None:
    """Months in any order, some twice; amounts whose float sums depend on their order."""
    _same_frame(monthly_series(facts, periods, indicator),
                _series_before(facts, periods, indicator))
    among = facts.tbl.isin(PLAN_TABLES)
    pd.testing.assert_series_equal(newest_each_month(facts, among, periods),
                                   _newest_each_month_before(facts, among, periods))


def _newest_before(facts: pd.DataFrame, among: pd.Series) -> pd.Series:
    """consolidate._newest as it was: the versions sorted and grouped as a frame."""
    if not among.any():
        return among
    pair = _pairs(facts)
    submission = facts.submission_id.to_numpy(dtype="int64")
    version = pair * (int(submission.max()) + 1) + submission
    inside = np.flatnonzero(among.to_numpy(dtype=bool))
    first = inside[pd.Series(version[inside]).drop_duplicates().index]
    versions = pd.DataFrame({
        "pair": pair[first], "version": version[first],
        **{k: facts[k].iloc[first].to_numpy()
           for k in ("revision", "period", "received_at", "submission_id")}})
    newest = (versions.sort_values(["revision", "period", "received_at", "submission_id"])
              .groupby("pair").tail(1).version)
    return among & pd.Series(version, index=among.index).isin(newest.to_numpy())


def _current_before(records: pd.DataFrame) -> pd.DataFrame:
    """consolidate._current as it was: a sort, a groupby's last and a join."""
    order = records.sort_values(["revision", "period", "received_at", "submission_id"])
    newest = order.groupby("project_id").submission_id.last().rename("newest")
    joined = records.join(newest, on="project_id")
    return joined[joined.submission_id == joined.newest].drop(columns="newest")


def _shuffled(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sample(frac=1, random_state=7)


def test_newest_is_that_chosen_before(demo_month: MonthResult) -> None:
    for facts in (demo_month.facts, _shuffled(demo_month.facts)):
        planned = facts.tbl.isin(PLAN_TABLES)
        for among in (planned, planned & _first_revision(facts, ["project", "tbl"]),
                      planned & (facts.period <= "2026-03"), planned & False):
            pd.testing.assert_series_equal(_newest(facts, among), _newest_before(facts, among))
    missing = demo_month.facts.assign(received_at=demo_month.facts.received_at.where(
        demo_month.facts.index % 7 != 0, None))
    among = missing.tbl.isin(PLAN_TABLES)
    pd.testing.assert_series_equal(_newest(missing, among), _newest_before(missing, among))


@settings(max_examples=100, deadline=None)
@given(facts=_histories())
def test_generated_newest_is_that_chosen_before(facts: pd.DataFrame) -> None:
    among = facts.tbl.isin(PLAN_TABLES)
    pd.testing.assert_series_equal(_newest(facts, among), _newest_before(facts, among))


@pytest.mark.parametrize("period", ["2026-10", "2026-03", "2026-01"])
def test_current_is_that_found_before(demo_month: MonthResult, period: str) -> None:
    with store.open_store(demo_month.db) as conn:
        plan = store.records_in_force(conn, period, "Plan")
    assert not plan.empty  # milestone_status reads no plan when there is none
    tied = plan.assign(received_at=plan.received_at.iloc[0], period=plan.period.iloc[0])
    missing = plan.assign(project_id=plan.project_id.where(plan.index % 5 != 0, None))
    for rows in (plan, _shuffled(plan), tied, _shuffled(tied), missing,
                 plan[plan.revision == plan.revision.min()], plan.iloc[:0]):
        got, expected = _current(rows), _current_before(rows)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert list(got.dtypes) == list(expected.dtypes)


def _given_before(explanations: pd.DataFrame) -> dict[tuple[str, str], str]:
    """variance._explain's explanations as it read them: row by row (itertuples)."""
    given: dict[tuple[str, str], str] = {}
    for row in explanations.itertuples():
        given[(str(row.project_id), str(row.indicator))] = str(row.explanation)
    return given


def test_explanations_are_read_as_before(demo_month: MonthResult) -> None:
    with store.open_store(demo_month.db) as conn:
        explanations = store.records_in_force(conn, demo_month.period, "Explanations")
    assert not explanations.empty
    odd = pd.DataFrame({"project_id": [1, None, "P", "P"], "indicator": ["plan", 2.5, "x", "x"],
                        "explanation": [float("nan"), "a", "first", "second"]})
    for explained in (explanations, pd.concat([explanations, odd], ignore_index=True)):
        assert list(_given(explained).items()) == list(_given_before(explained).items())
    assert _given(None) == {} and _given(explanations.iloc[:0]) == {}
