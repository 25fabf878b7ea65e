"""The readers make the history's rows of the tables a run holds packed (workers.pack), and the
store only puts in the submission's id and the period: what is stored, refused and found is
what the store gave when it made the rows itself from the tables (kept here as the reference:
the same files stored unpacked)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from xltrack import contract as c
from xltrack import store
from xltrack.inbox import check_files
from xltrack.reader import Submission, TableData
from xltrack.settings import Register
from xltrack.store_rows import (
    amount_rows,
    bind_amounts,
    bind_records,
    record_rows,
    table_rows,
)
from xltrack.workers import Isolation, pack, unpack

from .conftest import Fill, cost_row

PERIOD = "2026-10"
MOMENT = "2026-11-06T00:00:00.000000+00:00"


def _stored(db: Path) -> list[list[tuple[object, ...]]]:
    with sqlite3.connect(db) as conn:
        return [conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                for table in ("submissions", "records", "amounts", "restatements")]


def _files(fill: Fill) -> list[Path]:
    budget = [{"project_id": "RE01-P01", "cost_code": "0101", "description": "土地",
               "year": 2026, "m01": 1000.0, "m02": -0.0}]
    return [fill(c.PACK, {"Budget": budget, "ActualCost": [cost_row(amount=1234.5)],
                          "SalesForecast": [{"project_id": "RE01-P01", "product": "住宅",
                                             "measure": "金额", "year": 2026, "m03": 5.0}]},
                 name="pack.xlsx"),
            fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=5.0),
                                                 cost_row(code="0102", amount=7.0)]},
                 name="monthly.xlsx")]


def test_made_rows_bind_to_the_rows_the_store_made(fill: Fill, register: Register) -> None:
    checked = check_files(_files(fill), register, PERIOD, None, Isolation(workers=1))
    for sub in checked.submissions:
        for data in sub.tables.values():
            made = table_rows(data)
            assert list(bind_records(9, made.name, made.records)) == record_rows(9, data)
            if made.amounts is not None:
                got = list(bind_amounts(9, made.name, made.amounts, PERIOD))
                want = amount_rows(9, data, PERIOD)
                assert [(type(v), repr(v)) for row in got for v in row] == [
                    (type(v), repr(v)) for row in want for v in row]


def _infinite_amount(subs: list[Submission]) -> None:
    subs[1].tables["ActualCost"].columns["amount"][0] = float("inf")  # the history's guard


def _year_not_a_number(subs: list[Submission]) -> None:
    subs[0].tables["Budget"].columns["year"][0] = None  # int(None): the rows cannot be made


@pytest.mark.parametrize(("change", "refused"), [(_infinite_amount, "monthly.xlsx"),
                                                 (_year_not_a_number, "pack.xlsx")],
                         ids=["refused-by-sqlite", "rows-not-made"])
def test_a_file_the_history_refuses_is_refused_as_from_its_tables(
        fill: Fill, register: Register, tmp_path: Path,
        change: Callable[[list[Submission]], None], refused: str) -> None:
    """A value past every check that the history refuses (infinity: the trigger), or that no
    row can be made of (the reader then packs the table itself and the store makes its rows):
    the file is stored as rejected with the reason, the others as they are, as when the store
    made every row from the tables held."""
    files = _files(fill)
    runs = {}
    for name in ("held", "packed"):
        subs = check_files(files, register, PERIOD, None, Isolation(workers=1)).submissions
        change(subs)
        blobs = {i: pack(sub)[1] for i, sub in enumerate(subs)} if name == "packed" else {}
        with store.open_store(tmp_path / f"{name}.sqlite") as conn:
            store.import_submissions(conn, subs, MOMENT, unpack=(
                (lambda i, s=subs, b=blobs: unpack(s[i], b.pop(i))) if blobs else None))
        runs[name] = subs
    assert _stored(tmp_path / "packed.sqlite") == _stored(tmp_path / "held.sqlite")
    assert [s.findings for s in runs["packed"]] == [s.findings for s in runs["held"]]
    statuses = {row[2]: row[15] for row in _stored(tmp_path / "held.sqlite")[0]}
    assert statuses == {"pack.xlsx": "accepted", "monthly.xlsx": "accepted", refused: "rejected"}
    assert any("refused" in f.message_en for s in runs["packed"] if s.file == refused
               for f in s.findings)


def test_a_pack_keeps_a_table_it_cannot_make_rows_of() -> None:
    spec = c.TABLES_BY_NAME["Budget"]
    letters = {col.key: chr(ord("B") + i) for i, col in enumerate(spec.columns)}
    months = {k: [1.0] for k in c.MONTH_KEYS}
    bad = TableData(spec, "预算", letters, {"project_id": ["RE01-P01"], "cost_code": ["0101"],
                                          "description": ["x"], "year": [None], **months,
                                          "total": [12.0], "_row": [5]})
    sub = Submission(path=Path("x.xlsx"), sha256="0" * 64, size=1, tables={"Budget": bad})
    _, blob = pack(sub)
    assert not sub.tables
    made = unpack(sub, blob)
    assert made == {} and list(sub.tables) == ["Budget"]
    assert sub.tables["Budget"].columns["year"] == [None]


def test_a_plan_whose_rows_cannot_be_made_stays_held_for_the_store() -> None:
    """The plans and progress are held as tables anyway (the milestones read them): one whose
    rows cannot be made is not put in the pickle too, and no rows of it come back."""
    spec = c.TABLES_BY_NAME["Plan"]
    letters = {col.key: chr(ord("B") + i) for i, col in enumerate(spec.columns)}
    bad = TableData(spec, "计划", letters, {
        "project_id": ["RE01-P01"], "milestone_id": ["M01"], "milestone": [object()],
        "planned_start": [None], "planned_finish": [None], "weight_pct": [1.0],
        "key_milestone": [None], "owner": ["x"], "_row": [5]})
    sub = Submission(path=Path("x.xlsx"), sha256="0" * 64, size=1, tables={"Plan": bad})
    _, blob = pack(sub)
    assert list(sub.tables) == ["Plan"]
    made = unpack(sub, blob)
    assert made == {} and list(sub.tables) == ["Plan"] and sub.tables["Plan"] is bad


def test_storing_leaves_the_connection_as_it_found_it(fill: Fill, register: Register,
                                                      tmp_path: Path) -> None:
    """Storing journals each file's savepoint in memory (temp_store) for its transaction
    only: a connection's later queries sort in temporary files as before."""
    subs = check_files(_files(fill), register, PERIOD, None, Isolation(workers=1)).submissions
    _infinite_amount(subs)
    with store.open_store(tmp_path / "h.sqlite") as conn:
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 0
        store.import_submissions(conn, subs, MOMENT)
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 0
        statuses = set(conn.execute("SELECT file, status FROM submissions").fetchall())
    assert statuses == {("pack.xlsx", "accepted"), ("monthly.xlsx", "rejected")}
