"""Earned value per project (formulas as in the PMBOK Guide, 6th ed., Table 7-1).

PV, the budget of work scheduled: the current budget to date. EV, the budget of work performed:
each milestone's weight × its percent complete × BAC. AC: actual investment to date. Ratios
whose denominator is zero are None, never infinity, and a project with nothing planned, earned
or spent is "not started".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from .consolidate import ACTUAL, INVESTMENT, PLAN, Consolidation


@dataclass(frozen=True)
class EarnedValue:
    bac: float
    pv: float
    ev: float | None
    ac: float
    sv: float | None
    cv: float | None
    spi: float | None
    cpi: float | None
    eac: float | None
    vac: float | None
    state: str  # "not started", "in progress", "no schedule plan"


def earned_value(bac: float, pv: float, ac: float,
                 percent_complete: float | None) -> EarnedValue:
    """Figures for one project; `percent_complete` is the weighted fraction of work done,
    None when no schedule plan says what the work is (then nothing is earned or unearned)."""
    if percent_complete is None:
        return EarnedValue(bac, pv, None, ac, None, None, None, None, None, None,
                           "no schedule plan")
    ev = round(percent_complete * bac, 2)
    if pv == 0 and ac == 0 and ev == 0:
        return EarnedValue(bac, pv, ev, ac, 0.0, 0.0, None, None, None, None, "not started")
    spi = ev / pv if pv else None
    cpi = ev / ac if ac else None
    eac = round(bac / cpi, 2) if cpi else None  # BAC / CPI: the work left costs as so far
    vac = round(bac - eac, 2) if eac is not None else None
    return EarnedValue(bac, pv, ev, ac, round(ev - pv, 2), round(ev - ac, 2), spi, cpi, eac,
                       vac, "in progress")


def weighted_complete(milestones: pd.DataFrame) -> float | None:
    """Σ weight × percent complete over a project's milestones (weights should add to 1);
    None when the project has no milestones to measure progress by."""
    if milestones.empty:
        return None
    pct = pd.to_numeric(milestones.pct_complete, errors="coerce").fillna(0.0)
    weights = pd.to_numeric(milestones.weight_pct, errors="coerce").fillna(0.0)
    return float((pct * weights).sum())


def project_earned_value(consolidation: Consolidation) -> pd.DataFrame:
    """One row of earned-value figures per register project."""
    rows = []
    complete = _weighted_by_project(consolidation.milestones)
    for project in consolidation.projects.project.tolist():
        def fig(basis: str, span: str, project: str = project) -> float:
            return consolidation.figure("project", project, INVESTMENT, basis, span)
        ev = earned_value(fig(PLAN, "at_completion"), fig(PLAN, "to_date"),
                          fig(ACTUAL, "to_date"), complete(project))
        rows.append({"project": project, **asdict(ev)})
    return pd.DataFrame(rows)


def _weighted_by_project(milestones: pd.DataFrame) -> Callable[[Any], float | None]:
    """weighted_complete of each project's milestones. Where both columns are numbers (as
    the board makes them), the products are made once for the board and each project's
    summed as weighted_complete sums its frame's (the same array, the same order); else a
    frame per project, as before."""
    if (len(milestones) and milestones.pct_complete.dtype == np.float64
            and milestones.weight_pct.dtype == np.float64):
        pct, weights = milestones.pct_complete.to_numpy(), milestones.weight_pct.to_numpy()
        products = np.where(np.isnan(pct), 0.0, pct) * np.where(np.isnan(weights), 0.0, weights)
        at: dict[Any, list[int]] = {}
        for i, project in enumerate(milestones.project.tolist()):
            at.setdefault(project, []).append(i)
        sums = {project: float(np.nansum(products[rows])) for project, rows in at.items()}
        return lambda project: sums.get(project)
    by_project = dict(tuple(milestones.groupby("project")))
    return lambda project: weighted_complete(by_project.get(project, pd.DataFrame()))
