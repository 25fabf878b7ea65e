"""records_in_force, made column by column, is the frame it made before from a dict per row
(kept here as the reference): same values, dtypes, column order and index."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from xltrack import store
from xltrack.monthly import MonthResult


def _records_before(conn: store.Connection, period: str, table: str) -> pd.DataFrame:
    rows = conn.execute(
        "SELECT r.submission_id, r.excel_row, r.data, s.period, s.revision, s.received_at,"
        " s.file FROM records r JOIN submissions s ON s.id = r.submission_id"
        " WHERE s.status = 'accepted' AND s.period <= ? AND r.tbl = ?", (period, table))
    out = [{**json.loads(data), "submission_id": sid, "excel_row": row, "period": p,
            "revision": rev, "received_at": rec, "file": file}
           for sid, row, data, p, rev, rec, file in rows]
    return pd.DataFrame(out)


def _same(conn: store.Connection, period: str, table: str) -> pd.DataFrame:
    now, before = (store.records_in_force(conn, period, table),
                   _records_before(conn, period, table))
    pd.testing.assert_frame_equal(now, before, check_exact=True)
    assert list(now.dtypes) == list(before.dtypes) and list(now.columns) == list(before.columns)
    return now


@pytest.mark.parametrize("table", ["Plan", "Progress", "Explanations", "Issues", "Budget",
                                   "SalesForecast", "ActualCost", "ActualSales", "Nothing"])
@pytest.mark.parametrize("period", ["2026-10", "2026-03", "2000-01"])
def test_records_are_the_frame_made_before(demo_month: MonthResult, table: str,
                                           period: str) -> None:
    with store.open_store(demo_month.db) as conn:
        now = _same(conn, period, table)
    if period == "2026-10" and table in ("Plan", "Progress", "Budget"):
        assert len(now) > 10


def _history(tmp_path: Path, datas: list[dict[str, object]]) -> store.Connection:
    conn = store.connect(tmp_path / "h.sqlite")
    for i, data in enumerate(datas, start=1):
        conn.execute(
            "INSERT INTO submissions (id, path, file, sha256, size, received_at, imported_at,"
            " kind, subsidiary, period, revision, status, errors, warnings, findings)"
            " VALUES (?, ?, ?, ?, 1,"
            " ?, ?, 'plan', 'S', ?, ?, 'accepted', 0, 0, '[]')",
            (i, f"p{i}", f"f{i}.xlsx", f"d{i}", f"2026-0{1 + i % 3}-02", "2026-01-01",
             f"2026-0{1 + i % 3}", 1 + i % 2))
        conn.execute("INSERT INTO records (submission_id, tbl, excel_row, project, data)"
                     " VALUES (?, 'Plan', ?, 'P', ?)", (i, 4 + i, json.dumps(data)))
    conn.commit()
    return conn


@pytest.mark.parametrize("datas", [
    # the same fields throughout, with missing values, mixed numbers, a column of nothing
    [{"a": "x", "n": 1, "f": None, "g": None}, {"a": None, "n": 2.5, "f": 0.1, "g": None},
     {"a": "x", "n": 3, "f": 2, "g": None}],
    [{"a": "x", "n": 1}, {"a": "y", "n": 2}, {"a": "x", "n": 3}],
    # fields that differ from row to row, or in order, or are named like an origin
    [{"a": "x", "n": 1}, {"n": 2, "a": "y"}],
    [{"a": "x"}, {"a": "y", "extra": 1.5}, {"a": "z"}],
    [{"a": "x", "period": "1999-01"}, {"a": "y", "period": "1999-02"}],
    [{"a": "x", "b": True}, {"a": "é", "b": False}],
])
def test_generated_records_are_the_frame_made_before(tmp_path: Path,
                                                     datas: list[dict[str, object]]) -> None:
    conn = _history(tmp_path, datas)
    try:
        for period in ("2026-03", "2026-01", "2025-12"):
            _same(conn, period, "Plan")
    finally:
        conn.close()
