"""A run holds each file's tables packed until it stores the file (only the plans and the
progress, which the milestones of every file need, are unpacked): what is checked and what is
stored are the same as when every table was held as read."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from xltrack import contract as c
from xltrack import store
from xltrack.inbox import check_files
from xltrack.reader import Submission
from xltrack.settings import Register
from xltrack.store_rows import Rows, table_rows
from xltrack.workers import NEEDED_BEFORE_STORING, Isolation

from .conftest import Fill, cost_row

PERIOD = "2026-10"


@pytest.fixture
def files(fill: Fill) -> list[Path]:
    plan = {"project_id": "RE01-P01", "milestone_id": "M01", "milestone": "开工",
            "planned_start": "2026-01-01", "planned_finish": "2026-03-31", "weight_pct": 1.0,
            "key_milestone": "Y"}
    budget = {"project_id": "RE01-P01", "cost_code": "0101", "description": "土地",
              "year": 2026, "m01": 1000.0, "m02": 2000.0}
    return [fill(c.PACK, {"Plan": [plan], "Budget": [budget],
                          "ActualCost": [cost_row(amount=1234.5)]}, name="pack.xlsx"),
            fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=5.0), cost_row(code="0102")],
                                  "Progress": [{"project_id": "RE01-P01", "milestone_id": "M09",
                                                "pct_complete": 0.5}]}, name="monthly.xlsx"),
            fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="x")]}, name="refused.xlsx")]


def _tables(checked_subs: list[object]) -> list[dict[str, object]]:
    return [{name: (data.sheet, data.letters, {k: list(v) for k, v in data.columns.items()})
             for name, data in sub.tables.items()} for sub in checked_subs]  # type: ignore[attr-defined]


@pytest.mark.parametrize("isolation", [Isolation(workers=2),
                                       Isolation(workers=1, start_method="spawn")],
                         ids=["fork", "spawn"])
def test_packed_tables_come_back_as_read(files: list[Path], register: Register,
                                         isolation: Isolation) -> None:
    held = check_files(files, register, PERIOD, None, isolation)
    packed = check_files(files, register, PERIOD, None, isolation, pack=True)
    assert [s.findings for s in packed.submissions] == [s.findings for s in held.submissions]
    assert packed.packed and all(set(s.tables) <= NEEDED_BEFORE_STORING
                                 for s in packed.submissions)
    assert any(s.tables for s in packed.submissions)  # the plans and progress stay
    made = []
    for i in range(len(files)):
        made.append(packed.unpack(i))
        assert packed.unpack(i) is None  # once only: nothing left the second time
    assert not packed.packed
    _same_as_held(packed.submissions, made, held.submissions)


def _same_as_held(subs: list[Submission], made: list[dict[str, Rows] | None],
                  held: list[Submission]) -> None:
    """What came back of each pack, the tables kept (the plans and the progress) and the rows
    the reader made of every table (of those kept too: the parent then only binds them), is
    what the tables held as read give."""
    assert all(m for m in made)
    for sub, rows, as_read in zip(subs, made, held, strict=True):
        assert rows is not None
        assert list(sub.tables) == [k for k in as_read.tables if k in NEEDED_BEFORE_STORING]
        assert list(rows) == list(as_read.tables)
        assert rows == {name: table_rows(as_read.tables[name]) for name in rows}
    assert any(set(rows or ()) & NEEDED_BEFORE_STORING for rows in made)
    assert _tables(subs) == _tables([replace(s, tables={k: v for k, v in s.tables.items()
                                                        if k in NEEDED_BEFORE_STORING})
                                     for s in held])


def test_a_dask_cluster_packs_as_local_readers_do(files: list[Path], register: Register) -> None:
    from distributed import LocalCluster

    held = check_files(files, register, PERIOD, None, Isolation(workers=1))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        packed = check_files(files, register, PERIOD, None,
                             Isolation(scheduler=cluster.scheduler_address), pack=True)
    assert packed.packed
    made = [packed.unpack(i) for i in range(len(files))]
    _same_as_held(packed.submissions, made, held.submissions)


def _stored(db: Path) -> list[list[tuple[object, ...]]]:
    with sqlite3.connect(db) as conn:
        return [conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                for table in ("submissions", "records", "amounts", "restatements")]


def test_stored_from_packs_as_from_tables_held(files: list[Path], register: Register,
                                               tmp_path: Path) -> None:
    moment = "2026-11-06T00:00:00.000000+00:00"
    held = check_files(files, register, PERIOD, None, Isolation(workers=1))
    packed = check_files(files, register, PERIOD, None, Isolation(workers=1), pack=True)
    with store.open_store(tmp_path / "held.sqlite") as conn:
        store.import_submissions(conn, held.submissions, moment)
    with store.open_store(tmp_path / "packed.sqlite") as conn:
        store.import_submissions(conn, packed.submissions, moment, unpack=packed.unpack)
    assert _stored(tmp_path / "packed.sqlite") == _stored(tmp_path / "held.sqlite")
    assert _stored(tmp_path / "held.sqlite")[2]  # amounts were stored
    assert not packed.packed and not any(s.tables for s in packed.submissions)
