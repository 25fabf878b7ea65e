"""A month's run writes the feedback in a forked process beside the month's consolidation
(monthly._feedback, where processes fork): the same month, the same feedback, the same history
as when it is written first; and a copy that fails, which is its file's finding, is in the
month the run returns as in the history."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from xltrack import contract as c
from xltrack import monthly, store
from xltrack.models import Reason
from xltrack.reader import Submission
from xltrack.report import feedback
from xltrack.settings import Register

from .conftest import Fill, cost_row

_TIMES = ["imported_at", "received_at", "first_received"]  # when each run stored them
FORKS = sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1


def _inbox(fill: Fill, tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]}, name="inbox/good.xlsx")
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(project="RE01-P02"),
                                         cost_row(project="RE01-P02", code="0102",
                                                  amount="12x")]},
         name="inbox/typo.xlsx")
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(project="RE02-P01", amount="1,5")]},
         name="inbox/comma.xlsx")
    return tmp_path / "inbox"


def _copy_fails_for_comma(sub: Submission) -> Any:
    if "comma" in sub.path.name:
        raise ValueError("their bytes")
    return _real_copy(sub)


_real_copy = feedback.their_copy


def _month(inbox: Path, register: Register, out: Path, beside: bool,
           monkeypatch: pytest.MonkeyPatch) -> tuple[monthly.MonthResult, bool, int]:
    """The run, whether its feedback was written in another process than this one, and how
    many times it consolidated the month."""
    writers, months = out / "feedback-writers", []
    real_write, real_month = monthly.write_feedback_of, monthly.month_from_store

    def write(*args: Any) -> None:
        with writers.open("a") as listed:  # a forked writer's memory is not this one's
            listed.write(f"{os.getpid()}\n")
        real_write(*args)

    def month(*args: Any) -> monthly.MonthResult:
        months.append(1)
        return real_month(*args)

    out.mkdir()
    monkeypatch.setattr(monthly, "write_feedback_of", write)
    monkeypatch.setattr(monthly, "month_from_store", month)
    monkeypatch.setattr(monthly, "BESIDE_BELOW_BYTES", 2**62 if beside else 0)
    result = monthly.run_month(inbox, register, "2026-10", out / "h.sqlite", out / "fb")
    monkeypatch.undo()
    [pid] = writers.read_text().split()
    return result, int(pid) != os.getpid(), len(months)


def _same(a: monthly.MonthResult, b: monthly.MonthResult) -> None:
    for name in ("submissions", "status", "variances", "facts"):
        left, right = getattr(a, name), getattr(b, name)
        pd.testing.assert_frame_equal(left.drop(columns=_TIMES, errors="ignore"),
                                      right.drop(columns=_TIMES, errors="ignore"))
    assert [p.name for p in a.checked.feedback] == [p.name for p in b.checked.feedback]
    assert {k: p.name for k, p in a.checked.feedback_of.items()} == {
        k: p.name for k, p in b.checked.feedback_of.items()}
    assert [[f.to_json() for f in s.findings] for s in a.checked.submissions] == [
        [f.to_json() for f in s.findings] for s in b.checked.submissions]


def test_feedback_beside_the_month_gives_what_feedback_first_gives(
        fill: Fill, register: Register, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = _inbox(fill, tmp_path)
    first, first_elsewhere, first_months = _month(inbox, register, tmp_path / "first", False,
                                                  monkeypatch)
    beside, beside_elsewhere, beside_months = _month(inbox, register, tmp_path / "beside",
                                                     True, monkeypatch)
    _same(first, beside)
    assert [p.name for p in beside.checked.feedback] == ["comma-feedback.xlsx",
                                                         "typo-feedback.xlsx"]
    assert all(p.exists() for p in beside.checked.feedback)
    assert (first_months, beside_months) == (1, 1)  # no copy failed: the month once
    assert (first_elsewhere, beside_elsewhere) == (False, FORKS)


def test_a_copy_that_fails_is_in_the_month_and_the_history_either_way(
        fill: Fill, register: Register, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = _inbox(fill, tmp_path)
    runs = {}
    for beside in (False, True):
        # Patched where it is defined: the feedback workers fork after this, and import it
        # when they run.
        monkeypatch.setattr(feedback, "their_copy", _copy_fails_for_comma)
        runs[beside] = _month(inbox, register, tmp_path / str(beside), beside, monkeypatch)
        result = runs[beside][0]
        [comma] = [s for s in result.checked.submissions if s.path.name == "comma.xlsx"]
        [note] = [f for f in comma.findings if f.reason is Reason.FEEDBACK_FAILED]
        assert "their bytes" in note.message_en
        # The month returned says it: the run consolidated again once the note was known.
        listed = result.submissions.set_index("file").loc["comma.xlsx"]
        assert "feedback_failed" in str(listed.to_dict())
        with store.open_store(tmp_path / str(beside) / "h.sqlite") as conn:
            kept = store.submissions(conn).set_index("file").loc["comma.xlsx"]
        assert "feedback_failed" in str(kept.to_dict())
    _same(runs[False][0], runs[True][0])
    assert runs[False][2] == 1  # written first, the note is in the history before the month
    assert runs[True][2] == (2 if FORKS else 1)
