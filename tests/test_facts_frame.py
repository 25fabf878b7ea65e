"""facts_in_force's sums, with each month's name shared by its rows, and its frames, each
batch's numbers made an array at once, are the frames it made before (kept here as the
reference): same values, dtypes, order and index."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from xltrack import store
from xltrack.monthly import MonthResult
from xltrack.store import _FOR_SUMS, _MONTHS, _NUMBERS, _SLOT, _WITH_ORIGINS, _frame

# The sums as SQLite made them before, joined to their submission and grouped by its period,
# revision and receipt too (the store now groups the amounts alone and puts those beside).
_FOR_SUMS_BEFORE = (
    f"SELECT a.{', a.'.join(_SLOT)}, a.year, a.month, SUM(a.amount) AS amount,"
    f" {', '.join(f'SUM(a.{m}) AS {m}' for m in _MONTHS)},"
    " s.period, s.revision, s.received_at"
    " FROM amounts a JOIN submissions s ON s.id = a.submission_id"
    " WHERE s.status = 'accepted' AND s.period <= ?"
    f" GROUP BY a.{', a.'.join(_SLOT)}, a.year, a.month,"
    " s.period, s.revision, s.received_at")


def _frame_before(cursor: Any) -> pd.DataFrame:
    names = [d[0] for d in cursor.description]
    columns: list[list[Any]] = [[] for _ in names]
    seen: dict[Any, Any] = {}
    while batch := cursor.fetchmany(50_000):
        for name, column, values in zip(names, columns, zip(*batch, strict=True), strict=True):
            column.extend(values if name in _NUMBERS else map(seen.setdefault, values, values))
    if not columns[0]:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in names})
    frame = pd.DataFrame(index=pd.RangeIndex(len(columns[0])))
    for i, name in enumerate(names):
        frame[name] = columns[i]
        columns[i] = []
    return frame


def _sums_before(conn: store.Connection, period: str) -> pd.DataFrame:
    sums = _frame_before(conn.execute(_FOR_SUMS_BEFORE, (period,)))
    columns = [*_SLOT, "month", "amount", "period", "revision", "received_at"]
    if sums.empty:
        return sums[columns]
    keys = [*_SLOT, "period", "revision", "received_at"]
    parts = [sums.loc[sums.month.notna(), columns]]
    years = sums[sums.year.notna()]
    year_text = years.year.astype("int64").map("{:04d}".format)
    for key in _MONTHS if not years.empty else ():
        has = years[key].notna()
        parts.append(years.loc[has, keys].assign(month=year_text[has] + "-" + key[1:],
                                                 amount=years.loc[has, key]))
    return pd.concat(parts, ignore_index=True)[columns]


@pytest.mark.parametrize("period", ["2026-10", "2026-03", "2025-12", "2000-01"])
def test_sums_are_the_frame_made_before(demo_month: MonthResult, period: str) -> None:
    with store.open_store(demo_month.db) as conn:
        now, before = store.facts_in_force(conn, period, origins=False), _sums_before(conn,
                                                                                   period)
    pd.testing.assert_frame_equal(now, before, check_exact=True)
    assert list(now.dtypes) == list(before.dtypes)
    if period >= "2026-01":
        assert now.month.str.match(r"\d{4}-\d{2}$").all() and len(now) > 100


def test_an_empty_history_gives_the_same_empty_frame(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "h.sqlite") as conn:
        now, before = store.facts_in_force(conn, "2026-10", origins=False), _sums_before(
            conn, "2026-10")
    pd.testing.assert_frame_equal(now, before, check_exact=True)


@pytest.mark.parametrize("batch", [50_000, 7])
@pytest.mark.parametrize("period", ["2026-10", "2026-03", "2000-01"])
def test_frames_are_those_made_before(demo_month: MonthResult, period: str, batch: int,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_BATCH", batch)
    with store.open_store(demo_month.db) as conn:
        for sql in (_FOR_SUMS, _FOR_SUMS_BEFORE, _WITH_ORIGINS):
            now, before = _frame(conn, sql, (period,)), _frame_before(conn.execute(sql, (period,)))
            pd.testing.assert_frame_equal(now, before, check_exact=True)
            assert list(now.dtypes) == list(before.dtypes)


# A number column's values batch by batch: integers alone, then NULLs, floats, mixed; NULLs
# alone; and what is not a plain number (made as before, whole).
_COLUMNS = {
    "amount": [1, 2, 3, None, None, 2.5, 7, None, 1e300, -0.0],
    "revision": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    "year": [None] * 10,
    "m01": [None, None, None, 2, 3, 4, 5, 6, 7, 8],
    "m02": [1.5, 2, 3, 4, 5, 6, 7, 8, 9, None],
    "m03": [None, None, None, None, None, None, "x", None, None, None],
    "m04": [1, 2, 3, 4, 5, 6, 7, True, 9, 10],
}


@pytest.mark.parametrize("batch", [1, 3, 4, 50_000])
@pytest.mark.parametrize("numbers", [[k] for k in _COLUMNS] + [list(_COLUMNS)[:5]])
def test_generated_frames_are_those_made_before(batch: int, numbers: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_BATCH", batch)
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (project TEXT, {', '.join(numbers)})")
    conn.executemany(f"INSERT INTO t VALUES (?{', ?' * len(numbers)})",
                     [(f"P{i % 3}", *(_COLUMNS[k][i] for k in numbers)) for i in range(10)])
    sql = f"SELECT project, {', '.join(numbers)} FROM t WHERE ? = ? ORDER BY rowid"
    now, before = _frame(conn, sql, (1, 1)), _frame_before(conn.execute(sql, (1, 1)))
    pd.testing.assert_frame_equal(now, before, check_exact=True)
    assert list(now.dtypes) == list(before.dtypes)
    empty = _frame(conn, sql, (1, 2))
    pd.testing.assert_frame_equal(empty, _frame_before(conn.execute(sql, (1, 2))))
