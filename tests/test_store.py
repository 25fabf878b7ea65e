"""The store: idempotent, transactional, versioned; a killed import leaves no trace."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from xltrack import backend, store
from xltrack.backend import Location
from xltrack.errors import HistoryTooNew, HistoryUnreachable, UsageError
from xltrack.workers import examine

from .fixture_group import write_fixture_inbox

KILLED_IMPORT = """
import pathlib, sys, time
from xltrack import backend, store
from xltrack.workers import examine
real = store._insert_amounts
def pause_inside(conn, sub_id, data, period):
    real(conn, sub_id, data, period)
    pathlib.Path(sys.argv[3]).write_text("inside the transaction")
    time.sleep(120)
store._insert_amounts = pause_inside
with store.open_store(backend.location(sys.argv[1])) as conn:
    store.import_submission(conn, examine(pathlib.Path(sys.argv[2])))
"""


def _counts(db: Location) -> dict[str, int]:
    with store.open_store(db) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("submissions", "facts", "records", "restatements")}


def test_schema_is_versioned_and_wal(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "s.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with store.open_store(tmp_path / "s.db") as conn:  # reopening migrates nothing twice
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION


def test_a_postgresql_history_keeps_its_version_in_a_table(pg_server: str) -> None:
    """PostgreSQL has no user_version: the version is a row, read and refused like it."""
    from .pg_server import new_database

    url = new_database(pg_server)
    with store.open_store(url) as conn:
        assert store.schema_version(conn) == store.SCHEMA_VERSION
    with store.open_store(url) as conn:  # reopening migrates nothing twice
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1
        conn.execute("UPDATE schema_version SET version = ?", (store.SCHEMA_VERSION + 1,))
    with pytest.raises(HistoryTooNew, match="newer xltrack"):
        store.connect(url)
    raw = backend.connect_postgres(url)
    with closing(raw):
        assert store.schema_version(raw) == store.SCHEMA_VERSION + 1
        assert raw.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_a_role_that_may_not_create_the_tables_is_one_line(pg_server: str) -> None:
    import psycopg

    from .pg_server import PASSWORD, new_database

    url = new_database(pg_server)
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS clerk_without_rights")
        admin.execute(f"CREATE ROLE clerk_without_rights LOGIN PASSWORD '{PASSWORD}'".encode())
    as_clerk = url.replace("//xltrack@", "//clerk_without_rights@")
    with pytest.raises(HistoryUnreachable, match="could not be opened .*permission denied"):
        store.connect(as_clerk)


def test_a_postgresql_address_with_a_password_is_refused() -> None:
    with pytest.raises(UsageError, match="PGPASSWORD"):
        backend.connect_postgres("postgresql://xltrack:secret@127.0.0.1/xltrack")
    with pytest.raises(UsageError, match="PGPASSWORD"):
        backend.connect_postgres("postgresql://xltrack@127.0.0.1/xltrack?password=secret")


def test_a_missing_driver_is_one_line_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    with pytest.raises(UsageError, match=r"pip install 'xltrack\[postgres\]'") as caught:
        store.connect("postgresql://xltrack@127.0.0.1/xltrack")
    assert "\n" not in str(caught.value)


def test_same_bytes_twice_is_a_no_op(tmp_path: Path, history: Location) -> None:
    paths = write_fixture_inbox(tmp_path)
    sub = examine(paths[0])
    with store.open_store(history) as conn:
        first = store.import_submission(conn, sub)
    before = _counts(history)
    with store.open_store(history) as conn:
        assert store.import_submission(conn, sub) == first
    assert _counts(history) == before


def test_rejected_files_are_recorded_without_facts(tmp_path: Path, history: Location) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook at all")
    with store.open_store(history) as conn:
        store.import_submission(conn, examine(junk))
        subs = store.submissions(conn)
    assert list(subs.status) == ["rejected"] and subs.errors[0] == 1
    assert _counts(history)["facts"] == 0


def test_killed_import_leaves_the_store_as_it_was(tmp_path: Path, history: Location) -> None:
    paths = write_fixture_inbox(tmp_path)
    db = history
    with store.open_store(db) as conn:
        store.import_submission(conn, examine(paths[0]))
    before = _counts(db)
    marker = tmp_path / "inside"
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(db), str(paths[1]),
                              str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None and time.monotonic() < deadline, "import never started"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert _counts(db) == before
    with store.open_store(db) as conn:  # the store is usable: no lock is left behind
        store.import_submission(conn, examine(paths[1]))
    assert _counts(db)["submissions"] == before["submissions"] + 1


def _sums(frame: pd.DataFrame) -> dict[tuple[object, ...], float]:
    keys = ["submission_id", "project", "tbl", "measure", "month"]
    summed = frame.groupby(keys).amount.sum()
    return {key: round(float(amount), 6) for key, amount in summed.items()}


def test_sums_agree_with_the_facts_one_by_one(tmp_path: Path, history: Location) -> None:
    """The sums a run reads (from the amounts, a row to a row) are the sums of the facts
    explain shows (the view, an amount to a row), slot by slot and month by month."""
    with store.open_store(history) as conn:
        for path in write_fixture_inbox(tmp_path):
            store.import_submission(conn, examine(path))
        facts = store.facts_in_force(conn, "2099-12")
        sums = store.facts_in_force(conn, "2099-12", origins=False)
    assert {"Budget", "ActualCost"} <= set(facts.tbl)
    assert len(sums) < len(facts)  # items summed away
    assert _sums(sums) == _sums(facts)


def test_a_version_1_history_is_migrated_without_losing_a_fact(tmp_path: Path) -> None:
    """Version 1 kept an amount to a row in a `facts` table; version 2 keeps a table row to
    a row in `amounts`, and `facts` is a view. Every version-1 fact, with its cell, is still
    there after the migration, and the figures read from it are the same."""
    current = tmp_path / "v2.db"
    with store.open_store(current) as conn:
        for path in write_fixture_inbox(tmp_path):
            store.import_submission(conn, examine(path))
        expected = sorted(conn.execute("SELECT * FROM facts").fetchall())
        expected_sums = _sums(store.facts_in_force(conn, "2099-12", origins=False))
    old = tmp_path / "v1.db"
    _as_version_1(current, old)
    with closing(sqlite3.connect(old)) as conn:
        assert len(expected) == conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0] > 0
    with store.open_store(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
        assert sorted(conn.execute("SELECT * FROM facts").fetchall()) == expected
        assert _sums(store.facts_in_force(conn, "2099-12", origins=False)) == expected_sums


def test_a_history_from_a_newer_xltrack_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with store.open_store(db):
        pass
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(f"PRAGMA user_version={store.SCHEMA_VERSION + 1}")
    before = db.read_bytes()
    with pytest.raises(HistoryTooNew, match="newer xltrack"):
        store.connect(db)
    assert db.read_bytes() == before


def test_each_amount_is_kept_once_and_every_other_cell_in_the_records(
        tmp_path: Path, history: Location) -> None:
    """A plan row's months and a monthly row's amount live in `amounts`, with their cells; the
    rest of the row (codes, year, description, remark) in `records`. Nothing is kept twice."""
    with store.open_store(history) as conn:
        for path in write_fixture_inbox(tmp_path):
            store.import_submission(conn, examine(path))
        kept = {tbl: set(json.loads(data)) for tbl, data in conn.execute(
            "SELECT tbl, data FROM records WHERE tbl IN ('Budget', 'ActualCost')")}
        amounts = conn.execute("SELECT COUNT(*) FROM amounts").fetchone()[0]
    assert kept["Budget"] == {"project_id", "cost_code", "description", "year"}
    assert kept["ActualCost"] == {"project_id", "cost_code", "remark"}
    assert amounts > 0


def _as_version_1(current: Path, old: Path) -> None:
    """Write at `old` the history at `current` as version 1 kept it: a `facts` table."""
    with closing(sqlite3.connect(old, isolation_level=None)) as conn:
        for statement in store._MIGRATIONS[0].split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("PRAGMA user_version=1")
        conn.execute("ATTACH DATABASE ? AS v2", (str(current),))
        for table in ("submissions", "records", "restatements", "facts"):
            # Only the columns version 1 had: later versions add some to `submissions`.
            columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA main.table_info({table})"))
            conn.execute(f"INSERT INTO main.{table} SELECT {columns} FROM v2.{table}")
        conn.execute("DETACH DATABASE v2")


def test_a_migrated_history_takes_new_files_and_sums_them_with_the_old(tmp_path: Path) -> None:
    """After the migration, old amounts (one to a row) and new ones (a table row to a row)
    live side by side: the sums a run reads equal the sums of every fact, old and new."""
    paths = write_fixture_inbox(tmp_path)
    first, rest = paths[::2], paths[1::2]  # budgets and monthly files in both halves
    current = tmp_path / "v2.db"
    with store.open_store(current) as conn:
        for path in first:
            store.import_submission(conn, examine(path))
    old = tmp_path / "v1.db"
    _as_version_1(current, old)
    with store.open_store(old) as conn:
        for path in rest:
            store.import_submission(conn, examine(path))
        kinds = {row[0] for row in conn.execute("SELECT year IS NULL FROM amounts")}
        facts = store.facts_in_force(conn, "2099-12")
        sums = store.facts_in_force(conn, "2099-12", origins=False)
        mixed = _content(conn)
    assert kinds == {0, 1}  # both kinds of row are there
    assert _sums(sums) == _sums(facts)
    with store.open_store(tmp_path / "all-new.db") as conn:  # the same files, never migrated
        for path in [*first, *rest]:
            store.import_submission(conn, examine(path))
        assert mixed == _content(conn)


def _content(conn: sqlite3.Connection) -> tuple[list[tuple[object, ...]], ...]:
    """Every fact and restatement, with its file instead of a row id."""
    facts = conn.execute(
        "SELECT s.file, f.project, f.tbl, f.item, f.measure, f.month, f.amount, f.sheet, f.cell"
        " FROM facts f JOIN submissions s ON s.id = f.submission_id").fetchall()
    restated = conn.execute(
        "SELECT s.file, o.file, r.project, r.tbl, r.item, r.measure, r.month, r.old_amount,"
        " r.new_amount, r.cell FROM restatements r JOIN submissions s ON s.id = r.submission_id"
        " JOIN submissions o ON o.id = r.superseded_id").fetchall()
    status = conn.execute("SELECT file, kind, status FROM submissions").fetchall()
    return sorted(facts), sorted(restated), sorted(status)
