"""The unit check runs in the readers (each file against the expectations known before
reading): the same findings, in the same order, as when the run checked units itself after
every file was read and the milestones checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from xltrack import contract as c
from xltrack.inbox import check_files
from xltrack.models import Finding, Reason
from xltrack.settings import Register
from xltrack.units import UnitCheck, check_units
from xltrack.validate import validate_all
from xltrack.workers import Isolation, examine

from .conftest import Fill, cost_row

PERIOD = "2026-10"


def _milestone(mid: str, weight: float) -> dict[str, Any]:
    return {"project_id": "RE01-P01", "milestone_id": mid, "milestone": "开工",
            "planned_start": dt.date(2026, 1, 1), "planned_finish": dt.date(2026, 3, 31),
            "weight_pct": weight, "key_milestone": "Y"}


def _study_month(register: Register, project: str) -> float:
    study = next(p for p in register.projects if p.id == project).feasibility
    months = (study.finish.year - study.start.year) * 12 + study.finish.month - study.start.month
    return round(study.total_investment / (months + 1), 2)


@pytest.fixture
def month(fill: Fill, register: Register) -> list[Path]:
    """A plan, and monthly files whose Progress names a milestone the plan does not have and
    whose amounts are 10,000 times off, too large or too small, accepted or not."""
    typical = _study_month(register, "RE01-P01")
    plan = fill(c.Kind.PLAN, {"Plan": [_milestone("M01", 1.0)]}, name="plan.xlsx")
    wrong = {"Progress": [{"project_id": "RE01-P01", "milestone_id": "M07",
                           "pct_complete": 0.1}],
             "ActualCost": [cost_row(amount=typical), cost_row(code="0102", amount=1.0)]}
    large = fill(c.Kind.MONTHLY, wrong, name="large.xlsx", unit="万元")
    accepted = fill(c.Kind.MONTHLY, wrong, name="accepted.xlsx", unit="万元",
                    xt_preparer="钱七")
    small = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=round(typical / 1e4, 2))]},
                 name="small.xlsx")
    total = next(p for p in register.projects if p.id == "RE01-P01").feasibility.total_investment
    budget = fill(c.Kind.BUDGET, {"Budget": [{
        "project_id": "RE01-P01", "cost_code": "0101", "description": "土地出让金",
        "year": 2026, **{key: round(total / 12, 2) for key in c.MONTH_KEYS}}]},
        name="budget.xlsx", unit="万元")
    return [plan, large, accepted, small, budget]


def _as_before(paths: list[Path], register: Register, units: UnitCheck,
               known: dict[str, set[str]] | None = None) -> list[list[Finding]]:
    """The run as it was: each file's own checks in the reader, then the milestones, then
    the units, in the run's process."""
    subs = [examine(p, (register, PERIOD)) for p in paths]
    validate_all(subs, register, PERIOD, known, files_checked=True)
    for sub in subs:
        if sub.kinds:
            check_units(sub, register, units)
    return [sub.findings for sub in subs]


def _units(register: Register) -> UnitCheck:
    typical = _study_month(register, "RE01-P01")
    return UnitCheck({("RE01-P01", "cost"): typical, ("RE01-P01", "sales"): 1.0}, {},
                     frozenset({"accepted.xlsx"}))


@pytest.mark.parametrize("isolation", [Isolation(workers=2), Isolation(workers=1,
                                                                      start_method="spawn")],
                         ids=["fork", "spawn"])
def test_readers_find_the_units_the_run_found(month: list[Path], register: Register,
                                              isolation: Isolation) -> None:
    units = _units(register)
    before = _as_before(month, register, units)
    now = [s.findings for s in check_files(month, register, PERIOD, None, isolation,
                                           units=units).submissions]
    assert now == before
    reasons = {p.name: [f.reason for f in found] for p, found in zip(month, now, strict=True)}
    # both checks found something, the milestone said before the unit, as it always was
    assert reasons["large.xlsx"][-2:] == [Reason.UNKNOWN_MILESTONE, Reason.IMPLAUSIBLE_UNIT]
    assert reasons["accepted.xlsx"][-1] == Reason.IMPLAUSIBLE_UNIT
    assert reasons["small.xlsx"] == [Reason.IMPLAUSIBLE_UNIT]
    assert reasons["budget.xlsx"][-1:] == [Reason.IMPLAUSIBLE_UNIT]


def test_a_file_refused_for_its_units_still_gives_its_plan(fill: Fill,
                                                           register: Register) -> None:
    """A pack's plan counts for the milestones of the run's other files whatever its units
    (the run judged milestones before units): the readers' unit findings wait aside."""
    typical = _study_month(register, "RE01-P01")
    pack = fill((c.Kind.PLAN, c.Kind.MONTHLY), {
        "Plan": [_milestone("M01", 1.0)], "ActualCost": [cost_row(amount=typical)]},
        name="pack.xlsx", unit="万元")
    monthly = fill(c.Kind.MONTHLY, {"Progress": [{"project_id": "RE01-P01",
                                                  "milestone_id": "M07", "pct_complete": 0.5}]},
                   name="monthly.xlsx")
    units, on_file = _units(register), {"RE01-P01": {"M07"}}  # the plan before the pack's
    before = _as_before([pack, monthly], register, units, on_file)
    checked = check_files([pack, monthly], register, PERIOD, None, Isolation(workers=1),
                          milestones=on_file, units=units)
    assert [s.findings for s in checked.submissions] == before
    assert [f.reason for f in before[0]][-1] == Reason.IMPLAUSIBLE_UNIT
    assert [f.reason for f in before[1]] == [Reason.UNKNOWN_MILESTONE]  # by the pack's plan


def test_a_dask_cluster_checks_units_as_local_readers_do(month: list[Path],
                                                         register: Register) -> None:
    from distributed import LocalCluster

    units = _units(register)
    local = check_files(month, register, PERIOD, None, Isolation(workers=1), units=units)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        remote = check_files(month, register, PERIOD, None,
                             Isolation(scheduler=cluster.scheduler_address), units=units)
    assert [s.findings for s in remote.submissions] == [s.findings for s in local.submissions]
    assert any(f.reason == Reason.IMPLAUSIBLE_UNIT for s in remote.submissions
               for f in s.findings)
