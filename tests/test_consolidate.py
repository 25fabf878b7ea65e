"""Consolidation of the hand-computed fixture group, to the cent, at every level and span."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltrack import store
from xltrack.consolidate import consolidate, trace
from xltrack.inbox import check_files
from xltrack.monthly import consolidate_period, run_month
from xltrack.reader import Submission

from .fixture_group import (
    EXPECTED_INVESTMENT,
    EXPECTED_SALES,
    PERIOD,
    fixture_register,
    write_fixture_inbox,
)


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("group")
    write_fixture_inbox(folder)
    return folder


@pytest.fixture(scope="module")
def checked(fixture_dir: Path) -> list[Submission]:
    result = check_files([fixture_dir / "inbox"], fixture_register(), PERIOD)
    assert not result.rejected, [f for s in result.rejected for f in s.findings]
    return result.submissions


def _consolidated(subs: list[Submission], db: Path) -> pd.DataFrame:
    with store.open_store(db) as conn:
        for sub in subs:
            store.import_submission(conn, sub)
        return consolidate_period(conn, fixture_register(), PERIOD).figures


def test_every_level_and_span_matches_the_hand_computation(fixture_dir: Path,
                                                           tmp_path: Path) -> None:
    result = run_month(fixture_dir / "inbox", fixture_register(), PERIOD, tmp_path / "s.db")
    consolidation = result.consolidation
    for (level, key, basis), spans in EXPECTED_INVESTMENT.items():
        for span, expected in spans.items():
            got = consolidation.figure(level, key, "investment", basis, span)
            assert got == expected, (level, key, basis, span)
    for basis, spans in EXPECTED_SALES.items():
        for span, expected in spans.items():
            got = consolidation.figure("project", "B1-P1", "sales:AMOUNT", basis, span)
            assert got == expected, (basis, span)


def test_a_project_with_nothing_reported_shows_zeros_not_gaps(fixture_dir: Path,
                                                             tmp_path: Path) -> None:
    figures = run_month(fixture_dir / "inbox", fixture_register(), PERIOD,
                        tmp_path / "s.db").consolidation.figures
    b1 = figures[(figures.key == "B1-P1") & (figures.indicator == "investment")]
    assert len(b1) == 11  # 3 actual spans + 4 plan + 4 baseline


def test_major_projects_follow_the_segment_thresholds() -> None:
    projects = consolidate(pd.DataFrame(), fixture_register(), PERIOD).projects
    assert dict(zip(projects.project, projects.major, strict=True)) == {
        "A1-P1": True, "A1-P2": False, "A2-P1": True, "B1-P1": True}


def test_the_correction_supersedes_and_is_restated(fixture_dir: Path, tmp_path: Path) -> None:
    result = run_month(fixture_dir / "inbox", fixture_register(), PERIOD, tmp_path / "s.db")
    with store.open_store(tmp_path / "s.db") as conn:
        subs = store.submissions(conn)
    feb = subs[(subs.subsidiary == "A2") & (subs.period == "2026-02")]
    assert sorted(feb.status) == ["accepted", "superseded"]  # kept, never deleted
    [restated] = result.restatements.to_dict("records")
    assert (restated["old_amount"], restated["new_amount"]) == (215_000.0, 215_500.0)
    assert restated["file"].endswith("-corrected.xlsx")
    assert restated["cell"] == "C5"


def test_status_board(fixture_dir: Path, tmp_path: Path) -> None:
    board = run_month(fixture_dir / "inbox", fixture_register(), PERIOD,
                      tmp_path / "s.db").status
    status = {(r.subsidiary, r.kind): r.status for r in board.itertuples()}
    assert status[("A1", "monthly")] == "received"
    assert status[("B1", "monthly")] == "missing"
    assert status[("B1", "forecast")] == "received"
    assert status[("A1", "plan")] == "missing"
    assert status[("A1", "budget")] == "received"


def test_explain_lists_the_cells_behind_a_figure(fixture_dir: Path, tmp_path: Path) -> None:
    run_month(fixture_dir / "inbox", fixture_register(), PERIOD, tmp_path / "s.db")
    with store.open_store(tmp_path / "s.db") as conn:
        facts = store.facts_in_force(conn, PERIOD)
    chain = trace(facts, PERIOD, "A2-P1", basis="actual", span="ytd")
    assert chain.amount.sum() == EXPECTED_INVESTMENT[("project", "A2-P1", "actual")]["ytd"]
    assert list(chain.file) == ["A2-monthly-2026-01-r1.xlsx",
                                "A2-monthly-2026-02-r1-corrected.xlsx",
                                "A2-monthly-2026-03-r1.xlsx"]
    assert set(chain.cell) == {"C5"}


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(15)), twice=st.booleans())
def test_file_order_and_reimport_do_not_change_anything(checked: list[Submission],
                                                        tmp_path_factory: pytest.TempPathFactory,
                                                        order: list[int], twice: bool) -> None:
    baseline = _consolidated(checked, tmp_path_factory.mktemp("a") / "s.db")
    shuffled = [checked[i] for i in order] + ([checked[i] for i in order] if twice else [])
    again = _consolidated(shuffled, tmp_path_factory.mktemp("b") / "s.db")
    key = ["level", "key", "indicator", "basis", "span"]
    pd.testing.assert_frame_equal(baseline.sort_values(key).reset_index(drop=True),
                                  again.sort_values(key).reset_index(drop=True))
