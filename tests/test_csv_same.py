"""The CSV exports written with only the columns that hold a text to neutralise replaced
(issue 22, fourth round) are the bytes written with every text column mapped through
csv_text: the demo month's six exports and frames of awkward columns. The old way is kept
here as the reference."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from xltrack import monthly
from xltrack.monthly import MonthResult
from xltrack.safe import csv_frame, csv_text
from xltrack.status import file_evidence


def _every_text_column_mapped(frame: pd.DataFrame) -> pd.DataFrame:
    """safe.csv_frame before the fourth round."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(csv_text)
    return safe


def _bytes(frame: pd.DataFrame, path: Path) -> bytes:
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path.read_bytes()


def _awkward() -> list[pd.DataFrame]:
    texts = ["=1+1", " +A1", "plain", None, "－3", "@SUM(A1)", "\tx", "", "a=b", "＝x"]
    n = len(texts)
    return [
        pd.DataFrame({"formulas": texts, "numbers": [i * 0.1 for i in range(n)]}),
        pd.DataFrame({"clean": [f"P{i}" for i in range(n)], "none": [None] * n,
                      "ints_as_objects": pd.Series(list(range(n)), dtype=object),
                      "floats_as_objects": pd.Series([i / 3 for i in range(n)], dtype=object),
                      "mixed": [1, "=x", 2.5, None, True, dt.date(2026, 1, 2), "y", -1, "", 0],
                      "dates": [dt.date(2026, 1, i + 1) for i in range(n)],
                      "bools": pd.Series([i % 2 == 0 for i in range(n)], dtype=object),
                      "na": pd.array(["=a", pd.NA, "b", *["c"] * (n - 3)], dtype="string"),
                      "stamps": pd.to_datetime(["2026-01-02"] * n)}),
        pd.DataFrame({"empty": pd.Series([], dtype=object)}),
    ]


def test_the_month_exports_are_the_bytes_of_every_column_mapped(demo_month: MonthResult,
                                                                tmp_path: Path) -> None:
    r = demo_month
    frames = [r.consolidation.figures, r.consolidation.milestones, r.status,
              file_evidence(r.submissions, monthly._codes(r), r.period), r.variances,
              r.earned_value, r.restatements]
    for i, frame in enumerate(frames):
        assert _bytes(csv_frame(frame), tmp_path / f"f{i}.csv") == \
            _bytes(_every_text_column_mapped(frame), tmp_path / f"b{i}.csv"), i


@pytest.mark.parametrize("case", range(3))
def test_awkward_columns_are_the_bytes_of_every_column_mapped(case: int,
                                                              tmp_path: Path) -> None:
    frame = _awkward()[case]
    fast = _bytes(csv_frame(frame), tmp_path / "fast.csv")
    assert fast == _bytes(_every_text_column_mapped(frame), tmp_path / "before.csv")
    if case == 0:
        assert b"'=1+1" in fast and b"' +A1" in fast and b"'\xef\xbc\x8d3" in fast
