"""Each special report's register entry, flags, trend and earned value, found in one pass
(monthly._each_project, issue 22 fifth round), are what a filter of the whole frame and a
.loc per project gave: the same values of the same types, the same rows in the same order
with their index; and the month's special reports are the same files. The old way is kept
here as the reference."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from xltrack import monthly
from xltrack.monthly import MonthResult, write_special_reports


def _each_project_filtered(result: MonthResult, trend: pd.DataFrame,
                           reported: list[str]) -> list[Any]:
    """monthly.write_special_reports' jobs before the fifth round."""
    projects = result.consolidation.projects.set_index("project", drop=False)
    earned = result.earned_value.set_index("project", drop=False)
    flags = result.variances
    return [(projects.loc[p].to_dict(), flags[flags.project == p], trend[trend.project == p],
             earned.loc[p].to_dict() if p in earned.index else None) for p in reported]


def _typed(values: dict[Any, Any] | None) -> Any:
    return None if values is None else [(k, type(v), repr(v)) for k, v in values.items()]


def _same(result: MonthResult, trend: pd.DataFrame, reported: list[str]) -> None:
    mine = monthly._each_project(result, trend, reported)
    before = _each_project_filtered(result, trend, reported)
    assert len(mine) == len(before) == len(reported)
    for (entry, flags, months, worth), (entry0, flags0, months0, worth0) in zip(
            mine, before, strict=True):
        assert _typed(entry) == _typed(entry0)
        assert _typed(worth) == _typed(worth0)
        for a, b in ((flags, flags0), (months, months0)):
            pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_every_project_of_the_demo_month(demo_month: MonthResult) -> None:
    trend = demo_month.history[demo_month.history.month >= "2026-01"]
    every = sorted(demo_month.consolidation.projects.project)
    assert len(every) > 10
    _same(demo_month, trend, every)
    _same(demo_month, trend.iloc[:0], every[:3])  # no trend at all
    majors = sorted(set(demo_month.variances[demo_month.variances.severity == "major"].project))
    _same(demo_month, trend, majors)


def test_a_project_of_two_rows_is_taken_by_loc(demo_month: MonthResult) -> None:
    """Never in a register, but .loc's answer is kept: a dict of the two rows' values."""
    ev, projects = demo_month.earned_value, demo_month.consolidation.projects
    consolidation = type(demo_month.consolidation)(**{
        **vars(demo_month.consolidation),
        "projects": pd.concat([projects, projects.iloc[:1]], ignore_index=True)})
    result = MonthResult(**{**vars(demo_month), "consolidation": consolidation,
                            "earned_value": pd.concat([ev, ev.iloc[:1]], ignore_index=True)})
    _same(result, demo_month.history, [str(projects.project.iloc[0]),
                                       str(projects.project.iloc[-1])])


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {n: package.read(n) for n in package.namelist() if n != "docProps/core.xml"}


def test_the_special_reports_are_the_same_files(demo_month: MonthResult,
                                                tmp_path: Path) -> None:
    fast = write_special_reports(demo_month, tmp_path / "fast")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(monthly, "_each_project", _each_project_filtered)
        before = write_special_reports(demo_month, tmp_path / "before")
    assert [p.name for p in fast] == [p.name for p in before]
    assert len(fast) > 3
    for mine, theirs in zip(fast, before, strict=True):
        assert _parts(mine) == _parts(theirs), mine.name
