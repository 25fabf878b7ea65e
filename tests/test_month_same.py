"""The month's faster steps give what the steps before them gave (kept here as the
reference): rows.records is to_dict("records"), value for value and type for type, and the
earned value's weighted completion is weighted_complete of each project's own frame."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from xltrack import store
from xltrack.consolidate import Consolidation
from xltrack.earned_value import _weighted_by_project, project_earned_value, weighted_complete
from xltrack.monthly import MonthResult
from xltrack.rows import records


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
